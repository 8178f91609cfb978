"""Limits and injected faults, each switched on and observed from a real client."""

from __future__ import annotations

import asyncio
import dataclasses
import time

import aiohttp
import pytest

from migrator.emulator import Faults
from migrator.emulator.faults import seconds_until_next_month

from .conftest import Butter, member, page_body

pytestmark = pytest.mark.anyio

DISCONNECTED = (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)


async def test_writes_wait_for_the_delay(make_emulator, session):
    emu = await make_emulator(delay=0.3)
    butter = Butter(session, emu)
    assert (await butter.write("POST", "/posts/", {"title": "T", "slug": "t"})).status == 202
    state = emu.state()
    assert state["posts"] == {} and state["counters"]["pending"] == 1
    started = time.monotonic()
    await emu.settle()
    assert time.monotonic() - started > 0.2
    assert list(emu.state()["posts"]) == ["t"]


async def test_monthly_quota(make_emulator, session):
    emu = await make_emulator(faults=Faults(monthly_quota=3))
    butter = Butter(session, emu)
    for _ in range(3):
        assert (await butter.read("/posts/")).status == 200
    over = await butter.write("POST", "/posts/", {"title": "T", "slug": "t"})
    assert (over.status, over.body) == (429, {"detail": "API Calls limit reached."})
    assert abs(int(over.headers["Retry-After"]) - seconds_until_next_month()) <= 5
    await emu.settle()
    assert emu.state()["posts"] == {} and emu.state()["counters"]["quota_exceeded"] == 1


async def test_throttle_per_second(make_emulator, session):
    emu = await make_emulator(faults=Faults(throttle_per_second=3))
    butter = Butter(session, emu)
    statuses = [(await butter.read("/posts/")).status for _ in range(3)]
    throttled = await butter.read("/posts/")
    assert statuses == [200, 200, 200]
    assert throttled.status == 429 and throttled.headers["Retry-After"] == "1"
    assert "throttled" in throttled.body["detail"]
    await asyncio.sleep(1.05)
    assert (await butter.read("/posts/")).status == 200


async def _statuses(make_emulator, session, seed: int) -> list[int]:
    emu = await make_emulator(seed=seed, faults=Faults(error_rate=0.5))
    butter = Butter(session, emu)
    return [(await butter.read("/posts/")).status for _ in range(20)]


async def test_random_5xx_is_reproducible_with_a_seed(make_emulator, session):
    first = await _statuses(make_emulator, session, seed=7)
    again = await _statuses(make_emulator, session, seed=7)
    other = await _statuses(make_emulator, session, seed=8)
    assert first == again
    assert first != other
    assert {200} < set(first) and set(first) - {200} <= {500, 502, 503}


async def test_latency_can_be_switched_on_while_running(emulator, butter: Butter):
    started = time.monotonic()
    await butter.read("/posts/")
    fast = time.monotonic() - started
    emulator.faults.latency = 0.25
    started = time.monotonic()
    assert (await butter.read("/posts/")).status == 200
    assert time.monotonic() - started >= 0.25 > fast


async def test_drop_before_applies_nothing(make_emulator, session, content_model):
    emu = await make_emulator(faults=Faults(drop_before_rate=1.0))
    with pytest.raises(DISCONNECTED):
        await Butter(session, emu).write("POST", "/pages/", page_body(content_model))
    await emu.settle()
    state = emu.state()
    assert state["pages"] == {} and state["counters"].get("accepted", 0) == 0
    assert state["requests"] == [
        {"method": "POST", "path": "/v2/pages/", "status": None, "dropped": "before"}
    ]


async def test_drop_after_applies_yet_the_client_sees_a_disconnect(
    make_emulator, session, content_model
):
    emu = await make_emulator(faults=Faults(drop_after_rate=1.0))
    body = {"key": "team_members", "fields": [member(content_model)]}
    with pytest.raises(DISCONNECTED):
        await Butter(session, emu).write("POST", "/content/", body)
    await emu.settle()
    state = emu.state()
    assert len(state["collections"]["team_members"]) == 1
    assert state["requests"][0]["dropped"] == "after"
    assert state["counters"]["dropped_after"] == 1


async def test_plan_caps_from_the_model_and_from_faults(make_emulator, session, content_model):
    model = dataclasses.replace(content_model, limits={"collection_items": 2})
    emu = await make_emulator(model=model, faults=Faults(caps={"posts": 1, "pages": 0}))
    butter = Butter(session, emu)
    item = {"key": "team_members", "fields": [member(content_model)]}
    # Creates still in the queue count too: a burst cannot overshoot the cap.
    assert [(await butter.write("POST", "/content/", item)).status for _ in range(2)] == [202, 202]
    capped = await butter.write("POST", "/content/", item)
    assert capped.status == 400
    assert capped.body == {
        "error": "Cannot create a new Collection Item. Collection Item Limit Reached."
    }
    assert (await butter.write("POST", "/posts/", {"title": "T", "slug": "t"})).status == 202
    post = await butter.write("POST", "/posts/", {"title": "U", "slug": "u"})
    assert post.body == {"error": "Cannot create a new Blog Post. Blog Post Limit Reached."}
    page = await butter.write("POST", "/pages/", page_body(content_model))
    assert page.body == {"error": "Cannot create a new Page. Page Limit Reached."}
    await emu.settle()
    state = emu.state()
    assert len(state["collections"]["team_members"]) == 2 and list(state["posts"]) == ["t"]


def test_faults_are_validated():
    from migrator.errors import ConfigError

    with pytest.raises(ConfigError, match="error_rate"):
        Faults(error_rate=1.5)
    with pytest.raises(ConfigError, match="unknown cap"):
        Faults(caps={"widgets": 1})
