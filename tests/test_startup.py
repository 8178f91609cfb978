"""Start-up: help and --version import only what they print (issue 14).

Each case runs the real command line in a fresh interpreter and records which modules it
had loaded when it exited; the heavy ones load only when a command runs.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import migrator

# What a command needs and help does not: the HTTP stack, the parsers, SQLite, logging,
# the terminal tables, the event loop, and migrator's own stages.
HEAVY = {
    "aiohttp",
    "anyio",
    "asyncio",
    "ijson",
    "lxml",
    "nh3",
    "orjson",
    "rich",
    "sqlite3",
    "structlog",
    "migrator.butter",
    "migrator.engine",
    "migrator.mapping",
    "migrator.media",
    "migrator.netguard",
    "migrator.site.runner",
    "migrator.sources",
    "migrator.verify.run",
    "migrator.emulator.server",
    "migrator.ledger.store",
}

# Runs the command line as `python -m migrator` does, then writes the names of the loaded
# modules, and of the third-party distributions' modules among them, to the file argv[1].
PROBE = """
import atexit, runpy, sys
out, sys.argv = sys.argv[1], ["migrator", *sys.argv[2:]]
def third_party(name):
    path = getattr(sys.modules.get(name), "__file__", None) or ""
    return "site-packages" in path and not name.startswith(("migrator", "__editable__"))
before = {n.partition(".")[0] for n in list(sys.modules) if third_party(n)}
def record():
    names = list(sys.modules)
    extra = {n.partition(".")[0] for n in names if third_party(n)} - before
    with open(out, "w") as fh:
        fh.write(" ".join(names) + "\\n" + " ".join(sorted(extra)))
atexit.register(record)
runpy.run_module("migrator", run_name="__main__", alter_sys=True)
"""


def loaded_by(args: list[str], tmp_path: Path) -> tuple[str, set[str], set[str]]:
    """(stdout, modules loaded, third-party packages loaded) of ``migrator ARGS``."""
    out = tmp_path / "modules.txt"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    names, _, extra = out.read_text().partition("\n")
    return done.stdout, set(names.split()), set(extra.split())


def heavy_in(modules: set[str]) -> set[str]:
    return {m for m in modules if m in HEAVY or m.partition(".")[0] in HEAVY}


# (arguments, a line of what they print)
CASES = [
    (["--help"], "Move content into ButterCMS"),
    (["--version"], "version"),
    (["run", "--help"], "--rate"),
    (["emulator", "--help"], "--realistic"),
    (["verify", "--help"], "--recheck"),
    (["status", "--help"], "--ledger"),
    (["inspect", "--help"], "--scaffold"),
    (["demo", "--help"], "--workdir"),
]


@pytest.mark.parametrize(("args", "shown"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_help_imports_only_click(args, shown, tmp_path):
    stdout, modules, third_party = loaded_by(args, tmp_path)
    assert shown in stdout
    assert heavy_in(modules) == set()
    assert third_party == {"click"}


def test_the_top_level_help_lists_every_command_importing_none(tmp_path):
    from migrator.cli import COMMANDS, SUMMARIES

    assert set(SUMMARIES) == set(COMMANDS), "give the new command its line in SUMMARIES"
    stdout, modules, _ = loaded_by(["--help"], tmp_path)
    listed = stdout.partition("Commands:")[2]
    for name in COMMANDS:
        assert f"  {name} " in listed and SUMMARIES[name] in " ".join(listed.split())
    commands = {target.partition(":")[0] for target in COMMANDS.values()}
    assert commands & modules == set()


def test_a_command_that_runs_loads_what_it_needs(tmp_path):
    """The probe sees heavy modules when they are used (it can fail the other way)."""
    export = tmp_path / "team.csv"
    export.write_text("name,role\nAda,Engineer\n", encoding="utf-8")
    stdout, modules, _ = loaded_by(["inspect", "--json", str(export)], tmp_path)
    assert '"rows": 1' in stdout
    assert {"orjson", "migrator.sources"} <= modules


# What a plain CSV run has no use for: other formats, WordPress's transforms, Markdown,
# encoding detection (the export is UTF-8), the media checker, and structlog (nothing is
# logged at the warning level).
UNUSED_BY_A_CSV_RUN = {
    "chardet",
    "markdown_it",
    "slugify",
    "structlog",
    "pygments",
    "migrator.media",
    "migrator.mapping.wordpress_transforms",
    "migrator.sources.wordpress",
    "migrator.sources.json",
}


def test_a_csv_dry_run_loads_only_what_it_uses(tmp_path):
    mapping = Path(migrator.__file__).parent / "mappings" / "team_members.toml"
    export = tmp_path / "team.csv"
    export.write_text(
        "name,email,position,bio,photo,joined,active\n"
        "Ada,ada@example.com,Engineer,Bio,,03/15/2021,yes\n",
        encoding="utf-8",
    )
    args = ["--log-level", "warning", "run", str(mapping), "--source", str(export)]
    stdout, modules, _ = loaded_by([*args, "--dry-run", "--no-progress"], tmp_path)
    assert "Report:" in stdout
    assert {"migrator.engine", "migrator.sources.csv"} <= modules
    assert {m for m in modules if m.partition(".")[0] in UNUSED_BY_A_CSV_RUN} == set()
    assert {m for m in modules if m.startswith(tuple(UNUSED_BY_A_CSV_RUN))} == set()


@pytest.mark.parametrize(
    "front", ["site", "verify", "emulator", "ledger", "engine", "report", "sources"]
)
def test_a_lazy_front_gives_every_name_it_lists(front):
    package = importlib.import_module(f"migrator.{front}")
    assert set(package.__all__) <= set(dir(package))
    for name in package.__all__:
        assert getattr(package, name) is not None, f"migrator.{front}.{name}"
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        package.nothing_here  # noqa: B018


def test_the_python_api_still_imports_lazily():
    assert migrator.RunOptions.__module__.startswith("migrator.engine")
