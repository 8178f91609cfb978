"""Locales, updates, deletes, and the Read API: filters, pagination, drafts."""

from __future__ import annotations

import pytest

from .conftest import Butter, member, page_body, page_fields

pytestmark = pytest.mark.anyio


async def test_multi_locale_page_reads_back_per_locale(butter: Butter, content_model):
    fields = {
        "en": page_fields(content_model, headline="Hello"),
        "es": page_fields(content_model, headline="Hola"),
    }
    await butter.write("POST", "/pages/", page_body(content_model, "home", fields=fields))
    await butter.emu.settle()
    es = await butter.read("/pages/landing_page/home/", locale="es")
    en = await butter.read("/pages/*/home/")
    assert es.body["data"]["fields"]["headline"] == "Hola"
    assert en.body["data"]["fields"]["headline"] == "Hello"
    bad = await butter.read("/pages/*/home/", locale="fr")
    assert (bad.status, bad.body) == (400, {"detail": "Invalid locale parameter"})


async def test_single_locale_write_with_locale_query(butter: Butter, content_model):
    body = page_body(content_model, "home", fields=page_fields(content_model, headline="Hola"))
    await butter.call("POST", "/pages/", body, params={"locale": "es"})
    await butter.emu.settle()
    assert list(butter.emu.state()["pages"]["landing_page"]["home"]["fields"]) == ["es"]
    es = await butter.read("/pages/*/home/", locale="es")
    assert es.body["data"]["fields"]["headline"] == "Hola"
    en = await butter.read("/pages/*/home/")  # never written in English: blank
    assert en.body["data"]["fields"]["headline"] == ""


async def test_page_patch_leaves_other_locales_alone(butter: Butter, content_model):
    fields = {
        "en": page_fields(content_model, headline="Hello", faq=[{"question": "a?"}]),
        "es": page_fields(content_model, headline="Hola"),
    }
    await butter.write("POST", "/pages/", page_body(content_model, "home", fields=fields))
    patch = {"fields": {"en": {"headline": "Hi", "faq": [{"question": "b?", "answer": "b"}]}}}
    assert (await butter.write("PATCH", "/pages/*/home/", patch)).status == 202
    put = {"fields": {"summary": "Resumen"}, "status": "draft"}
    assert (
        await butter.call("PUT", "/pages/landing_page/home/", put, params={"locale": "es"})
    ).status == 202
    await butter.emu.settle()
    page = butter.emu.state()["pages"]["landing_page"]["home"]
    assert page["fields"]["en"]["headline"] == "Hi"
    assert page["fields"]["en"]["faq"] == [{"question": "b?", "answer": "b"}]  # replaced whole
    assert (
        page["fields"]["es"]["headline"] == "Hola" and page["fields"]["es"]["summary"] == "Resumen"
    )
    assert page["status"] == "draft" and page["name"] == "Home"


async def test_patch_of_a_missing_page_fails_in_background(butter: Butter):
    assert (await butter.write("PATCH", "/pages/*/ghost/", {"fields": {}})).status == 202
    await butter.emu.settle()
    assert "page not found" in butter.emu.state()["failures"][0]["reason"]


async def test_drafts_need_preview(butter: Butter, content_model):
    await butter.write("POST", "/pages/", page_body(content_model, "draft", status="draft"))
    await butter.write("POST", "/posts/", {"title": "T", "slug": "t", "status": "draft"})
    await butter.emu.settle()
    hidden = await butter.read("/pages/landing_page/draft/")
    assert (hidden.status, hidden.body) == (404, {"detail": "Page not found."})
    assert (await butter.read("/pages/landing_page/draft/", preview="1")).status == 200
    assert (await butter.read("/posts/t/")).status == 404
    assert (await butter.read("/posts/t/", preview="1")).status == 200
    assert (await butter.read("/pages/landing_page/")).body["data"] == []


async def test_component_picker_reads_back_typed(butter: Butter, content_model):
    sections = [{"hero": {"headline": "Big", "image": ""}}, {"quote": {"text": "Hi", "cite": ""}}]
    fields = page_fields(content_model, sections=sections)
    await butter.write("POST", "/pages/", page_body(content_model, "home", fields=fields))
    await butter.emu.settle()
    read = await butter.read("/pages/*/home/")
    assert read.body["data"]["fields"]["sections"] == [
        {"type": "hero", "fields": {"headline": "Big", "image": ""}},
        {"type": "quote", "fields": {"text": "Hi", "cite": ""}},
    ]


async def test_collection_patch_put_delete_and_id_lookup(butter: Butter, content_model):
    for name in ("Ada", "Grace"):
        body = {"key": "team_members", "fields": [member(content_model, name=name, position="Eng")]}
        await butter.write("POST", "/content/", body)
    await butter.emu.settle()
    found = await butter.read("/content/team_members/", **{"fields.name": "Grace"})
    [grace] = found.body["data"]["team_members"]
    item_id = grace["meta"]["id"]
    assert grace["name"] == "Grace" and grace["position"] == "Eng"

    patch = {"fields": {"position": "Admiral"}}
    assert (await butter.write("PATCH", f"/content/team_members/{item_id}/", patch)).status == 202
    await butter.emu.settle()
    item = butter.emu.state()["collections"]["team_members"][str(item_id)]
    assert item["fields"]["en"]["position"] == "Admiral" and item["fields"]["en"]["email"]

    put = {"fields": {"name": "Grace H", "email": "g@example.com"}}
    assert (await butter.write("PUT", f"/content/team_members/{item_id}/", put)).status == 202
    await butter.emu.settle()
    item = butter.emu.state()["collections"]["team_members"][str(item_id)]
    assert item["fields"]["en"]["position"] == ""  # PUT replaces: what is not sent is blank

    deleted = await butter.write("DELETE", f"/content/team_members/{item_id}/", None)
    assert (deleted.status, deleted.body) == (204, None)
    state = butter.emu.state()
    assert str(item_id) not in state["collections"]["team_members"]
    assert [i["id"] for i in state["deleted"]["collection_items"]] == [item_id]
    again = await butter.write("DELETE", f"/content/team_members/{item_id}/", None)
    assert (again.status, again.body) == (404, {"detail": "Not found."})
    listed = await butter.read("/content/team_members/")
    assert [i["name"] for i in listed.body["data"]["team_members"]] == ["Ada"]


async def test_content_by_keys(butter: Butter, content_model):
    await butter.write(
        "POST", "/content/", {"key": "team_members", "fields": [member(content_model)]}
    )
    await butter.write(
        "POST", "/content/", {"key": "categories", "fields": [{"name": "A", "slug": "a"}]}
    )
    await butter.emu.settle()
    read = await butter.read("/content/", keys="team_members,categories")
    assert read.status == 200
    assert sorted(read.body["data"]) == ["categories", "team_members"]
    assert read.body["data"]["categories"][0]["slug"] == "a"
    assert (await butter.read("/content/nope/")).status == 404


async def test_post_patch_and_delete(butter: Butter):
    await butter.write("POST", "/posts/", {"title": "T", "slug": "t", "status": "published"})
    patch = {"summary": "Short", "slug": "other", "tags": ["New"]}
    assert (await butter.write("PATCH", "/posts/t/", patch)).status == 202
    await butter.emu.settle()
    post = butter.emu.state()["posts"]["t"]  # a slug cannot change
    assert (post["summary"], post["title"], post["tags"]) == ("Short", "T", ["New"])
    deleted = await butter.write("DELETE", "/posts/t/", None)
    assert deleted.status == 204
    assert butter.emu.state()["posts"] == {}
    assert (await butter.read("/posts/t/")).status == 404
    assert (await butter.write("DELETE", "/posts/t/", None)).status == 404


async def test_pagination_both_styles(butter: Butter, content_model):
    for i in range(25):
        await butter.write(
            "POST",
            "/content/",
            {"key": "categories", "fields": [{"name": f"c{i}", "slug": f"c{i}"}]},
        )
    await butter.emu.settle()

    first = await butter.read("/content/categories/")
    assert first.body["meta"] == {"count": 25, "next_page": 2, "previous_page": None}
    assert len(first.body["data"]["categories"]) == 10
    last = await butter.read("/content/categories/", page="3", page_size="10")
    assert last.body["meta"] == {"count": 25, "next_page": None, "previous_page": 2}
    assert [c["name"] for c in last.body["data"]["categories"]] == [f"c{i}" for i in range(20, 25)]

    window = await butter.read("/content/categories/", limit="5", offset="10")
    assert [c["name"] for c in window.body["data"]["categories"]] == [
        f"c{i}" for i in range(10, 15)
    ]
    assert window.body["meta"] == {"count": 25, "next_offset": 15, "previous_offset": 5}

    both = await butter.read("/content/categories/", page="1", limit="5")
    assert both.status == 400 and "not both" in both.body["detail"]
    too_big = await butter.read("/content/categories/", page_size="101")
    assert too_big.status == 400
    beyond = await butter.read("/content/categories/", page="4")
    assert (beyond.status, beyond.body) == (404, {"detail": "Invalid page."})


async def test_page_list_filters_by_field(butter: Butter, content_model):
    for slug, theme in (("a", "light"), ("b", "dark")):
        fields = page_fields(content_model, theme=theme)
        await butter.write("POST", "/pages/", page_body(content_model, slug, fields=fields))
    await butter.emu.settle()
    dark = await butter.read("/pages/landing_page/", **{"fields.theme": "dark"})
    assert [p["slug"] for p in dark.body["data"]] == ["b"]
    assert dark.body["meta"]["count"] == 1
