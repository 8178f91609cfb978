"""`migrator run --json`: one JSON object on stdout however the run ends (docs/json-summary.md),
everything else on stderr; the same object as the last log event when logs are JSON.
Real `migrator` processes against the emulator on 127.0.0.1.
"""

from __future__ import annotations

from pathlib import Path

import anyio
import orjson
import pytest

from migrator.config import target_slug
from migrator.ledger import CheckpointLedger
from tests.engine.conftest import (
    MIGRATOR,
    cli_env,
    run_args,
    team_rows,
    wait_until,
    write_csv,
    writes,
)
from tests.engine.test_run_several import write_inputs

pytestmark = pytest.mark.anyio


def summary_of(stdout: bytes) -> dict:
    """stdout holds exactly one JSON object (orjson refuses anything around it)."""
    data = orjson.loads(stdout)
    assert isinstance(data, dict) and data["version"] == 1
    return data


async def test_stdout_holds_only_the_summary_and_verify_is_in_it(emulator, tmp_path):
    source = write_csv(tmp_path / "team.csv", team_rows(6))
    done = await anyio.run_process(
        run_args(source, tmp_path / "l.sqlite", "--json", "--verify"),
        env=cli_env(emulator.base_url),
        check=False,
    )
    err = done.stderr.decode()
    summary = summary_of(done.stdout)
    assert done.returncode == summary["exit_code"] == 0, err
    assert "Migration run" in err and "Verification (Read API)" in err  # the tables
    assert summary["totals"]["accepted"] == 6 and summary["canary"] == {"outcome": "off"}
    [mapping] = summary["mappings"]
    assert mapping["verify"]["counts"]["verified"] == 6
    assert mapping["files"]["ledger"] == str(tmp_path / "l.sqlite")
    assert mapping["verify"]["files"]["verify"].endswith(".verify.jsonl")
    # The HTML report the summary names is there, and its Report: line went to stderr.
    report = Path(summary["report"])
    assert report.name == "l.report.html" and await anyio.Path(report).is_file()
    assert f"Report: {report}" in err


async def test_without_json_the_summary_is_the_last_log_event(emulator, tmp_path):
    source = write_csv(tmp_path / "team.csv", team_rows(3))
    args = run_args(source, tmp_path / "l.sqlite")
    args[args.index("warning")] = "info"  # the event is at info level
    done = await anyio.run_process(args, env=cli_env(emulator.base_url), check=False)
    assert done.returncode == 0
    assert b'"version"' not in done.stdout and "Migration run" in done.stdout.decode()
    # stderr is not a terminal: JSON log lines, the last one the summary.
    last = orjson.loads(done.stderr.splitlines()[-1])
    assert last["event"] == "summary" and last["exit_code"] == 0
    assert last["totals"]["accepted"] == 3


async def test_a_bad_token_stops_the_run_and_the_summary_says_so(emulator, tmp_path):
    source = write_csv(tmp_path / "team.csv", team_rows(4))
    env = cli_env(emulator.base_url, BUTTER_WRITE_TOKEN="wrong-token-8c41f2")
    done = await anyio.run_process(
        run_args(source, tmp_path / "l.sqlite", "--json"), env=env, check=False
    )
    summary = summary_of(done.stdout)
    assert done.returncode == summary["exit_code"] == 3
    assert summary["outcome"] == "stopped" and summary["aborted"]
    assert summary["mappings"][0]["aborted"] == summary["aborted"]
    assert summary["totals"]["accepted"] == 0
    assert b"wrong-token-8c41f2" not in done.stdout + done.stderr


async def test_a_missing_token_is_an_error_in_the_summary(emulator, tmp_path):
    source = write_csv(tmp_path / "team.csv", team_rows(2))
    env = {k: v for k, v in cli_env(emulator.base_url).items() if k != "BUTTER_WRITE_TOKEN"}
    args = run_args(source, tmp_path / "l.sqlite", "--json")
    args[args.index("warning")] = "info"  # no summary event either: nothing ran
    done = await anyio.run_process(args, env=env, check=False)
    summary = summary_of(done.stdout)
    assert done.returncode == summary["exit_code"] == 2
    assert (
        summary["error"]["kind"] == "config" and "BUTTER_WRITE_TOKEN" in summary["error"]["message"]
    )
    assert summary["mappings"] == [
        {
            "mapping": "team_members.toml",
            "path": summary["mappings"][0]["path"],
            "source": str(source),
            "ran": False,
            "exit_code": None,
        }
    ]
    [line] = done.stderr.decode().splitlines()  # the one error line, as without --json
    assert line.startswith("error: no write token")
    assert writes(emulator.state()) == []


async def test_sigterm_mid_run_still_prints_the_summary(emulator, tmp_path):
    source = write_csv(tmp_path / "team.csv", team_rows(200))
    args = run_args(source, tmp_path / "l.sqlite", "--json", "--rate", "40", "--concurrency", "2")
    process = await anyio.open_process(args, env=cli_env(emulator.base_url))
    await wait_until(lambda: len(writes(emulator.state())) >= 5)
    process.terminate()
    with anyio.fail_after(60):
        await process.wait()
        assert process.stdout is not None
        out = b"".join([chunk async for chunk in process.stdout])
    summary = summary_of(out)
    assert process.returncode == summary["exit_code"] == 130
    assert summary["outcome"] == "interrupted" and summary["mappings"][0]["interrupted"]
    assert 5 <= summary["totals"]["accepted"] < 200


async def test_several_mappings_one_locked_the_summary_has_both(emulator, tmp_path):
    """The doc's caveat (docs/scheduled-reimports.md, "The lock"): with several mappings
    each ledger is locked as its mapping runs; the summary shows what ran before the lock."""
    pages, team = write_inputs(tmp_path)
    folder = tmp_path / "state" / target_slug(emulator.base_url)
    folder.mkdir(parents=True)
    args = [MIGRATOR, "run", str(pages), str(team), "--json", "--no-progress", "--canary", "0",
            "--rate", "200", "--settle-delay", "0.2", "--settle-timeout", "0.6"]  # fmt: skip
    with CheckpointLedger(folder / "pages.ledger.sqlite"):  # another run, on the pages
        done = await anyio.run_process(args, env=cli_env(emulator.base_url), check=False)
    summary = summary_of(done.stdout)
    assert done.returncode == summary["exit_code"] == 2
    assert summary["error"]["kind"] == "ledger_locked"
    first, second = summary["mappings"]  # in the order they run: the team first
    assert (first["mapping"], first["ran"], first["exit_code"]) == ("team.toml", True, 0)
    assert first["counts"]["accepted"] == 3 == summary["totals"]["accepted"]
    assert (second["mapping"], second["ran"], second["exit_code"]) == ("pages.toml", False, None)
    # Something ran: the log's last event is the summary too.
    last = orjson.loads(done.stderr.splitlines()[-2])  # then the error line
    assert last["event"] == "summary" and last["mappings"] == summary["mappings"]
    assert done.stderr.decode().splitlines()[-1].startswith("error: ledger ")
    assert [r["method"] for r in writes(emulator.state())] == ["POST"] * 3
