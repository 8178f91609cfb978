"""Output piped to a file or a CI log: tables and lines as wide as what they hold, so no
name, field or path is cut (``wordp…``) or broken across lines."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import anyio
import pytest

from migrator.emulator import Faults
from tests.engine.conftest import MIGRATOR, TEAM_MAPPING, cli_env, team_rows, write_csv

ROOT = Path(__file__).resolve().parent.parent
LONG = "team_members_from_the_old_intranet_export_of_2019_with_a_name_nobody_can_read"


def piped(*args: str, env: dict[str, str] | None = None) -> tuple[int, list[str]]:
    """``migrator args`` with stdout and stderr on a pipe; its lines, none cut."""
    done = subprocess.run(
        [MIGRATOR, *args], capture_output=True, text=True, env=env, check=False, timeout=60
    )
    return done.returncode, (done.stdout + done.stderr).splitlines()


def long_named_mappings(folder: Path) -> list[Path]:
    """The team mapping twice, under names longer than a terminal is wide."""
    shutil.copy(ROOT / "mappings" / "content-model.toml", folder / "content-model.toml")
    paths = [folder / f"{LONG}_{n}.toml" for n in (1, 2)]
    for path in paths:
        shutil.copy(TEAM_MAPPING, path)
    return paths


def test_a_piped_dry_run_shows_whole_mapping_names_and_paths(tmp_path):
    mappings = long_named_mappings(tmp_path)
    source = write_csv(tmp_path / "team.csv", team_rows(3))
    code, lines = piped("run", *map(str, mappings), "--source", str(source), "--dry-run")
    assert code == 0, lines
    # Each mapping's rule and its line in the overview table carry its whole name.
    for path in mappings:
        assert any(f"{path.name} (" in line and line.startswith("─") for line in lines), lines
        (row,) = [line for line in lines if line.startswith(f"│ {path.name} ")]
        assert row.split("│")[2].strip() == "3", row  # read: the next cell, not cut either
        # The preview's path, whole on one line.
        preview = path.with_suffix("").name + ".preview.jsonl"
        assert any(line.startswith("Every payload") and preview in line for line in lines)
    assert not [line for line in lines if "…" in line], lines
    # The rules stay a terminal's width, or their title's.
    assert all(len(line) <= len(LONG) + 20 for line in lines if line.startswith("─")), lines


def test_piped_inspect_shows_whole_column_names(tmp_path):
    names = [
        "id",
        "a_column_name_that_goes_on_and_on_and_on_for_longer_than_any_terminal_is_wide_really",
        "another_column_with_an_extremely_descriptive_name_that_nobody_would_ever_type_twice",
    ]
    export = write_csv(tmp_path / "people.csv", [["1", "x", "y"]], header=names)
    code, lines = piped("inspect", str(export))
    assert code == 0, lines
    for name in names[1:]:
        assert any(line.endswith(f"── {name}") for line in lines), lines


@pytest.mark.anyio
async def test_piped_status_shows_whole_reasons_and_sources(make_emulator, tmp_path):
    emulator = await make_emulator(faults=Faults(error_rate=1.0))
    folder = tmp_path / "an export folder with a long name, as exports' folders often have"
    folder.mkdir()
    source = write_csv(folder / "team-members-exported-from-the-old-intranet.csv", team_rows(2))
    ledger = tmp_path / "l.sqlite"
    run = [
        MIGRATOR, "--log-level", "error", "run", str(TEAM_MAPPING), "--source", str(source),
        "--ledger", str(ledger), "--max-attempts", "1", "--canary", "0", "--no-progress",
    ]  # fmt: skip
    done = await anyio.run_process(run, env=cli_env(emulator.base_url), check=False)
    assert done.returncode == 1, done.stdout.decode()

    code, lines = piped("status", "--ledger", str(ledger))
    assert code == 0, lines
    for n in (0, 1):
        # An example: target, identity and the source line, on one line of the table.
        assert any(f"person{n}@example.com ({source}:{n + 2})" in line for line in lines), lines
    assert any("gave up after 1 attempts: ButterCMS server error" in line for line in lines)
