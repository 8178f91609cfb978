"""Checks in a mapping stop bad values before anything is sent: a real run on the emulator."""

from __future__ import annotations

import subprocess

import anyio
import orjson
import pytest

from tests.engine.conftest import MIGRATOR, TEAM_MAPPING, cli_env, team_rows, write_csv, writes

pytestmark = pytest.mark.anyio


async def test_a_typod_email_makes_its_record_invalid_and_the_others_go(emulator, tmp_path):
    rows = team_rows(4)
    rows[2][1] = "person2@example"  # no dot in the domain: the shipped mapping's "email" check
    source = write_csv(tmp_path / "team.csv", rows)
    done = await anyio.run_process(
        [MIGRATOR, "--log-level", "warning", "run", str(TEAM_MAPPING), "--source", str(source),
         "--ledger", str(tmp_path / "team.ledger.sqlite"), "--no-progress", "--rate", "500",
         "--settle-delay", "0.1", "--settle-timeout", "0.4", "--canary", "0"],
        env={**cli_env(emulator.base_url), "COLUMNS": "200"},
        check=False,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    out = done.stdout.decode()
    assert done.returncode == 1, out + done.stderr.decode()
    await emulator.settle()
    assert len(writes(emulator.state())) == 3
    assert "person2@example" not in orjson.dumps(emulator.state()).decode()
    report = tmp_path / "team.failures.jsonl"
    (failure,) = [orjson.loads(line) for line in report.read_bytes().splitlines()]
    assert failure["identity"] == "person2@example"
    assert failure["field"] == "email"
    # The field, the value and the rule, and only that (no "required" on top of it).
    assert failure["reason"] == (
        "email: transform 'email': 'person2@example' is not an e-mail address (name@example.com)"
    )
    assert failure["stage"] == "input" and failure["source"].endswith("team.csv:4")
    table = " ".join(out.split())
    assert "accepted by ButterCMS (202) │ 3" in table and "invalid input (not sent) │ 1" in table
