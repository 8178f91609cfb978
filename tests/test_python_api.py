"""The public Python API: its names, and the example in docs/python-api.md run as written
against an emulator (with a local image host for the photos)."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest

import migrator
from migrator.emulator import sample_png

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "python-api.md"

PUBLIC = {
    "Butter",
    "CheckpointLedger",
    "ConfigError",
    "ContentModel",
    "EmulatorConfig",
    "Job",
    "LedgerEntry",
    "LedgerState",
    "Location",
    "Mapping",
    "MappingError",
    "MigratorError",
    "Payload",
    "Record",
    "RecordError",
    "RunOptions",
    "RunStats",
    "SiteResult",
    "Source",
    "SourceError",
    "VerifyStats",
    "dry_run",
    "load_content_model",
    "load_mapping",
    "load_site",
    "open_source",
    "plan_migration",
    "run_emulator",
    "run_migration",
    "run_site",
    "site_jobs",
    "verify_migration",
}


def test_all_is_the_curated_list_and_every_name_resolves():
    assert set(migrator.__all__) == PUBLIC == set(migrator._EXPORTS)
    for name in migrator.__all__:
        assert getattr(migrator, name) is not None, name
    assert issubclass(migrator.ConfigError, migrator.MigratorError)
    with pytest.raises(AttributeError, match="no attribute 'Submitter'"):
        _ = migrator.Submitter  # type: ignore[attr-defined]


def test_importing_migrator_loads_no_stage():
    code = "import sys, migrator; print(sorted(m for m in sys.modules if m.startswith('migrator')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['migrator']"


def doc_example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert blocks, "docs/python-api.md has its example"
    return blocks[0]


@pytest.mark.anyio
async def test_the_documented_example_runs_against_the_emulator(
    media_server, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(ROOT)  # the example names mappings/ relative to the repository
    with (ROOT / "migrator" / "samples" / "team_members.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):  # every photo the team mapping sends must answer
            media_server.images[row["photo"].removesuffix(".png")] = sample_png(1, 2, 3)
    namespace: dict[str, object] = {}
    exec(compile(doc_example(), str(DOC), "exec"), namespace)
    rehearse = namespace["rehearse"]
    assert callable(rehearse)

    code = await rehearse(tmp_path, f"{media_server.url}/img")

    out = capsys.readouterr().out
    assert code == 0, out
    assert "plan: 12 to create, 12 writes" in out
    assert "run: 12 accepted, exit code 0" in out
    # The site: the team unchanged (sent above), the pages created; all read back equal.
    lines = [line for line in out.splitlines() if line.endswith("verified")]
    assert lines[0] == "team_members.toml: 12 unchanged, 0 accepted, 12 verified"
    with (ROOT / "migrator" / "samples" / "landing_pages.csv").open(encoding="utf-8") as f:
        pages = sum(1 for _ in csv.DictReader(f))
    assert lines[1] == f"landing_pages.toml: 0 unchanged, {pages} accepted, {pages} verified"
    assert (tmp_path / "team_members.ledger.sqlite").exists()
    assert not (ROOT / "mappings" / "team_members.ledger.sqlite").exists()
