"""Settling doubts: a create whose answer was lost is sent again only once Butter is known
not to have it — never because one read came too early or from a stale cache."""

from __future__ import annotations

import time

import pytest

from migrator.butter import ReadBack
from migrator.emulator import Faults
from migrator.engine import SettleWindow, Verdict, run_migration, settle
from migrator.mapping import load_mapping
from tests.engine.conftest import TEAM_MAPPING, items_by_email, team_rows, write_csv

pytestmark = pytest.mark.anyio
ITEM = {"meta": {"id": 1}}


class Answers:
    """Read-backs in order: (found, age in seconds); the last one repeats."""

    def __init__(self, *answers: tuple[bool, float]):
        self.answers = list(answers)
        self.times: list[float] = []

    async def read(self) -> ReadBack:
        self.times.append(time.time())
        found, age = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return ReadBack(ITEM if found else None, age, int(found))


async def test_found_on_the_first_read_is_settled_at_once():
    answers = Answers((True, 0.0))
    sent = time.time()
    result = await settle(answers.read, sent_at=sent, window=SettleWindow(0.05, 5.0))
    assert (result.verdict, result.reads) == (Verdict.FOUND, 1)
    assert answers.times[0] - sent >= 0.05, "the first read waits settle_delay"


async def test_fresh_misses_are_absent_only_at_the_end_of_the_window():
    answers = Answers((False, 0.0))
    sent = time.time()
    result = await settle(answers.read, sent_at=sent, window=SettleWindow(0.05, 0.4))
    assert result.verdict is Verdict.ABSENT
    assert answers.times[-1] - sent >= 0.4, "no miss is trusted before the window closes"
    gaps = [b - a for a, b in zip(answers.times, answers.times[1:], strict=False)]
    assert gaps == sorted(gaps) or gaps[-1] < gaps[-2], "growing intervals, the last capped"
    assert 3 <= result.reads <= 5


async def test_a_late_apply_is_found_instead_of_sent_twice():
    answers = Answers((False, 0.0), (False, 0.0), (True, 0.0))
    result = await settle(answers.read, sent_at=time.time(), window=SettleWindow(0.02, 5.0))
    assert (result.verdict, result.reads) == (Verdict.FOUND, 3)


async def test_a_stale_miss_after_the_window_is_not_trusted():
    # The cache answers a miss generated long before the send: never proof of absence.
    answers = Answers((False, 1000.0))
    sent = time.time()
    result = await settle(answers.read, sent_at=sent, window=SettleWindow(0.02, 0.2))
    assert result.verdict is Verdict.IN_DOUBT
    assert answers.times[-1] - sent >= 0.4, "kept reading until twice the window"


async def test_a_stale_cache_that_expires_ends_the_doubt():
    answers = Answers((False, 1000.0), (False, 1000.0), (False, 0.0))
    result = await settle(answers.read, sent_at=time.time() - 0.6, window=SettleWindow(0.0, 0.5))
    assert (result.verdict, result.reads) == (Verdict.ABSENT, 3)


async def test_slow_apply_and_lost_answers_make_no_duplicate(make_emulator, tmp_path, options):
    """The issue's measured case, scaled down: writes applied long after the settle delay,
    30% of the answers lost after the write was applied. Before: duplicates."""
    emulator = await make_emulator(seed=7, delay=0.6, faults=Faults(drop_after_rate=0.3))
    source = write_csv(tmp_path / "team.csv", team_rows(40))
    stats = await run_migration(
        load_mapping(TEAM_MAPPING),
        source,
        options(settle_delay=0.1, settle_timeout=1.5),
        base_url=emulator.base_url,
        write_token="w-token",
        read_token="r-token",
    )
    await emulator.settle()
    state = emulator.state()
    assert state["counters"]["dropped_after"] > 0, "the fault happened"
    copies = {email: len(items) for email, items in items_by_email(state).items()}
    assert len(copies) == 40 and set(copies.values()) == {1}, copies
    assert stats.sent.ambiguous == state["counters"]["dropped_after"]
    assert stats.sent.found_on_read_back == stats.sent.ambiguous
    assert (stats.sent.duplicates, stats.sent.in_doubt, stats.exit_code) == (0, 0, 0)
