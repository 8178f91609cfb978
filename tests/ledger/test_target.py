"""A ledger belongs to one ButterCMS: a rehearsal's state never makes the live run skip
records, and a ledger used against another target is refused before any call."""

from __future__ import annotations

import sqlite3
import subprocess

import anyio
import pytest

from migrator.config import target_slug
from migrator.ledger import CheckpointLedger, TargetMismatch
from tests.engine.conftest import MIGRATOR, TEAM_MAPPING, cli_env, team_rows, write_csv, writes

pytestmark = pytest.mark.anyio
FAST = ["--no-progress", "--rate", "200", "--settle-delay", "0.1", "--settle-timeout", "0.3"]


async def migrate(emulator, source, *extra: str, cwd=None, **env: str):
    return await anyio.run_process(
        [MIGRATOR, "--log-level", "warning", "run", str(TEAM_MAPPING), "--source", str(source),
         *FAST, *extra],
        env=cli_env(emulator.base_url, **env),
        cwd=cwd,
        check=False,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip


async def test_rehearse_then_another_target_sends_everything_there(make_emulator, tmp_path):
    rehearsal, live = await make_emulator(), await make_emulator()
    source = write_csv(tmp_path / "team.csv", team_rows(12))
    assert (await migrate(rehearsal, source)).returncode == 0
    done = await migrate(live, source)
    assert done.returncode == 0, done.stderr.decode()
    assert len(writes(live.state())) == 12, "the live target got every record"
    state = tmp_path / "state"
    assert {p.name for p in state.iterdir()} == {
        target_slug(rehearsal.base_url),
        target_slug(live.base_url),
    }
    for target in (rehearsal, live):
        folder = state / target_slug(target.base_url)
        assert {"team_members.ledger.sqlite", "team_members.failures.jsonl"} <= {
            p.name for p in folder.iterdir()
        }


async def test_one_ledger_against_another_target_is_refused(make_emulator, tmp_path):
    rehearsal, live = await make_emulator(), await make_emulator()
    source = write_csv(tmp_path / "team.csv", team_rows(3))
    ledger = tmp_path / "shared.ledger.sqlite"
    assert (await migrate(rehearsal, source, "--ledger", str(ledger))).returncode == 0
    done = await migrate(live, source, "--ledger", str(ledger))
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert "belongs to another ButterCMS target" in err and rehearsal.base_url in err
    assert "--state" in err
    assert live.state()["requests"] == [], "refused before a single call"


async def test_another_token_on_the_same_api_is_refused_unless_rebound(emulator, tmp_path):
    source = write_csv(tmp_path / "team.csv", team_rows(3))
    ledger = tmp_path / "l.ledger.sqlite"
    assert (await migrate(emulator, source, "--ledger", str(ledger))).returncode == 0
    other = await migrate(emulator, source, "--ledger", str(ledger), BUTTER_WRITE_TOKEN="w-2")
    assert other.returncode == 2
    assert "another write token" in other.stderr.decode()
    # Same account, rotated token: --rebind binds it again, and nothing is sent twice
    # (the emulator refuses w-2, so a single write would fail the run).
    rebound = await migrate(emulator, source, "--ledger", str(ledger), "--rebind")
    assert rebound.returncode == 0
    assert len(writes(emulator.state())) == 3


async def test_the_ledger_keeps_a_salted_hash_never_the_token(emulator, tmp_path):
    source = write_csv(tmp_path / "team.csv", team_rows(1))
    ledger = tmp_path / "l.ledger.sqlite"
    token = "w-token"
    assert (await migrate(emulator, source, "--ledger", str(ledger))).returncode == 0
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("l.ledger.sqlite*"))
    assert token.encode() not in raw
    with sqlite3.connect(ledger) as conn:
        ((base, salt, digest, _),) = conn.execute("SELECT * FROM target").fetchall()
    assert base == emulator.base_url and len(salt) == 32 and len(digest) == 64


def test_verify_checks_the_api_base(tmp_path):
    with CheckpointLedger(tmp_path / "x.ledger.sqlite") as ledger:
        ledger.bind("http://127.0.0.1:1/v2/", "secret")
        ledger.bind("HTTP://127.0.0.1:1/v2", None)  # the same target, spelt otherwise
        with pytest.raises(TargetMismatch, match=r"API http://127\.0\.0\.1:1/v2, not"):
            ledger.bind("http://127.0.0.1:2/v2", None)


async def test_status_finds_the_ledger_in_the_state_folder_without_flags(emulator, tmp_path):
    source = write_csv(tmp_path / "team.csv", team_rows(2))
    assert (await migrate(emulator, source)).returncode == 0
    status = await anyio.run_process(
        [MIGRATOR, "status", "--json"], env=cli_env(emulator.base_url), cwd=tmp_path, check=False
    )
    assert status.returncode == 0, status.stderr.decode()
    assert b'"accepted": 2' in status.stdout
