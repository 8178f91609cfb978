"""`migrator status`: what people see, in a terminal and as JSON."""

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from migrator.cli import cli
from migrator.ledger import CheckpointLedger

T = "collection:team_members"


@pytest.fixture
def filled(ledger_path: Path) -> Path:
    with CheckpointLedger(ledger_path) as ledger:
        run = ledger.start_run(mapping_path="mappings/team.toml", source_path="team.csv")
        for i in range(5):
            ledger.begin(
                T, f"m{i}", payload_hash="h", slug=None, lookup=None, source=f"team.csv:{i + 2}"
            )
            ledger.mark_accepted(T, f"m{i}", payload_hash="h")
        for i in range(4):
            ledger.begin(
                T, f"bad{i}", payload_hash="h", slug=None, lookup=None, source=f"team.csv:{i + 10}"
            )
            ledger.mark_failed(T, f"bad{i}", "[400] rejected: field 'bio' is required")
        ledger.begin(
            "post", "hello", payload_hash="h", slug="hello", lookup=None, source="wp.xml:7"
        )
        ledger.mark_failed("post", "hello", "gave up after 6 attempts: 503")
        ledger.begin(
            "post", "maybe", payload_hash="h", slug="maybe", lookup=None, source="wp.xml:9"
        )
        ledger.finish_run(run, exit_code=1)
    return ledger_path


def invoke(*args: str, cwd: Path | None = None):
    runner = CliRunner()
    env = {"COLUMNS": "160", "MIGRATOR_LEDGER": ""}
    if cwd is None:
        return runner.invoke(cli, ["status", *args], env=env, catch_exceptions=False)
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(cli, ["status", *args], env=env, catch_exceptions=False)
    finally:
        os.chdir(old)


def test_status_shows_counts_failures_and_the_last_run(filled: Path):
    result = invoke("--ledger", str(filled))
    assert result.exit_code == 0, result.output
    out = result.output
    lines = [" ".join(line.replace("│", " ").split()) for line in out.splitlines()]
    assert "accepted 5" in lines and "failed 5" in lines and "in_flight 1" in lines
    assert "total 11" in lines
    assert "verified" not in out  # nothing verifies yet: not shown while zero
    assert "Failures by reason" in out
    # The markup-looking reason prints as it is, biggest group first, with examples.
    assert out.index("[400] rejected: field 'bio' is required") < out.index("gave up after 6")
    assert f"{T} bad0 (team.csv:10)" in out
    assert f"{T} bad2 (team.csv:12)" in out
    assert "bad3" not in out  # three examples a reason
    assert "post hello (wp.xml:7)" in out
    assert "Last run #1: started " in out
    assert "exit 1; mapping mappings/team.toml, source team.csv" in out


def test_status_json_says_the_same(filled: Path):
    result = invoke("--ledger", str(filled), "--json")
    assert result.exit_code == 0, result.output
    report = orjson.loads(result.output)
    assert report["counts"]["accepted"] == 5 and report["total"] == 11
    assert report["failures"][0] == {
        "reason": "[400] rejected: field 'bio' is required",
        "count": 4,
        "examples": [
            {"target": T, "identity": f"bad{i}", "source": f"team.csv:{i + 10}"} for i in range(3)
        ],
    }
    assert report["last_run"]["exit_code"] == 1 and report["running"] is None


def test_status_finds_the_ledger_beside_the_mapping(filled: Path, tmp_path: Path):
    (tmp_path / "mappings").mkdir()
    filled.rename(tmp_path / "mappings" / filled.name)
    result = invoke(cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert (
        f"Ledger {Path('mappings') / filled.name}" in result.output or "accepted" in result.output
    )


def test_status_while_a_run_holds_the_ledger(ledger_path: Path):
    with CheckpointLedger(ledger_path) as ledger:
        ledger.start_run(mapping_path="m.toml")
        ledger.begin("post", "a", payload_hash="h", slug="a", lookup=None, source=None)
        result = invoke("--ledger", str(ledger_path))
        assert result.exit_code == 0, result.output
        assert f"still running (pid {os.getpid()})" in result.output
    # Closed without finish_run, as a killed run would leave it... minus the lock.
    result = invoke("--ledger", str(ledger_path))
    assert "did not finish (killed or crashed); `migrator run` resumes it" in result.output


def test_empty_ledger(ledger_path: Path):
    CheckpointLedger(ledger_path).close()
    result = invoke("--ledger", str(ledger_path))
    assert result.exit_code == 0
    assert "No failures." in result.output and "No run recorded yet." in result.output


def _migrator(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "migrator", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "MIGRATOR_LEDGER": ""},
        timeout=60,
    )


def test_missing_ledger_is_a_clear_error_with_exit_2(tmp_path: Path):
    result = _migrator("status", "--ledger", "nope.ledger.sqlite", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: no ledger at nope.ledger.sqlite; run `migrator run` first"
    )
    assert not (tmp_path / "nope.ledger.sqlite").exists()

    result = _migrator("status", cwd=tmp_path)
    assert result.returncode == 2
    assert "no ledger found in" in result.stderr and "--ledger PATH" in result.stderr


def test_help_ends_with_an_example():
    result = CliRunner().invoke(cli, ["status", "--help"])
    assert result.exit_code == 0
    description = result.output.split("Options:")[0].rstrip()
    assert description.endswith("migrator status --ledger mappings/team.ledger.sqlite")
