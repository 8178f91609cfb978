"""The read endpoints and parameters the official SDKs use, at their edges, over raw HTTP:
what ``levels`` does to references, single items, no keys, refused parameters."""

from __future__ import annotations

import pytest

from migrator.emulator import Realism

from .conftest import Butter, member, page_body, page_fields

pytestmark = pytest.mark.anyio


async def _two_members(butter: Butter, model) -> dict[str, int]:
    for name, status in (("Ada", "published"), ("Dan", "draft")):
        body = {"key": "team_members", "status": status, "fields": [member(model, name=name)]}
        await butter.write("POST", "/content/", body)
    await butter.emu.settle()
    items = (await butter.read("/content/team_members/", preview="1")).body["data"]
    return {i["name"]: i["meta"]["id"] for i in items["team_members"]}


async def test_one_to_one_reference_to_a_draft_or_missing_item(butter: Butter, content_model):
    ids = await _two_members(butter, content_model)
    await butter.write(
        "POST",
        "/content/",
        {"key": "categories", "status": "draft", "fields": [{"name": "Hidden", "slug": "hidden"}]},
    )
    await butter.emu.settle()
    cat = (await butter.read("/content/categories/", preview="1")).body["data"]["categories"][0]
    fields = page_fields(content_model, main_category=cat["meta"]["id"], team=[ids["Dan"], 999])
    await butter.write("POST", "/pages/", page_body(content_model, "home", fields=fields))
    await butter.emu.settle()

    read = (await butter.read("/pages/landing_page/home/")).body["data"]["fields"]
    assert read["main_category"] is None and read["team"] == []
    previewed = (await butter.read("/pages/landing_page/home/", preview="1")).body["data"]
    assert previewed["fields"]["main_category"]["name"] == "Hidden"
    assert [m["name"] for m in previewed["fields"]["team"]] == ["Dan"]  # 999 never existed
    # The written ids are kept: what a later PATCH or verify compares with.
    stored = butter.emu.state()["pages"]["landing_page"]["home"]["fields"]["en"]
    assert stored["team"] == [ids["Dan"], 999]


async def test_levels_refused_when_not_a_number(butter: Butter):
    answer = await butter.read("/pages/landing_page/", levels="two")
    assert answer.status == 400
    assert answer.body == {"detail": "levels must be a whole number, got 'two'"}


async def test_content_without_keys_and_single_items(butter: Butter, content_model):
    ids = await _two_members(butter, content_model)
    empty = await butter.read("/content/")
    assert (empty.status, empty.body) == (200, {"data": {}})
    assert (await butter.read("/content/", locale="xx")).status == 400

    one = await butter.read(f"/content/team_members/{ids['Ada']}/")
    assert one.status == 200
    assert one.body["data"]["meta"] == {"id": ids["Ada"]}
    assert one.body["data"]["name"] == "Ada"
    assert (await butter.read(f"/content/team_members/{ids['Dan']}/")).status == 404
    assert (await butter.read(f"/content/team_members/{ids['Dan']}/", preview="1")).status == 200
    assert (await butter.read("/content/team_members/12345/")).status == 404
    assert (await butter.read(f"/content/nope/{ids['Ada']}/")).status == 404


async def test_single_key_is_paged_and_several_keys_are_whole(butter: Butter, content_model):
    for name in ("A", "B", "C"):
        body = {
            "key": "team_members",
            "status": "published",
            "fields": [member(content_model, name=name)],
        }
        await butter.write("POST", "/content/", body)
    await butter.emu.settle()
    one = await butter.read("/content/", keys="team_members", page_size="2", order="-name")
    assert one.body["meta"] == {"count": 3, "next_page": 2, "previous_page": None}
    assert [i["name"] for i in one.body["data"]["team_members"]] == ["C", "B"]
    both = await butter.read("/content/", keys="team_members,categories", page_size="2")
    assert "meta" not in both.body
    assert len(both.body["data"]["team_members"]) == 3
    # The path form buttercms-js uses answers the same.
    path_form = await butter.read("/content/team_members,categories/")
    assert path_form.body == (await butter.read("/content/", keys="team_members,categories")).body
    assert (await butter.read("/content/team_members,nope/")).status == 404


async def test_unknown_orders_are_ignored_unless_strict(
    butter: Butter, make_emulator, content_model
):
    for slug in ("b", "a"):
        await butter.write("POST", "/pages/", page_body(content_model, slug))
    await butter.emu.settle()
    listed = await butter.read("/pages/landing_page/", order="nothing")
    assert [p["slug"] for p in listed.body["data"]] == ["b", "a"]
    by_slug = await butter.read("/pages/landing_page/", order="slug")
    assert [p["slug"] for p in by_slug.body["data"]] == ["a", "b"]
    assert (await butter.read("/content/team_members/", order="nothing")).status == 200

    strict = Butter(butter.session, await make_emulator(realism=Realism(strict_reads=True)))
    assert (await strict.read("/content/team_members/", order="nothing")).status == 403
    assert (await strict.read("/content/team_members/", order="-name")).status == 200


async def test_pages_root_and_star_list_only_single_pages(butter: Butter, content_model):
    await butter.write("POST", "/pages/", page_body(content_model, "typed"))
    await butter.emu.settle()
    for path in ("/pages/", "/pages/*/"):
        answer = await butter.read(path)
        assert answer.status == 200, path
        assert answer.body == {
            "meta": {"count": 0, "next_page": None, "previous_page": None},
            "data": [],
        }
    # A typed page is still found through * by its slug.
    assert (await butter.read("/pages/*/typed/")).body["data"]["page_type"] == "landing_page"
    assert (await butter.read("/pages/search/")).status == 400
