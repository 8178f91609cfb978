"""The canary: a mapping wrong for the target is caught after a few records, not after
the whole export has spent the quota."""

from __future__ import annotations

import subprocess

import anyio
import orjson
import pytest

from tests.engine.conftest import MIGRATOR, TEAM_MAPPING, cli_env, team_rows, write_csv, writes

pytestmark = pytest.mark.anyio
FAST = ["--no-progress", "--rate", "200", "--settle-delay", "0.1", "--settle-timeout", "0.4"]


def team_with_photos(tmp_path, n: int, photo: str):
    rows = team_rows(n)
    for row in rows:
        row[4] = photo
    return write_csv(tmp_path / "team.csv", rows)


async def run(emulator, source, *extra: str):
    return await anyio.run_process(
        [MIGRATOR, "--log-level", "warning", "run", str(TEAM_MAPPING), "--source", str(source),
         "--ledger", str(source.with_suffix(".ledger.sqlite")), *FAST, *extra],
        env={**cli_env(emulator.base_url), "COLUMNS": "200"},
        check=False,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip


async def test_a_canary_that_fails_in_the_background_stops_the_run(emulator, tmp_path):
    # Every photo is on a host Butter cannot reach: each write is accepted, then fails.
    source = team_with_photos(tmp_path, 30, "gone.png")
    done = await run(emulator, source, "--var", "media_base=http://127.0.0.1:9/img")
    out = done.stdout.decode()
    assert done.returncode == 3, out + done.stderr.decode()
    assert "The canary failed, so nothing else was sent" in out
    assert "missing after acceptance" in out
    await emulator.settle()
    # The canary is the first three records the pump sends: nothing was queued after them.
    assert len(writes(emulator.state())) == 3
    report = tmp_path / "team.failures.jsonl"
    failures = [orjson.loads(line) for line in report.read_bytes().splitlines()]
    assert any(f["stage"] == "verify" for f in failures)


async def test_a_good_canary_lets_the_run_go_on(emulator, media_server, tmp_path):
    source = team_with_photos(tmp_path, 12, "red.png")
    done = await run(emulator, source, "--var", f"media_base={media_server.url}/img")
    out = " ".join(done.stdout.decode().split())
    assert done.returncode == 0, out
    assert "3 record(s) were the canary: person0@example.com" in out
    await emulator.settle()
    assert len(writes(emulator.state())) == 12 and emulator.state()["failures"] == []


async def test_the_dry_run_names_the_canary(emulator, tmp_path):
    source = team_with_photos(tmp_path, 5, "")
    done = await run(emulator, source, "--dry-run", "--canary", "2")
    out = " ".join(done.stdout.decode().split())
    assert done.returncode == 0, out
    assert "2 record(s) will be the canary: person0@example.com" in out
    assert "person1@example.com" in out and "person2@example.com" not in out
    assert emulator.state()["requests"] == []
