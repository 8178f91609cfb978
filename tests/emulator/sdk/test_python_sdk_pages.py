"""buttercms-python 2.1.1, aimed at the emulator, reads pages and collections as from Butter:
shapes as recorded, references expanded by ``levels``, order, filters, paging, preview."""

from __future__ import annotations

import asyncio
import csv
import os
import sys
from pathlib import Path

import pytest
from requests.exceptions import HTTPError
from shared_data import needs_realdata

from .conftest import PythonSDK, Site
from .shapes import RECORDINGS, recorded, structure_diff

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[3]
MIGRATOR = str(Path(sys.executable).with_name("migrator"))
PAGE_KEYS = {"slug", "name", "published", "updated", "page_type", "fields"}


def slugs(answer: dict) -> list[str]:
    return [p["slug"] for p in answer["data"]]


@needs_realdata(RECORDINGS)
async def test_page_get_has_the_recorded_shape(python_sdk: PythonSDK, site: Site):
    got = await python_sdk.call(lambda b: b.pages.get("landing_page", "home"))
    real = recorded("buttercms-python-vcr--test_page_get.json")
    assert set(got) == set(real) == {"data"}
    assert set(got["data"]) == set(real["data"]) == PAGE_KEYS
    # A component and a picker read back as recorded (seo; body → sections here).
    fields = got["data"]["fields"]
    assert structure_diff(real["data"]["fields"]["seo"], fields["seo"]) == []
    assert [set(s) for s in fields["sections"]] == [{"type", "fields"}] * 2
    assert fields["sections"][0] == {"type": "hero", "fields": {"headline": "Hi", "image": ""}}


async def test_references_are_objects_at_the_default_levels(python_sdk: PythonSDK, site: Site):
    fields = (await python_sdk.call(lambda b: b.pages.get("landing_page", "home")))["data"][
        "fields"
    ]
    # Collection references: {meta: {id}, ...fields}, the draft member left out.
    assert [m["meta"] for m in fields["team"]] == [
        {"id": site.team["Ada"]},
        {"id": site.team["Grace"]},
    ]
    assert fields["team"][0]["name"] == "Ada" and fields["team"][0]["position"] == "Engineer"
    assert fields["main_category"] == {
        "meta": {"id": site.categories["Guides"]},
        "name": "Guides",
        "slug": "guides",
    }
    # Page references: the page itself (the missing slug left out), one level down its own
    # references are URIs.
    (pricing,) = fields["related_pages"]
    assert set(pricing) == PAGE_KEYS and pricing["slug"] == "pricing"
    assert pricing["fields"]["price"] == 99
    assert pricing["fields"]["related_pages"] == ["/v2/pages/landing_page/home/"]


async def test_levels_one_gives_uris_and_deeper_levels_expand_further(
    python_sdk: PythonSDK, site: Site
):
    one = await python_sdk.call(lambda b: b.pages.get("landing_page", "home", {"levels": 1}))
    fields = one["data"]["fields"]
    assert fields["related_pages"] == ["/v2/pages/landing_page/pricing/"]
    assert fields["team"] == [
        f"/v2/content/?keys=team_members[_id={site.team['Ada']}]",
        f"/v2/content/?keys=team_members[_id={site.team['Grace']}]",
    ]
    assert (
        fields["main_category"] == f"/v2/content/?keys=categories[_id={site.categories['Guides']}]"
    )

    three = await python_sdk.call(lambda b: b.pages.get("landing_page", "home", {"levels": 3}))
    back_home = three["data"]["fields"]["related_pages"][0]["fields"]["related_pages"][0]
    assert back_home["slug"] == "home"
    assert back_home["fields"]["related_pages"] == ["/v2/pages/landing_page/pricing/"]
    # Out of 1-5 is moved into range (Butter's docs), not refused.
    nine = await python_sdk.call(lambda b: b.pages.get("landing_page", "home", {"levels": 9}))
    five = await python_sdk.call(lambda b: b.pages.get("landing_page", "home", {"levels": 5}))
    assert nine == five
    zero = await python_sdk.call(lambda b: b.pages.get("landing_page", "home", {"levels": 0}))
    assert zero == one


@needs_realdata(RECORDINGS)
async def test_page_list_orders_filters_and_pages(python_sdk: PythonSDK, site: Site):
    listed = await python_sdk.call(lambda b: b.pages.all("landing_page"))
    real = recorded("buttercms-python-vcr--test_page_all.json")
    assert set(listed) == set(real) and set(listed["meta"]) == set(real["meta"])
    assert set(listed["data"][0]) == set(real["data"][0])
    assert slugs(listed) == ["home", "pricing", "spring-sale"]  # the draft is not listed
    assert listed["meta"] == {"count": 3, "next_page": None, "previous_page": None}

    newest = await python_sdk.call(lambda b: b.pages.all("landing_page", {"order": "-published"}))
    assert slugs(newest) == ["spring-sale", "pricing", "home"]
    by_price = await python_sdk.call(lambda b: b.pages.all("landing_page", {"order": "price"}))
    assert slugs(by_price) == ["home", "spring-sale", "pricing"]
    by_field = await python_sdk.call(
        lambda b: b.pages.all("landing_page", {"order": "-fields.price"})
    )
    assert slugs(by_field) == ["pricing", "spring-sale", "home"]

    featured = await python_sdk.call(
        lambda b: b.pages.all("landing_page", {"fields.featured": "true", "order": "-price"})
    )
    assert slugs(featured) == ["spring-sale", "home"]
    by_ref = await python_sdk.call(
        lambda b: b.pages.all("landing_page", {"fields.related_pages": "home"})
    )
    assert slugs(by_ref) == ["pricing"]

    second = await python_sdk.call(
        lambda b: b.pages.all("landing_page", {"page": 2, "page_size": 2, "order": "slug"})
    )
    assert slugs(second) == ["spring-sale"]
    assert second["meta"] == {"count": 3, "next_page": None, "previous_page": 1}


async def test_preview_and_locale(python_sdk: PythonSDK, site: Site):
    with pytest.raises(HTTPError, match="404"):
        await python_sdk.call(lambda b: b.pages.get("landing_page", "draft-page"))
    draft = await python_sdk.call(
        lambda b: b.pages.get("landing_page", "draft-page", {"preview": 1})
    )
    assert draft["data"]["fields"]["headline"] == "WIP"
    previewed = await python_sdk.call(lambda b: b.pages.all("landing_page", {"preview": 1}))
    assert slugs(previewed)[-1] == "draft-page"
    # With preview, the draft team member is referenced too.
    home = await python_sdk.call(lambda b: b.pages.get("landing_page", "home", {"preview": 1}))
    assert [m["name"] for m in home["data"]["fields"]["team"]] == ["Ada", "Grace", "Dan"]
    # A locale never written reads back blank; an unknown one is refused.
    spanish = await python_sdk.call(lambda b: b.pages.get("landing_page", "home", {"locale": "es"}))
    assert spanish["data"]["fields"]["headline"] == ""
    with pytest.raises(HTTPError, match="400"):
        await python_sdk.call(lambda b: b.pages.get("landing_page", "home", {"locale": "xx"}))


async def test_single_pages_and_search(python_sdk: PythonSDK, site: Site):
    singles = await python_sdk.call(lambda b: b.pages.all("*"))
    assert slugs(singles) == ["about"]
    assert singles["data"][0]["page_type"] is None
    # GET /v2/pages/ lists the single pages too (Butter's docs), as the SDK's bare get asks.
    root = await python_sdk.call(lambda b: b.pages.api_get())
    assert root == singles
    about = await python_sdk.call(lambda b: b.pages.get("*", "about"))
    assert about["data"]["page_type"] is None and about["data"]["fields"]["title"] == "About us"

    found = await python_sdk.call(lambda b: b.pages.search("sale"))
    assert slugs(found) == ["spring-sale"]
    assert set(found["meta"]) == {"count", "next_page", "previous_page"}
    by_text = await python_sdk.call(lambda b: b.pages.search("who we ARE"))
    assert slugs(by_text) == ["about"]
    paged = await python_sdk.call(lambda b: b.pages.search("e", {"page": 1, "page_size": 2}))
    assert paged["meta"]["count"] == 4 and paged["meta"]["next_page"] == 2
    typed = await python_sdk.call(lambda b: b.pages.search("e", {"page_type": "landing_page"}))
    assert "about" not in slugs(typed) and typed["meta"]["count"] == 3


@needs_realdata(RECORDINGS)
async def test_content_fields(python_sdk: PythonSDK, site: Site):
    both = await python_sdk.call(lambda b: b.content_fields.get(["team_members", "categories"]))
    real = recorded("buttercms-python-vcr--test_content_field_all_filtered.json")
    assert set(both) == set(real) == {"data"}
    assert set(both["data"]) == {"team_members", "categories"}
    assert [i["name"] for i in both["data"]["team_members"]] == ["Ada", "Grace"]
    assert set(both["data"]["team_members"][0]["meta"]) == {"id"}

    one = await python_sdk.call(
        lambda b: b.content_fields.get(["team_members"], {"order": "-name", "page_size": 1})
    )
    real_one = recorded("buttercms-python-vcr--test_content_field_get.json")
    assert set(one) == set(real_one) and set(one["meta"]) == set(real_one["meta"])
    assert [i["name"] for i in one["data"]["team_members"]] == ["Grace"]
    assert one["meta"] == {"count": 2, "next_page": 2, "previous_page": None}

    filtered = await python_sdk.call(
        lambda b: b.content_fields.get(["categories"], {"fields.slug": "news"})
    )
    assert [i["name"] for i in filtered["data"]["categories"]] == ["News"]
    drafts = await python_sdk.call(lambda b: b.content_fields.get(["team_members"], {"preview": 1}))
    assert [i["name"] for i in drafts["data"]["team_members"]] == ["Ada", "Grace", "Dan"]

    with pytest.raises(HTTPError, match="404"):
        await python_sdk.call(lambda b: b.content_fields.get(["no_such_collection"]))


async def test_a_site_migrated_by_migrator_reads_back(python_sdk: PythonSDK, emulator, tmp_path):
    """`migrator run` of the bundled landing pages, then the site's reads through the SDK."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUTTER_")}
    env.update(BUTTER_API_BASE=emulator.base_url, BUTTER_WRITE_TOKEN="w-token")
    env.update(BUTTER_READ_TOKEN="r-token")
    proc = await asyncio.create_subprocess_exec(
        *(MIGRATOR, "--log-level", "warning", "run", str(ROOT / "mappings/landing_pages.toml")),
        *("--ledger", str(tmp_path / "l.sqlite"), "--no-progress", "--canary", "0"),
        *("--settle-delay", "0.2", "--settle-timeout", "0.6"),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, out.decode()
    await emulator.settle()
    with (ROOT / "migrator/samples/landing_pages.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))

    listed = await python_sdk.call(
        lambda b: b.pages.all("landing_page", {"order": "-fields.price", "page_size": 100})
    )
    assert listed["meta"]["count"] == len(rows)
    prices = [p["fields"]["price"] for p in listed["data"]]
    assert prices == sorted(prices, reverse=True)
    headlines = {p["fields"]["headline"] for p in listed["data"]}
    assert headlines == {r["headline"].strip() for r in rows}
    first = listed["data"][0]
    page = await python_sdk.call(lambda b: b.pages.get("landing_page", first["slug"]))
    assert page["data"] == first
