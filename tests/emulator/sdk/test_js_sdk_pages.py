"""buttercms (npm) 3.0.3, run by node and aimed at the emulator (js/runner.mjs), reads pages
and collections as from Butter. One node process runs every call of a test."""

from __future__ import annotations

import pytest
from shared_data import needs_realdata

from .conftest import JsSDK, Site
from .shapes import RECORDINGS, recorded, structure_diff

pytestmark = pytest.mark.anyio


def slugs(result: dict) -> list[str]:
    return [p["slug"] for p in result["data"]["data"]]


@needs_realdata(RECORDINGS)
async def test_page_methods(js_sdk: JsSDK, site: Site):
    (one, shallow, listed, ordered, singles, found, missing) = await js_sdk(
        [
            ["page.retrieve", "landing_page", "home"],
            ["page.retrieve", "landing_page", "home", {"levels": 1}],
            ["page.list", "landing_page", {"page_size": 2}],
            ["page.list", "landing_page", {"order": "-published", "fields.featured": "true"}],
            ["page.list", "*"],
            ["page.search", "sale", {"page_type": "landing_page"}],
            ["page.retrieve", "landing_page", "nope"],
        ]
    )
    assert one["ok"] and one["path"] == "/v2/pages/landing_page/home/"
    page = one["data"]["data"]
    real = recorded("buttercms-js-mock--page-page.json")
    assert set(one["data"]) == set(real) and set(page) == set(real["data"])
    assert [m["meta"]["id"] for m in page["fields"]["team"]] == [
        site.team["Ada"],
        site.team["Grace"],
    ]
    assert page["fields"]["related_pages"][0]["slug"] == "pricing"
    assert shallow["data"]["data"]["fields"]["related_pages"] == ["/v2/pages/landing_page/pricing/"]

    assert slugs(listed) == ["home", "pricing"]
    assert listed["data"]["meta"] == {"count": 3, "next_page": 2, "previous_page": None}
    assert slugs(ordered) == ["spring-sale", "home"]

    real_singles = recorded("buttercms-js-mock--page-list.json")
    assert singles["path"] == "/v2/pages/*/"
    assert structure_diff(real_singles["meta"], singles["data"]["meta"]) == []
    assert set(singles["data"]["data"][0]) == set(real_singles["data"][0])
    assert slugs(singles) == ["about"]

    assert found["path"].startswith("/v2/pages/search/?")
    assert slugs(found) == ["spring-sale"]
    assert not missing["ok"] and missing["status"] == 404
    assert "Page not found." in missing["error"]


@needs_realdata(RECORDINGS)
async def test_content_retrieve(js_sdk: JsSDK, site: Site):
    (both, one, shallow, preview) = await js_sdk(
        [
            ["content.retrieve", ["team_members", "categories"]],
            ["content.retrieve", ["team_members"], {"order": "name", "page_size": 1, "page": 2}],
            ["content.retrieve", ["categories"], {"levels": 1, "fields.slug": "guides"}],
            ["content.retrieve", ["team_members"], {"preview": 1}],
        ]
    )
    # The SDK asks /v2/content/<a,b>/: several keys come whole, without meta (as ?keys=).
    assert both["path"] == "/v2/content/team_members,categories/"
    real = recorded("buttercms-python-vcr--test_content_field_all_filtered.json")
    assert set(both["data"]) == set(real)
    assert [i["name"] for i in both["data"]["data"]["team_members"]] == ["Ada", "Grace"]
    assert [i["slug"] for i in both["data"]["data"]["categories"]] == ["guides", "news"]

    real_one = recorded("buttercms-python-vcr--test_content_field_get.json")
    assert set(one["data"]) == set(real_one)
    assert one["data"]["meta"] == {"count": 2, "next_page": None, "previous_page": 1}
    assert [i["name"] for i in one["data"]["data"]["team_members"]] == ["Grace"]
    assert shallow["data"]["data"]["categories"] == [
        {"meta": {"id": site.categories["Guides"]}, "name": "Guides", "slug": "guides"}
    ]
    assert [i["name"] for i in preview["data"]["data"]["team_members"]] == ["Ada", "Grace", "Dan"]
