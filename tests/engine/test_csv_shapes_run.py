"""`migrator run` of a headerless, commented CSV with backslash-escaped quotes: the
[source] options reach the reader, and Butter receives the values as the file meant them."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from tests.engine.conftest import MIGRATOR, TEAM_MAPPING, cli_env, items_by_email

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]

# No header row, a comment line, a quote escaped with a backslash (a MySQL-style export).
EXPORT = (
    "# team export, no header\n"
    'Jim,jim@example.com,Wrestler,"\\"Hacksaw\\" Jim Duggan",,03/15/2021,yes\n'
    'Ada,ada@example.com,Engineer,"Wrote \\"notes\\"",,12/10/2020,no\n'
)
OPTIONS = """key = "email"
header = false
columns = ["name", "email", "position", "bio", "photo", "joined", "active"]
comment = "#"
escape = "\\\\"
"""


def mapping(tmp_path: Path, options: str) -> Path:
    text = TEAM_MAPPING.read_text(encoding="utf-8")
    text = text.replace(
        'model = "content-model.toml"', f'model = "{ROOT / "mappings"}/content-model.toml"'
    )
    old = next(line for line in text.splitlines(keepends=True) if line.startswith("key = "))
    path = tmp_path / "team.toml"
    path.write_text(text.replace(old, options), encoding="utf-8")
    return path


def run(tmp_path: Path, toml: Path, base_url: str, *extra: str):
    source = tmp_path / "team.csv"
    source.write_text(EXPORT, encoding="utf-8")
    return anyio.run_process(
        [MIGRATOR, "--log-level", "warning", "run", str(toml), "--source", str(source),
         "--ledger", str(tmp_path / "l.sqlite"), "--no-progress", "--settle-delay", "0.2",
         "--settle-timeout", "0.6", "--canary", "0", *extra],
        env=cli_env(base_url),
        check=False,
    )  # fmt: skip


async def test_the_shape_options_read_the_file_as_meant(emulator, tmp_path):
    done = await run(tmp_path, mapping(tmp_path, OPTIONS), emulator.base_url)
    out = done.stdout.decode() + done.stderr.decode()
    assert done.returncode == 0, out
    assert "1 comment line skipped" in out
    items = items_by_email(emulator.state())
    assert sorted(items) == ["ada@example.com", "jim@example.com"]
    assert items["jim@example.com"][0]["fields"]["en"]["bio"] == '"Hacksaw" Jim Duggan'
    assert items["ada@example.com"][0]["fields"]["en"]["bio"] == 'Wrote "notes"'


async def test_a_bad_shape_option_stops_before_sending(emulator, tmp_path):
    bad = OPTIONS.replace("header = false\n", "")
    done = await run(tmp_path, mapping(tmp_path, bad), emulator.base_url)
    out = done.stdout.decode() + done.stderr.decode()
    assert done.returncode == 2, out
    assert "columns" in out and "header = false" in out and "Traceback" not in out
    assert emulator.state()["requests"] == []


async def test_a_guessed_encoding_is_said_in_the_run_summary(emulator, tmp_path):
    toml = mapping(tmp_path, 'key = "email"\n')
    source = tmp_path / "team.csv"
    text = (
        "name,email,position,bio,photo,joined,active\n"
        "Łucja Wąs,lucja@example.com,Księgowa,Zażółć gęślą jaźń,,03/15/2021,yes\n"
        "Paweł Źdźbło,pawel@example.com,Kierowca,Pchnąć w tę łódź jeża,,12/10/2020,no\n"
    )
    source.write_bytes(text.encode("iso-8859-2"))
    done = await anyio.run_process(
        [MIGRATOR, "--log-level", "warning", "run", str(toml), "--source", str(source),
         "--ledger", str(tmp_path / "l.sqlite"), "--no-progress", "--settle-delay", "0.2",
         "--settle-timeout", "0.6", "--canary", "0"],
        env=cli_env(emulator.base_url),
        check=False,
    )  # fmt: skip
    out = done.stdout.decode() + done.stderr.decode()
    assert done.returncode == 0, out
    assert "read as iso8859-2, guessed from the whole file" in " ".join(out.split())
    items = items_by_email(emulator.state())
    assert items["lucja@example.com"][0]["fields"]["en"]["name"] == "Łucja Wąs"
    assert items["pawel@example.com"][0]["fields"]["en"]["bio"] == "Pchnąć w tę łódź jeża"
