"""`migrator run` as a user runs it: a real process, its output and exit code."""

from __future__ import annotations

import signal
import subprocess

import anyio
import pytest

from migrator.emulator import Faults
from tests.engine.conftest import (
    cli_env,
    items_by_email,
    run_args,
    team_rows,
    wait_until,
    write_csv,
    writes,
)

pytestmark = pytest.mark.anyio


async def test_a_read_token_on_writes_stops_the_run_with_exit_3(emulator, tmp_path):
    source = write_csv(tmp_path / "team.csv", team_rows(10))
    done = await anyio.run_process(
        run_args(source, tmp_path / "l.sqlite", "--concurrency", "1"),
        env=cli_env(emulator.base_url, BUTTER_WRITE_TOKEN="r-token"),
        check=False,
    )
    out = done.stdout.decode() + done.stderr.decode()
    assert done.returncode == 3, out
    assert "write token" in out and "Run stopped" in out
    assert "r-token" not in out, "a token must never be printed"
    assert [r["status"] for r in writes(emulator.state())] == [401]


async def test_an_exhausted_quota_stops_the_run_without_retrying(make_emulator, tmp_path):
    emulator = await make_emulator(faults=Faults(monthly_quota=5))
    source = write_csv(tmp_path / "team.csv", team_rows(10))
    done = await anyio.run_process(
        run_args(source, tmp_path / "l.sqlite", "--concurrency", "1"),
        env=cli_env(emulator.base_url),
        check=False,
    )
    out = done.stdout.decode()
    assert done.returncode == 3, out + done.stderr.decode()
    assert "quota exhausted" in out
    assert "6 + 0" in out, "the summary says how many calls were spent"
    statuses = [r["status"] for r in writes(emulator.state())]
    assert statuses == [202] * 5 + [429], "a quota 429 must not be retried"

    # After the reset, the next run sends only the five that were not accepted.
    emulator.faults.monthly_quota = None
    again = await anyio.run_process(
        run_args(source, tmp_path / "l.sqlite"), env=cli_env(emulator.base_url), check=False
    )
    assert again.returncode == 0, again.stdout.decode()
    await emulator.settle()
    by_email = items_by_email(emulator.state())
    assert len(by_email) == 10 and all(len(v) == 1 for v in by_email.values())


async def test_sigkill_mid_run_then_resume_loses_nothing_and_duplicates_nothing(
    make_emulator, tmp_path
):
    # Writes are applied a little after the 202, so a kill lands between the two.
    emulator = await make_emulator(delay=0.05)
    source = write_csv(tmp_path / "team.csv", team_rows(60))
    ledger = tmp_path / "l.sqlite"
    env = cli_env(emulator.base_url)

    process = await anyio.open_process(
        run_args(source, ledger, "--rate", "40"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    await wait_until(lambda: len(writes(emulator.state())) >= 20)
    process.send_signal(signal.SIGKILL)
    await process.wait()
    sent_before = len(writes(emulator.state()))
    assert 20 <= sent_before < 60, "the kill should land mid-run"

    done = await anyio.run_process(run_args(source, ledger, "--rate", "200"), env=env, check=False)
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    await emulator.settle()

    by_email = items_by_email(emulator.state())
    assert sorted(by_email) == sorted(f"person{i}@example.com" for i in range(60))
    assert {e: len(v) for e, v in by_email.items() if len(v) > 1} == {}
    # Re-sent at most what was in flight at the kill (up to --concurrency), never the rest.
    assert len(writes(emulator.state())) <= 60 + 4


async def test_two_runs_on_one_ledger_are_refused(emulator, tmp_path):
    # 200 rows at 20/s: the first run is surely still sending when it is stopped.
    source = write_csv(tmp_path / "team.csv", team_rows(200))
    ledger = tmp_path / "l.sqlite"
    env = cli_env(emulator.base_url)
    first = await anyio.open_process(
        run_args(source, ledger, "--rate", "20"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await wait_until(lambda: bool(writes(emulator.state())))
        second = await anyio.run_process(run_args(source, ledger), env=env, check=False)
        assert second.returncode == 2
        assert "in use by another migrator run" in second.stderr.decode()
    finally:
        first.terminate()
        await first.wait()
    # SIGTERM is a clean stop: the ledger keeps what was accepted.
    assert first.returncode == 130


async def test_no_write_token_is_a_configuration_error(tmp_path):
    source = write_csv(tmp_path / "team.csv", team_rows(1))
    env = cli_env("http://127.0.0.1:9/v2")
    del env["BUTTER_WRITE_TOKEN"]
    done = await anyio.run_process(run_args(source, tmp_path / "l.sqlite"), env=env, check=False)
    assert done.returncode == 2
    assert "BUTTER_WRITE_TOKEN" in done.stderr.decode()


async def test_dry_run_with_prune_lists_what_would_be_deleted(emulator, tmp_path):
    source = write_csv(tmp_path / "team.csv", team_rows(3))
    ledger = tmp_path / "l.sqlite"
    env = cli_env(emulator.base_url)
    first = await anyio.run_process(run_args(source, ledger), env=env, check=False)
    assert first.returncode == 0, first.stdout.decode()
    rows = team_rows(2)
    rows[0][2] = "Baker"
    write_csv(source, rows)
    sent = len(writes(emulator.state()))

    done = await anyio.run_process(
        run_args(source, ledger, "--dry-run", "--prune"), env=env, check=False
    )
    out = " ".join(done.stdout.decode().split())
    assert done.returncode == 0, out
    assert "deleted: gone from the source (--prune) │ 1" in out
    assert "changed since last run (would be updated) │ 1" in out
    assert "collection:team_members person2@example.com" in out
    # 1 of 3 is over the share a run deletes without asking: the dry run says so first.
    assert "A real run would not delete these without asking" in out
    assert "--max-delete 1" in out
    assert len(writes(emulator.state())) == sent, "a dry run sends nothing"

    refused = await anyio.run_process(run_args(source, ledger, "--prune"), env=env, check=False)
    out = " ".join(refused.stdout.decode().split())
    assert refused.returncode == 1, out
    assert "Nothing was pruned" in out and "--prune would delete 1 of the 3" in out
    await emulator.settle()
    assert emulator.state()["deleted"]["collection_items"] == []

    real = await anyio.run_process(
        run_args(source, ledger, "--prune", "--max-delete", "1"), env=env, check=False
    )
    assert real.returncode == 0, real.stdout.decode()
    await emulator.settle()
    assert sorted(items_by_email(emulator.state())) == [
        "person0@example.com",
        "person1@example.com",
    ]


def test_run_help_lists_every_exit_code() -> None:
    import subprocess

    from tests.engine.conftest import MIGRATOR

    done = subprocess.run([MIGRATOR, "run", "--help"], capture_output=True, text=True, check=True)
    text = " ".join(done.stdout.split())
    for code in ("0 all accepted", "1 some records failed", "2 usage", "3 run aborted"):
        assert code in text, code
    assert "130 interrupted (Ctrl-C or SIGTERM" in text and "the same command resumes" in text
