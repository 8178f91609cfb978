"""Realism.post_dates: a post's `published` honoured, ignored or refused."""

from __future__ import annotations

import pytest

from migrator.emulator import Realism

from .conftest import Butter

pytestmark = pytest.mark.anyio

POST = {"title": "Old news", "slug": "old-news", "status": "published"}
DATED = {**POST, "published": "2009-10-20T16:13:20-04:00"}


async def butter_with(make_emulator, session, post_dates: str) -> Butter:
    return Butter(session, await make_emulator(realism=Realism(post_dates=post_dates)))


async def test_honour_keeps_the_date_sent_create_and_update(make_emulator, session):
    butter = await butter_with(make_emulator, session, "honour")
    assert (await butter.write("POST", "/posts/", DATED)).status == 202
    await butter.emu.settle()
    read = await butter.read("/posts/old-news/")
    assert read.body["data"]["published"] == "2009-10-20T20:13:20Z"  # in UTC, as Butter reads
    patch = {"published": "2010-01-01"}
    assert (await butter.write("PATCH", "/posts/old-news/", patch)).status == 202
    await butter.emu.settle()
    assert butter.emu.state()["posts"]["old-news"]["published"] == "2010-01-01T00:00:00Z"


async def test_honour_refuses_a_date_that_is_not_iso_8601(make_emulator, session):
    butter = await butter_with(make_emulator, session, "honour")
    answer = await butter.write("POST", "/posts/", {**POST, "published": "20/10/2009"})
    assert answer.status == 400
    assert answer.body["published"][0].startswith("Datetime has wrong format")


async def test_ignore_keeps_its_own_date_silently(make_emulator, session):
    butter = await butter_with(make_emulator, session, "ignore")
    answer = await butter.write("POST", "/posts/", DATED)
    assert (answer.status, answer.body) == (202, {"status": "pending"})
    await butter.emu.settle()
    own = butter.emu.state()["posts"]["old-news"]["published"]
    assert own and not own.startswith("2009")  # the time it was applied
    await butter.write("PATCH", "/posts/old-news/", {"published": "2010-01-01"})
    await butter.emu.settle()
    assert butter.emu.state()["posts"]["old-news"]["published"] == own


async def test_refuse_answers_400_naming_the_field(make_emulator, session):
    butter = await butter_with(make_emulator, session, "refuse")
    answer = await butter.write("POST", "/posts/", DATED)
    assert answer.status == 400 and list(answer.body) == ["published"]
    assert "not supported" in answer.body["published"][0]
    assert (await butter.write("POST", "/posts/", POST)).status == 202  # without it: fine
    await butter.emu.settle()
    patch = await butter.write("PATCH", "/posts/old-news/", {"published": "2010-01-01"})
    assert patch.status == 400 and "published" in patch.body
    assert butter.emu.state()["posts"]["old-news"]["published"]  # its own date
