"""Files written for people: never over an edited scaffold, never through a symbolic link."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.engine.conftest import MIGRATOR, ROOT, cli_env, run_args, team_rows, write_csv

SAMPLE = ROOT / "migrator" / "samples" / "wordpress.xml"


def migrator(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MIGRATOR, *args], capture_output=True, text=True, timeout=60)


def test_inspect_out_does_not_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "posts.toml"
    out.write_text("# edited by hand\n")
    done = migrator("inspect", str(SAMPLE), "--scaffold", "post", "--out", str(out))
    assert done.returncode == 2, done.stderr
    assert f"{out} already exists: --force overwrites it" in done.stderr
    assert "Traceback" not in done.stderr
    assert out.read_text() == "# edited by hand\n"

    forced = migrator("inspect", str(SAMPLE), "--scaffold", "post", "--out", str(out), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "[target]" in out.read_text() or "target" in out.read_text()
    assert out.read_text() != "# edited by hand\n"


def test_inspect_out_is_not_written_through_a_link(tmp_path: Path) -> None:
    elsewhere = tmp_path / "important.conf"
    elsewhere.write_text("keep me\n")
    link = tmp_path / "posts.toml"
    link.symlink_to(elsewhere)
    done = migrator("inspect", str(SAMPLE), "--scaffold", "post", "--out", str(link), "--force")
    assert done.returncode == 2, done.stderr
    assert "is a symbolic link" in done.stderr and "Traceback" not in done.stderr
    assert elsewhere.read_text() == "keep me\n"


@pytest.mark.parametrize("report", ["preview", "failures"])
def test_a_run_does_not_write_its_reports_through_a_link(tmp_path: Path, report: str) -> None:
    source = write_csv(tmp_path / "team.csv", team_rows(2))
    ledger = tmp_path / "run.ledger.sqlite"
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("keep me\n")
    (tmp_path / f"run.{report}.jsonl").symlink_to(elsewhere)
    done = subprocess.run(
        run_args(source, ledger, "--dry-run"),
        env=cli_env("http://127.0.0.1:9"),  # a dry run sends nothing
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"run.{report}.jsonl is a symbolic link" in done.stderr
    assert elsewhere.read_text() == "keep me\n"
