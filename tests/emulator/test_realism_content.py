"""Realism, part two: what Butter answers and keeps. 403 bodies, locales, the collection
item default, post slug renames, and every switch on together; each observed over HTTP and
in state()."""

from __future__ import annotations

import tomllib
from dataclasses import replace

import pytest

from migrator.emulator import Realism
from migrator.emulator.config import REALISTIC
from migrator.errors import ConfigError
from migrator.model import parse_content_model

from .conftest import Butter, member, page_body, page_fields

pytestmark = pytest.mark.anyio

STRICT = Realism(strict_reads=True)


async def _members(butter: Butter, model, *names: str) -> None:
    for name in names:
        body = {"key": "team_members", "status": "published", "fields": [member(model, name=name)]}
        assert (await butter.write("POST", "/content/", body)).status == 202
    await butter.emu.settle()


async def test_invalid_collection_filters_answer_403(make_emulator, session, content_model):
    butter = Butter(session, await make_emulator(realism=STRICT))
    await _members(butter, content_model, "Ada")
    unknown = await butter.read("/content/team_members/", **{"fields.nope": "x"})
    assert (unknown.status, unknown.body) == (
        403,
        {"detail": "Invalid filter: 'nope' is not a field of collection 'team_members'"},
    )
    media = await butter.read("/content/team_members/", **{"fields.photo": "https://x/a.png"})
    assert (media.status, media.body) == (
        403,
        {"detail": "Invalid filter: cannot filter on media field 'photo'"},
    )
    by_keys = await butter.read("/content/", keys="team_members", **{"fields.nope": "x"})
    assert by_keys.status == 403
    good = await butter.read("/content/team_members/", **{"fields.name": "Ada"})
    assert good.status == 200 and len(good.body["data"]["team_members"]) == 1
    assert [r["status"] for r in butter.emu.state()["requests"][-4:]] == [403, 403, 403, 200]


async def test_collection_order_is_checked_and_applied(make_emulator, session, content_model):
    butter = Butter(session, await make_emulator(realism=STRICT))
    await _members(butter, content_model, "Grace", "Ada", "Linus")
    down = await butter.read("/content/team_members/", order="-name")
    assert [i["name"] for i in down.body["data"]["team_members"]] == ["Linus", "Grace", "Ada"]
    up = await butter.read("/content/team_members/", order="name")
    assert [i["name"] for i in up.body["data"]["team_members"]] == ["Ada", "Grace", "Linus"]
    for order in ("nope", "-photo"):
        bad = await butter.read("/content/team_members/", order=order)
        assert (bad.status, bad.body) == (
            403,
            {"detail": f"Invalid order: cannot order collection 'team_members' by {order!r}"},
        )


async def test_kind_reads_ignore_unknown_filters_and_order(butter: Butter, content_model):
    await _members(butter, content_model, "Grace", "Ada")
    unknown = await butter.read("/content/team_members/", **{"fields.nope": "x"})
    assert unknown.status == 200 and unknown.body["data"]["team_members"] == []
    ordered = await butter.read("/content/team_members/", order="nope")
    assert [i["name"] for i in ordered.body["data"]["team_members"]] == ["Grace", "Ada"]


@pytest.fixture(scope="session")
def two_page_types(content_model):
    """The shipped model plus an ``article`` page type, so two pages can share a slug."""
    with open(content_model.path, "rb") as f:
        raw = tomllib.load(f)
    raw["page_types"]["article"] = {"fields": {"headline": {"type": "short_text"}}}
    return parse_content_model(raw, content_model.path)


@pytest.mark.parametrize("strict", [False, True])
async def test_star_page_read_matching_several_pages(
    make_emulator, session, two_page_types, strict
):
    emu = await make_emulator(model=two_page_types, realism=Realism(strict_reads=strict))
    butter = Butter(session, emu)
    await butter.write("POST", "/pages/", page_body(two_page_types, "home"))
    article = {"title": "Home", "slug": "home", "page_type": "article", "status": "draft"}
    await butter.write("POST", "/pages/", {**article, "fields": {"headline": "A"}})
    await emu.settle()
    assert sorted(emu.state()["pages"]) == ["article", "landing_page"]
    star = await butter.read("/pages/*/home/")
    if strict:  # the draft article counts too
        assert (star.status, star.body) == (403, {"detail": "Multiple pages found"})
    else:
        assert star.status == 200 and star.body["data"]["page_type"] == "landing_page"
    typed = await butter.read("/pages/landing_page/home/")
    assert typed.status == 200


async def test_single_locale_create_without_locale_fails_in_background(
    make_emulator, session, content_model
):
    emu = await make_emulator(realism=Realism(require_locale=True))
    butter = Butter(session, emu)
    bare = await butter.write("POST", "/pages/", page_body(content_model, "bare"))
    assert (bare.status, bare.body) == (202, {"status": "pending"})
    await butter.call("POST", "/pages/", page_body(content_model, "given"), params={"locale": "en"})
    both = {"en": page_fields(content_model), "es": page_fields(content_model, headline="Hola")}
    await butter.write("POST", "/pages/", page_body(content_model, "multi", fields=both))
    await emu.settle()
    state = emu.state()
    assert sorted(state["pages"]["landing_page"]) == ["given", "multi"]
    [failure] = state["failures"]
    assert failure["path"] == "/v2/pages/" and failure["payload"]["slug"] == "bare"
    assert "must specify the locale via the ?locale= query parameter" in failure["reason"]
    assert (await butter.read("/pages/*/bare/", preview="1")).status == 404


async def test_status_is_kept_per_locale(make_emulator, session, content_model):
    emu = await make_emulator(realism=Realism(status_per_locale=True))
    butter = Butter(session, emu)
    both = {"en": page_fields(content_model), "es": page_fields(content_model, headline="Hola")}
    body = page_body(content_model, "home", fields=both, status="draft")
    await butter.write("POST", "/pages/", body)
    publish_es = {"status": "published"}
    await butter.call("PATCH", "/pages/*/home/", publish_es, params={"locale": "es"})
    await emu.settle()

    page = emu.state()["pages"]["landing_page"]["home"]
    assert page["statuses"] == {"en": "draft", "es": "published"}
    assert page["status"] == "draft" and page["published"] is None  # the default locale's
    es = await butter.read("/pages/*/home/", locale="es")
    assert es.status == 200 and es.body["data"]["published"] == page["published_in"]["es"]
    assert es.body["data"]["published"] is not None
    assert (await butter.read("/pages/*/home/")).status == 404  # en is still a draft
    en = await butter.read("/pages/*/home/", locale="en", preview="1")
    assert en.status == 200 and en.body["data"]["published"] is None
    listed_es = await butter.read("/pages/landing_page/", locale="es")
    listed_en = await butter.read("/pages/landing_page/", locale="en")
    assert [p["slug"] for p in listed_es.body["data"]] == ["home"]
    assert listed_en.body["data"] == []

    # A single-locale create publishes only the locale it names.
    await butter.call("POST", "/pages/", page_body(content_model, "solo"), params={"locale": "es"})
    await emu.settle()
    assert emu.state()["pages"]["landing_page"]["solo"]["statuses"] == {"es": "published"}
    assert (await butter.read("/pages/*/solo/", locale="es")).status == 200
    assert (await butter.read("/pages/*/solo/")).status == 404


async def test_kind_status_is_one_for_all_locales(butter: Butter, content_model):
    both = {"en": page_fields(content_model), "es": page_fields(content_model, headline="Hola")}
    await butter.write("POST", "/pages/", page_body(content_model, "home", fields=both))
    await butter.call("PATCH", "/pages/*/home/", {"status": "draft"}, params={"locale": "es"})
    await butter.emu.settle()
    assert butter.emu.state()["pages"]["landing_page"]["home"]["status"] == "draft"
    assert (await butter.read("/pages/*/home/")).status == 404  # en went back to draft too


@pytest.mark.parametrize("draft_default", [False, True])
async def test_collection_item_status_default(make_emulator, session, content_model, draft_default):
    emu = await make_emulator(realism=Realism(items_draft_by_default=draft_default))
    butter = Butter(session, emu)
    await butter.write(
        "POST", "/content/", {"key": "team_members", "fields": [member(content_model)]}
    )
    await emu.settle()
    [item] = emu.state()["collections"]["team_members"].values()
    assert item["status"] == ("draft" if draft_default else "published")
    listed = await butter.read("/content/team_members/")
    assert len(listed.body["data"]["team_members"]) == (0 if draft_default else 1)
    previewed = await butter.read("/content/team_members/", preview="1")
    assert len(previewed.body["data"]["team_members"]) == 1


async def test_post_slug_renamed_by_patch(make_emulator, session):
    emu = await make_emulator(realism=Realism(post_slug_renames=True))
    butter = Butter(session, emu)
    for slug in ("first", "t", "last"):
        await butter.write("POST", "/posts/", {"title": slug, "slug": slug, "status": "published"})
    await emu.settle()
    old_id = emu.state()["posts"]["t"]["id"]
    rename = await butter.write("PATCH", "/posts/t/", {"slug": "u", "summary": "S"})
    assert rename.status == 202
    await butter.write("PATCH", "/posts/first/", {"slug": "last"})  # taken
    await butter.write("PATCH", "/posts/last/", {"slug": ""})
    await emu.settle()
    state = emu.state()
    assert list(state["posts"]) == ["first", "u", "last"]  # same place in the listing
    assert state["posts"]["u"]["id"] == old_id and state["posts"]["u"]["summary"] == "S"
    assert [f["reason"] for f in state["failures"]] == [
        "duplicate slug: a post with slug 'last' already exists",
        "slug: expected a non-empty string, got ''",
    ]
    moved = await butter.read("/posts/u/")
    assert moved.status == 200 and moved.body["data"]["slug"] == "u"
    assert (await butter.read("/posts/t/")).status == 404


async def test_realistic_turns_every_switch_on(
    make_emulator, session, content_model, scaled_realism
):
    emu = await make_emulator(realistic=True)
    assert emu.config.realism == scaled_realism
    assert scaled_realism == replace(REALISTIC, apply_delay=(0.2, 1.5), read_cache_ttl=3.0)
    assert set(scaled_realism.on) == {
        "apply_delay",
        "late_deletes",
        "read_cache_ttl",
        "cache_ignores_query_params",
        "cache_preview",
        "strict_reads",
        "require_locale",
        "status_per_locale",
        "items_draft_by_default",
        "post_slug_renames",
        "post_dates",
    }
    butter = Butter(session, emu)
    body = {"key": "team_members", "fields": [member(content_model)]}
    assert (await butter.write("POST", "/content/", body)).status == 202
    [job] = emu.state()["pending"]
    assert 0.1 < job["due_in"] <= 1.5 and job["path"] == "/v2/content/"
    before = await butter.read("/content/team_members/", preview="1", cb="1")
    await emu.settle()
    assert emu.state()["collections"]["team_members"]  # applied, as a draft
    after = await butter.read("/content/team_members/", preview="1", cb="2")
    assert after.headers["X-Cache"] == "HIT" and after.body == before.body == {
        "meta": {"count": 0, "next_page": None, "previous_page": None},
        "data": {"team_members": []},
    }


def test_realism_values_are_checked():
    with pytest.raises(ConfigError, match="apply_delay"):
        Realism(apply_delay=(2.0, 1.0))
    with pytest.raises(ConfigError, match="apply_delay"):
        Realism(apply_delay=(-1.0, 1.0))
    with pytest.raises(ConfigError, match="read_cache_ttl"):
        Realism(read_cache_ttl=-1)
    assert Realism().on == []
    assert Realism.realistic(read_cache_ttl=0).on == [
        n for n in REALISTIC.on if n != "read_cache_ttl"
    ]
    assert REALISTIC.apply_delay == (2.0, 30.0) and REALISTIC.read_cache_ttl == 300.0
