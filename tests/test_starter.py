"""`migrator init`: the starter project, as a new user gets it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from migrator.config import load_settings

ROOT = Path(__file__).resolve().parent.parent
MIGRATOR = str(Path(sys.executable).with_name("migrator"))


def migrator(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BUTTER_", "MIGRATOR_"))}
    return subprocess.run(
        [MIGRATOR, *args],
        cwd=cwd,
        env={**env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_init_writes_a_project_and_names_each_file(tmp_path):
    done = migrator(tmp_path, "init", "site")
    assert done.returncode == 0, done.stderr
    project = tmp_path / "site"
    written = sorted(p.relative_to(project) for p in project.rglob("*") if p.is_file())
    named = sorted(Path(line.removeprefix("wrote site/")) for line in done.stdout.splitlines()
                   if line.startswith("wrote "))  # fmt: skip
    assert named == written
    shipped = {p.name for p in (ROOT / "mappings").glob("*.toml")}
    assert {p.name for p in (project / "mappings").iterdir()} == shipped
    assert {p.name for p in (project / "samples").iterdir()} == {
        p.name for p in (ROOT / "migrator" / "samples").iterdir()
    }
    ignored = (project / ".gitignore").read_text().split()
    assert {".migrator/", "*.ledger.sqlite*", "*.failures.jsonl"} <= set(ignored)
    # Every default source path of a starter mapping is a file of the project.
    for mapping in (project / "mappings").glob("*.toml"):
        source = tomllib.loads(mapping.read_text())
        path = source.get("source", {}).get("path")
        if path is not None:
            assert (mapping.parent / path).resolve().is_file(), mapping.name
    shopify = (project / "mappings" / "shopify_products.toml").read_text()
    assert re.search(r'^# path = "\.\./tests/cases/shopify-products\.csv"', shopify, re.M)
    # Its profiles load as they are.
    for profile in (None, "rehearsal", "live"):
        load_settings(project / "migrator.toml", profile)


def test_init_refuses_to_overwrite_unless_forced(tmp_path):
    assert migrator(tmp_path, "init").returncode == 0
    model = tmp_path / "mappings" / "content-model.toml"
    model.write_text("# my edits\n")
    (tmp_path / "migrator.toml").unlink()
    done = migrator(tmp_path, "init")
    assert done.returncode == 2
    assert "already there: .gitignore, mappings/blog_posts.toml" in done.stderr
    assert "--force overwrites them" in done.stderr
    # Nothing was written: not even the file that was missing.
    assert model.read_text() == "# my edits\n"
    assert not (tmp_path / "migrator.toml").exists()
    done = migrator(tmp_path, "init", "--force")
    assert done.returncode == 0, done.stderr
    assert "wrote mappings/content-model.toml" in done.stdout
    assert model.read_text() == (ROOT / "mappings" / "content-model.toml").read_text()


def test_init_never_writes_through_a_link(tmp_path):
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep\n")
    project = tmp_path / "p"
    project.mkdir()
    (project / ".gitignore").symlink_to(target)
    done = migrator(tmp_path, "init", "p", "--force")
    assert done.returncode == 2 and "symbolic link" in done.stderr
    assert target.read_text() == "keep\n"


def test_the_starter_project_plans_with_its_rehearsal_profile(tmp_path):
    assert migrator(tmp_path, "init").returncode == 0
    done = migrator(
        tmp_path, "run", "mappings/team_members.toml", "--profile", "rehearsal", "--dry-run"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = " ".join(done.stdout.split())
    assert "new (would be created) │ 12" in out
    # The profile's state folder, named after its target.
    assert (tmp_path / ".migrator" / "127.0.0.1-8700" / "team_members.preview.jsonl").is_file()
