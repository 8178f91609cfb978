"""A whole run against the emulator: what the user sees and what Butter received."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from migrator.emulator import Faults
from migrator.engine import plan_migration, run_migration
from migrator.mapping import load_mapping
from tests.engine.conftest import TEAM_MAPPING, items_by_email, team_rows, write_csv, writes

pytestmark = pytest.mark.anyio


async def _run(emulator, source: Path, options, *, read_token: str | None = "r-token"):
    return await run_migration(
        load_mapping(TEAM_MAPPING),
        source,
        options,
        base_url=emulator.base_url,
        write_token="w-token",
        read_token=read_token,
    )


async def test_full_run_then_a_rerun_sends_nothing(emulator, tmp_path, options):
    source = write_csv(tmp_path / "team.csv", team_rows(30))
    stats = await _run(emulator, source, options())
    await emulator.settle()
    state = emulator.state()

    assert stats.sent.accepted == 30 and stats.sent.failed == 0 and stats.exit_code == 0
    by_email = items_by_email(state)
    assert sorted(by_email) == sorted(f"person{i}@example.com" for i in range(30))
    assert all(len(items) == 1 for items in by_email.values())
    assert state["failures"] == []
    assert len(writes(state)) == 30

    again = await _run(emulator, source, options())
    assert again.plan.unchanged == 30 and again.plan.to_send == 0 and again.sent.accepted == 0
    assert again.calls.writes == 0 and again.exit_code == 0
    assert len(writes(emulator.state())) == 30


async def test_dry_run_sends_no_write_and_previews_every_payload(emulator, tmp_path, options):
    rows = team_rows(12)
    rows[3][5] = "31/31/2021"  # not a date
    source = write_csv(tmp_path / "team.csv", rows)
    opts = options(dry_run=True)

    stats = await plan_migration(load_mapping(TEAM_MAPPING), source, opts)

    assert emulator.state()["requests"] == []
    assert not opts.ledger_path.exists(), "a dry run must not create the ledger"
    assert (stats.plan.to_send, stats.plan.invalid) == (11, 1)
    assert stats.calls.writes == 11
    preview = [orjson.loads(line) for line in opts.preview_path.read_bytes().splitlines()]
    assert len(preview) == 11
    assert preview[0]["method"] == "POST" and preview[0]["path"] == "/v2/content/"
    assert preview[0]["body"]["key"] == "team_members"
    assert preview[0]["body"]["fields"][0]["email"] == "person0@example.com"
    (bad,) = [orjson.loads(line) for line in opts.failures_path.read_bytes().splitlines()]
    assert bad["source"] == f"{source}:5" and bad["field"] == "joined"
    assert bad["identity"] == "person3@example.com"


async def test_server_errors_and_throttling_are_survived(make_emulator, tmp_path, options):
    emulator = await make_emulator(seed=7, faults=Faults(error_rate=0.3, throttle_per_second=20))
    source = write_csv(tmp_path / "team.csv", team_rows(40))

    stats = await _run(emulator, source, options(rate=100, concurrency=6, max_attempts=10))
    await emulator.settle()

    assert stats.sent.accepted == 40 and stats.sent.failed == 0
    assert stats.retry.retries > 0, "the 5xx fault should have forced retries"
    assert stats.retry.throttled > 0, "the throttle fault should have answered 429"
    statuses = {r["status"] for r in emulator.state()["requests"]}
    assert {202, 429} <= statuses and statuses & {500, 502, 503}
    by_email = items_by_email(emulator.state())
    assert len(by_email) == 40 and all(len(v) == 1 for v in by_email.values())


async def test_dropped_connections_leave_no_duplicate(make_emulator, tmp_path, options):
    emulator = await make_emulator(
        seed=3, delay=0.05, faults=Faults(drop_after_rate=0.3, drop_before_rate=0.1)
    )
    source = write_csv(tmp_path / "team.csv", team_rows(40))

    stats = await _run(emulator, source, options(settle_delay=0.3, max_attempts=10))
    await emulator.settle()

    by_email = items_by_email(emulator.state())
    assert sorted(by_email) == sorted(f"person{i}@example.com" for i in range(40))
    duplicates = {email: len(v) for email, v in by_email.items() if len(v) > 1}
    assert duplicates == {}
    assert stats.sent.ambiguous > 0 and stats.sent.found_on_read_back > 0
    assert stats.sent.accepted == 40 and stats.sent.unsettled == 0


async def test_without_a_read_token_an_ambiguous_send_is_not_repeated(
    make_emulator, tmp_path, options
):
    emulator = await make_emulator(seed=3, faults=Faults(drop_after_rate=1.0))
    source = write_csv(tmp_path / "team.csv", team_rows(3))

    stats = await _run(emulator, source, options(settle_delay=0.0), read_token=None)
    await emulator.settle()

    assert stats.sent.unsettled == 3 and stats.sent.accepted == 0 and stats.exit_code == 1
    assert len(writes(emulator.state())) == 3, "each create was sent exactly once"
    reasons = [orjson.loads(x)["reason"] for x in options().failures_path.read_bytes().splitlines()]
    assert all("BUTTER_READ_TOKEN" in r for r in reasons)


async def test_bad_rows_are_reported_while_good_rows_go_through(emulator, tmp_path, options):
    source = tmp_path / "team.csv"
    source.write_text(
        "name,email,position,bio,photo,joined,active\n"
        "Ann,ann@example.com,CEO,,,01/02/2020,yes\n"
        'Bob,bob@example.com,"Multi\nline",,,01/02/2020,no\n'
        "Cid,cid@example.com,too,many,fields,01/02/2020,yes,extra\n"
        "Dee,dee@example.com,CTO,,,not a date,yes\n"
        "Eve,eve@example.com,CFO,,,01/02/2020,maybe\n"
        "Fay,fay@example.com,COO,,,01/02/2020,no\n",
        encoding="utf-8",
    )
    opts = options()
    stats = await _run(emulator, source, opts)
    await emulator.settle()

    assert stats.sent.accepted == 3 and stats.plan.invalid == 3 and stats.exit_code == 1
    assert sorted(items_by_email(emulator.state())) == [
        "ann@example.com",
        "bob@example.com",
        "fay@example.com",
    ]
    problems = {
        p["source"]: p for p in map(orjson.loads, opts.failures_path.read_bytes().splitlines())
    }
    # Bob's quoted field spans lines 3-4, so Cid starts on line 5.
    assert set(problems) == {f"{source}:5", f"{source}:6", f"{source}:7"}
    assert "expected 7 fields, got 8" in problems[f"{source}:5"]["reason"]
    assert problems[f"{source}:6"]["field"] == "joined"
    assert problems[f"{source}:7"]["field"] == "active"


async def test_butter_rejections_fail_the_record_and_the_run_goes_on(
    make_emulator, tmp_path, options
):
    # A plan cap of 2 collection items: Butter answers 400 to the third create.
    emulator = await make_emulator(faults=Faults(caps={"collection_items": 2}))
    source = write_csv(tmp_path / "team.csv", team_rows(4))

    opts = options(concurrency=1)
    stats = await _run(emulator, source, opts)

    assert (stats.sent.accepted, stats.sent.failed, stats.exit_code) == (2, 2, 1)
    lines = [orjson.loads(x) for x in opts.failures_path.read_bytes().splitlines()]
    assert [x["identity"] for x in lines] == ["person2@example.com", "person3@example.com"]
    assert "Collection Item Limit Reached" in lines[0]["reason"]

    # Failed records are not re-sent unless asked; with --retry-failed they are.
    again = await _run(emulator, source, opts)
    assert again.plan.skipped_failed == 2 and again.calls.writes == 0
    emulator.faults.caps = {}
    retried = await _run(emulator, source, options(retry_failed=True))
    assert retried.sent.accepted == 2 and retried.exit_code == 0
