"""Write answers (202, 400, 204) and every background failure reason."""

from __future__ import annotations

import pytest

from .conftest import Butter, member, page_body, page_fields

pytestmark = pytest.mark.anyio


async def test_accepted_write_is_applied_later(butter: Butter, content_model):
    answer = await butter.write("POST", "/pages/", page_body(content_model, "home"))
    assert (answer.status, answer.body) == (202, {"status": "pending"})
    await butter.emu.settle()
    page = butter.emu.state()["pages"]["landing_page"]["home"]
    assert page["name"] == "Home" and page["status"] == "published"
    assert page["fields"]["en"]["headline"] == "Hello"


async def test_page_type_spelled_with_a_dash_is_accepted(butter: Butter, content_model):
    body = page_body(content_model, "dash")
    body["page-type"] = body.pop("page_type")
    assert (await butter.write("POST", "/pages/", body)).status == 202
    await butter.emu.settle()
    assert "dash" in butter.emu.state()["pages"]["landing_page"]


@pytest.mark.parametrize(
    ("path", "body", "errors"),
    [
        (
            "/pages/",
            {"page_type": "landing_page", "fields": {}},
            {
                "title": ["You must specify a page title."],
                "slug": ["You must specify a page slug."],
            },
        ),
        (
            "/pages/",
            {"title": "", "slug": "x", "page_type": "landing_page"},
            {"title": ["You must specify a page title."]},
        ),
        ("/pages/", {"title": "T", "slug": "x"}, {"page_type": ["This field is required."]}),
        ("/posts/", {"slug": "x"}, {"title": ["This field is required."]}),
        (
            "/posts/",
            {"title": "T", "slug": "x", "status": "live"},
            {"status": ['"live" is not a valid choice.']},
        ),
        ("/content/", {"fields": []}, {"key": ["This field is required."]}),
    ],
)
async def test_rejected_at_once_with_field_messages(butter: Butter, path, body, errors):
    answer = await butter.write("POST", path, body)
    assert (answer.status, answer.body) == (400, errors)
    await butter.emu.settle()
    state = butter.emu.state()
    assert state["counters"].get("accepted", 0) == 0 and state["failures"] == []


async def test_invalid_json_and_non_object_bodies(butter: Butter):
    bad = await butter.call("POST", "/posts/", raw=b"{not json")
    assert bad.status == 400 and bad.body["detail"].startswith("JSON parse error")
    listed = await butter.call("POST", "/posts/", raw=b"[1]")
    assert listed.status == 400
    assert listed.body == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }


def _failure_cases(model):
    fields = page_fields(model)
    missing = {k: v for k, v in fields.items() if k != "summary"}
    return {
        "unknown page type": (
            "/pages/",
            page_body(model, page_type="nope"),
            "unknown page type 'nope'",
        ),
        "unknown collection": (
            "/content/",
            {"key": "nope", "fields": [{}]},
            "unknown collection 'nope'",
        ),
        "missing field keys": (
            "/pages/",
            page_body(model, fields=missing),
            "fields.summary: missing",
        ),
        "unknown locale (query)": ("/pages/?locale=fr", page_body(model), "unknown locale 'fr'"),
        "unknown locale (multi)": (
            "/pages/",
            page_body(model, fields={"en": fields, "fr": fields}),
            "unknown locale 'fr'",
        ),
        "wrong value type": (
            "/pages/",
            page_body(model, fields=page_fields(model, price="cheap")),
            "fields.price: expected a number",
        ),
        "bad dropdown": (
            "/pages/",
            page_body(model, fields=page_fields(model, theme="blue")),
            "fields.theme: 'blue' is not one of ['light', 'dark']",
        ),
        "unknown author": (
            "/posts/",
            {"title": "T", "slug": "t", "author": {"email": "who@example.com"}},
            "unknown author",
        ),
        "collection value type": (
            "/content/",
            {"key": "team_members", "fields": [member(model, active="yes")]},
            "fields[0].active: expected true or false",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "unknown page type",
        "unknown collection",
        "missing field keys",
        "unknown locale (query)",
        "unknown locale (multi)",
        "wrong value type",
        "bad dropdown",
        "unknown author",
        "collection value type",
    ],
)
async def test_background_failure_is_recorded_not_applied(butter: Butter, content_model, case):
    path, body, reason = _failure_cases(content_model)[case]
    path, _, query = path.partition("?")
    params = dict([query.split("=")]) if query else None
    answer = await butter.call("POST", path, body, params=params)
    assert answer.status == 202  # Butter accepts first and fails later, silently
    await butter.emu.settle()
    state = butter.emu.state()
    assert state["pages"] == {} and state["collections"] == {} and state["posts"] == {}
    [failure] = state["failures"]
    assert reason in failure["reason"]
    assert failure["method"] == "POST" and failure["path"] == f"/v2{path}"
    assert failure["payload"] == body
    assert state["counters"]["failed"] == 1


async def test_duplicate_page_slug_fails_by_default(butter: Butter, content_model):
    await butter.write("POST", "/pages/", page_body(content_model, "home"))
    second = page_body(content_model, "home", title="Again")
    assert (await butter.write("POST", "/pages/", second)).status == 202
    await butter.emu.settle()
    state = butter.emu.state()
    assert state["pages"]["landing_page"]["home"]["name"] == "Home"
    [failure] = state["failures"]
    assert "duplicate slug" in failure["reason"]


async def test_duplicate_page_slug_can_overwrite(make_emulator, session, content_model):
    emu = await make_emulator(duplicate_slugs="overwrite")
    butter = Butter(session, emu)
    await butter.write("POST", "/pages/", page_body(content_model, "home"))
    await butter.emu.settle()
    first_id = emu.state()["pages"]["landing_page"]["home"]["id"]
    await butter.write("POST", "/pages/", page_body(content_model, "home", title="Again"))
    await butter.emu.settle()
    state = emu.state()
    page = state["pages"]["landing_page"]["home"]
    assert (page["name"], page["id"]) == ("Again", first_id)
    assert state["failures"] == []


async def test_duplicate_post_slug_fails(butter: Butter):
    await butter.write("POST", "/posts/", {"title": "One", "slug": "p"})
    await butter.write("POST", "/posts/", {"title": "Two", "slug": "p"})
    await butter.emu.settle()
    state = butter.emu.state()
    assert state["posts"]["p"]["title"] == "One"
    assert "duplicate slug" in state["failures"][0]["reason"]


async def test_collection_creates_are_never_deduplicated(butter: Butter, content_model):
    body = {"key": "team_members", "status": "published", "fields": [member(content_model)]}
    await butter.write("POST", "/content/", body)
    await butter.write("POST", "/content/", body)  # a retried create: Butter makes two
    await butter.emu.settle()
    items = butter.emu.state()["collections"]["team_members"]
    assert len(items) == 2
    assert [i["fields"]["en"]["name"] for i in items.values()] == ["Ada", "Ada"]


async def test_post_create_creates_categories_and_tags(butter: Butter):
    body = {
        "title": "T",
        "slug": "t",
        "status": "published",
        "author": {"slug": "grace-hopper"},
        "categories": ["Recipes"],
        "tags": ["Butter", "Toast"],
    }
    await butter.write("POST", "/posts/", body)
    await butter.emu.settle()
    state = butter.emu.state()
    assert state["categories"] == ["Recipes"] and state["tags"] == ["Butter", "Toast"]
    assert state["posts"]["t"]["author"]["email"] == "grace@example.com"
    read = await butter.read("/posts/t/")
    assert read.body["data"]["categories"] == [{"name": "Recipes", "slug": "recipes"}]
    assert read.body["data"]["author"]["slug"] == "grace-hopper"


async def test_post_without_author_belongs_to_the_owner(butter: Butter):
    await butter.write("POST", "/posts/", {"title": "T", "slug": "t"})
    await butter.emu.settle()
    assert butter.emu.state()["posts"]["t"]["author"]["slug"] == "ada-lovelace"
