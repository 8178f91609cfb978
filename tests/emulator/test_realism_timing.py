"""Realism, part one: when things happen. Drawn apply delays (out of order), late deletes,
and the stale read cache, each switched on alone and observed over HTTP and in state()."""

from __future__ import annotations

import asyncio
import time

import pytest

from migrator.emulator import Realism

from .conftest import Butter, member

pytestmark = pytest.mark.anyio

SPREAD = (0.2, 1.5)


def _post(slug: str) -> dict[str, str]:
    return {"title": slug.upper(), "slug": slug, "status": "published"}


async def _due_order(make_emulator, session, seed: int):
    """Six posts written; the order state() says they are due in, and the emulator."""
    emu = await make_emulator(seed=seed, realism=Realism(apply_delay=SPREAD))
    butter = Butter(session, emu)
    slugs = [f"p{i}" for i in range(6)]
    for slug in slugs:
        assert (await butter.write("POST", "/posts/", _post(slug))).status == 202
    pending = emu.state()["pending"]
    assert [p["seq"] for p in sorted(pending, key=lambda p: p["seq"])] == [1, 2, 3, 4, 5, 6]
    assert all(p["kind"] == "post" and p["action"] == "create" for p in pending)
    assert all(0 < p["due_in"] <= SPREAD[1] for p in pending)
    assert all(p["due_at"].endswith("Z") for p in pending)
    due_in = [p["due_in"] for p in pending]
    assert due_in == sorted(due_in)  # the next due first
    return [f"p{p['seq'] - 1}" for p in pending], emu


async def test_apply_delay_is_drawn_per_write_and_applies_out_of_order(make_emulator, session):
    due_order, emu = await _due_order(make_emulator, session, seed=3)
    await emu.settle()
    posts = emu.state()["posts"]
    # A post's id is given when it is applied, so ids tell the order of applying.
    applied = sorted(posts, key=lambda slug: posts[slug]["id"])
    assert applied == due_order
    assert applied != [f"p{i}" for i in range(6)]  # not first in, first out
    again, _ = await _due_order(make_emulator, session, seed=3)
    other, _ = await _due_order(make_emulator, session, seed=4)
    assert again == due_order  # the seed replays the same draws
    assert other != due_order


async def test_settle_waits_for_the_write_due_last(make_emulator, session):
    emu = await make_emulator(realism=Realism(apply_delay=(0.2, 0.8)))
    butter = Butter(session, emu)
    for slug in ("a", "b", "c"):
        await butter.write("POST", "/posts/", _post(slug))
    state = emu.state()
    last = max(p["due_in"] for p in state["pending"])
    assert state["counters"]["pending"] == 3 and state["posts"] == {}
    started = time.monotonic()
    await emu.settle()
    assert time.monotonic() - started >= last - 0.05
    state = emu.state()
    assert state["pending"] == [] and state["counters"]["pending"] == 0
    assert sorted(state["posts"]) == ["a", "b", "c"]


async def test_an_update_due_before_its_create_fails_in_background(make_emulator, session):
    # seed 5 draws a longer delay for the first write than for the second.
    emu = await make_emulator(seed=5, realism=Realism(apply_delay=SPREAD))
    butter = Butter(session, emu)
    await butter.write("POST", "/posts/", _post("t"))
    await butter.write("PATCH", "/posts/t/", {"summary": "later"})
    create, update = sorted(emu.state()["pending"], key=lambda p: p["seq"])
    assert update["due_in"] < create["due_in"]
    await emu.settle()
    state = emu.state()
    assert [f["reason"] for f in state["failures"]] == ["post not found: t"]
    assert state["posts"]["t"]["summary"] == ""


async def test_late_deletes_leave_the_item_readable_until_applied(
    make_emulator, session, content_model
):
    emu = await make_emulator(realism=Realism(late_deletes=True, apply_delay=(0.3, 0.3)))
    butter = Butter(session, emu)
    await butter.write(
        "POST", "/content/", {"key": "team_members", "fields": [member(content_model)]}
    )
    await butter.write("POST", "/posts/", _post("t"))
    await emu.settle()
    [item_id] = emu.state()["collections"]["team_members"]

    item_path = f"/content/team_members/{item_id}/"
    assert (await butter.write("DELETE", item_path, None)).status == 204
    assert (await butter.write("DELETE", "/posts/t/", None)).status == 204
    again = await butter.write("DELETE", item_path, None)  # not deleted yet, so still found
    assert again.status == 204

    listed = await butter.read("/content/team_members/")
    assert [i["meta"]["id"] for i in listed.body["data"]["team_members"]] == [int(item_id)]
    assert (await butter.read("/posts/t/")).status == 200
    state = emu.state()
    assert [(p["action"], p["path"]) for p in state["pending"]] == [
        ("delete", f"/v2{item_path}"),
        ("delete", "/v2/posts/t/"),
        ("delete", f"/v2{item_path}"),
    ]
    assert state["counters"].get("deleted", 0) == 0 and state["counters"]["accepted"] == 2

    await emu.settle()
    state = emu.state()
    assert state["collections"]["team_members"] == {} and state["posts"] == {}
    assert [i["id"] for i in state["deleted"]["collection_items"]] == [int(item_id)]
    assert state["counters"]["deleted"] == 2 and state["failures"] == []
    assert (await butter.read("/posts/t/")).status == 404
    assert (await butter.write("DELETE", item_path, None)).status == 404


async def test_without_a_cache_reads_carry_no_cache_headers(butter: Butter):
    read = await butter.read("/posts/")
    assert "X-Cache" not in read.headers and "Age" not in read.headers


async def test_read_cache_serves_stale_answers_with_age(make_emulator, session):
    emu = await make_emulator(realism=Realism(read_cache_ttl=3.0))
    butter = Butter(session, emu)
    first = await butter.read("/posts/")
    assert (first.headers["X-Cache"], first.headers["Age"]) == ("MISS", "0")
    missing = await butter.read("/posts/t/")
    assert (missing.status, missing.headers["X-Cache"]) == (404, "MISS")

    await butter.write("POST", "/posts/", _post("t"))
    await emu.settle()
    await asyncio.sleep(1.05)
    stale = await butter.read("/posts/")
    assert (stale.status, stale.headers["X-Cache"]) == (200, "HIT")
    assert int(stale.headers["Age"]) >= 1
    assert stale.body == first.body and stale.body["meta"]["count"] == 0  # the write is not seen
    still_missing = await butter.read("/posts/t/")  # a 404 is kept too
    assert (still_missing.status, still_missing.headers["X-Cache"]) == (404, "HIT")

    other_url = await butter.read("/posts/", page_size="5")  # another URL, another entry
    assert other_url.headers["X-Cache"] == "MISS" and other_url.body["meta"]["count"] == 1
    counters = emu.state()["counters"]
    assert (counters["cache_hits"], counters["cache_misses"]) == (2, 3)


async def test_read_cache_entries_expire_after_the_ttl(make_emulator, session):
    emu = await make_emulator(realism=Realism(read_cache_ttl=0.6))
    butter = Butter(session, emu)
    assert (await butter.read("/posts/")).body["meta"]["count"] == 0
    await butter.write("POST", "/posts/", _post("t"))
    await emu.settle()
    assert (await butter.read("/posts/")).headers["X-Cache"] == "HIT"
    await asyncio.sleep(0.65)
    fresh = await butter.read("/posts/")
    assert fresh.headers["X-Cache"] == "MISS" and fresh.body["meta"]["count"] == 1


@pytest.mark.parametrize("ignores", [False, True])
async def test_a_cache_buster_parameter(make_emulator, session, ignores):
    realism = Realism(read_cache_ttl=3.0, cache_ignores_query_params=ignores)
    emu = await make_emulator(realism=realism)
    butter = Butter(session, emu)
    await butter.read("/posts/", nocache="1")
    await butter.write("POST", "/posts/", _post("t"))
    await emu.settle()
    busted = await butter.read("/posts/", nocache="2")
    if ignores:  # the unknown parameter is not part of the key: still the stale answer
        assert busted.headers["X-Cache"] == "HIT" and busted.body["meta"]["count"] == 0
    else:
        assert busted.headers["X-Cache"] == "MISS" and busted.body["meta"]["count"] == 1
    known = await butter.read("/posts/", nocache="3", page="1")  # a known one still counts
    assert known.headers["X-Cache"] == "MISS" and known.body["meta"]["count"] == 1


@pytest.mark.parametrize("cached", [False, True])
async def test_preview_reads_and_the_cache(make_emulator, session, cached):
    emu = await make_emulator(realism=Realism(read_cache_ttl=3.0, cache_preview=cached))
    butter = Butter(session, emu)
    await butter.read("/posts/", preview="1")
    await butter.write("POST", "/posts/", {"title": "T", "slug": "t", "status": "draft"})
    await emu.settle()
    again = await butter.read("/posts/", preview="1")
    counters = emu.state()["counters"]
    if cached:
        assert again.headers["X-Cache"] == "HIT" and again.body["meta"]["count"] == 0
        assert counters["cache_hits"] == 1 and "cache_bypassed" not in counters
    else:
        assert again.headers["X-Cache"] == "MISS" and again.body["meta"]["count"] == 1
        assert counters["cache_bypassed"] == 2 and "cache_hits" not in counters
