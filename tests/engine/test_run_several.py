"""`migrator run A.toml B.toml ...`: several mappings in one command, referenced first."""

from __future__ import annotations

import re
from pathlib import Path

import anyio
import pytest

from migrator.config import target_slug
from migrator.mapping import load_mapping
from migrator.site import referenced_collections, run_order
from tests.engine.conftest import (
    MIGRATOR,
    TEAM_MAPPING,
    cli_env,
    items_by_email,
    team_rows,
    write_csv,
    writes,
)

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "mappings" / "content-model.toml"
SAMPLE_WXR = ROOT / "migrator" / "samples" / "wordpress.xml"

PAGES = f"""
model = "{MODEL}"
[source]
format = "csv"
key = "headline"
path = "pages.csv"
[target]
kind = "page"
page_type = "landing_page"
title = {{ from = "headline" }}
slug = {{ from = "headline", transforms = ["slugify"] }}
status = "published"
[fields]
headline = {{ from = "headline" }}
team = {{ from = "members", ref = "email", transforms = [{{ name = "split", sep = "|" }}] }}
"""


def write_inputs(tmp_path: Path) -> tuple[Path, Path]:
    """A pages mapping that references team members, and a team mapping, each with its
    own source beside it."""
    write_csv(tmp_path / "team.csv", team_rows(3))
    team = tmp_path / "team.toml"
    text = TEAM_MAPPING.read_text(encoding="utf-8")
    text = text.replace('model = "content-model.toml"', f'model = "{MODEL}"')
    team.write_text(_with_source(text, "team.csv"), encoding="utf-8")
    write_csv(
        tmp_path / "pages.csv",
        [["About", "person0@example.com|person2@example.com"], ["Contact", "person1@example.com"]],
        header=["headline", "members"],
    )
    pages = tmp_path / "pages.toml"
    pages.write_text(PAGES, encoding="utf-8")
    return pages, team


def _with_source(text: str, name: str) -> str:
    old = 'path = "../migrator/samples/team_members.csv"'
    assert old in text
    return text.replace(old, f'path = "{name}"')


def test_a_mapping_runs_after_the_collections_it_references(tmp_path):
    pages, team = (load_mapping(p) for p in write_inputs(tmp_path))
    assert referenced_collections(pages) == {"team_members"}
    assert referenced_collections(team) == set()
    assert run_order([pages, team]) == [team, pages]
    assert run_order([team, pages]) == [team, pages]


async def test_pages_given_first_still_get_their_team_ids_in_one_write(emulator, tmp_path):
    pages, team = write_inputs(tmp_path)
    done = await anyio.run_process(
        [MIGRATOR, "--log-level", "warning", "run", str(pages), str(team), "--no-progress",
         "--rate", "200", "--settle-delay", "0.2", "--settle-timeout", "0.6"],
        env={**cli_env(emulator.base_url), "COLUMNS": "160"},
        check=False,
    )  # fmt: skip
    out = done.stdout.decode()
    assert done.returncode == 0, out + done.stderr.decode()
    assert out.index("team.toml (1/2)") < out.index("pages.toml (2/2)")
    assert "All mappings" in out
    await emulator.settle()
    state = emulator.state()
    ids = {email: items[0]["id"] for email, items in items_by_email(state).items()}
    about = state["pages"]["landing_page"]["about"]["fields"]["en"]["team"]
    assert about == [ids["person0@example.com"], ids["person2@example.com"]]
    # The team existed before the pages were written: no reference was patched in later.
    assert [r["method"] for r in writes(state)] == ["POST"] * 5
    assert state["failures"] == []
    # Each mapping kept its own ledger, in the target's state folder (not beside it).
    folder = tmp_path / "state" / target_slug(emulator.base_url)
    assert (folder / "team.ledger.sqlite").exists() and (folder / "pages.ledger.sqlite").exists()
    assert not list(tmp_path.glob("*.ledger.sqlite"))


async def test_a_wordpress_site_in_one_command(emulator, media_server, tmp_path):
    names = ("posts", "pages", "portfolio")
    for name in names:  # copies beside the test's own ledgers
        text = (ROOT / "mappings" / f"wordpress_{name}.toml").read_text(encoding="utf-8")
        text = text.replace('model = "content-model.toml"', f'model = "{MODEL}"')
        text = text.replace('"wordpress-links.toml"', f'"{ROOT}/mappings/wordpress-links.toml"')
        (tmp_path / f"wordpress_{name}.toml").write_text(text, encoding="utf-8")
    # media_host: all three mappings declare it; author_email: only the posts mapping.
    variables = ["--var", f"media_host={media_server.url}"]
    variables += ["--var", "author_email=ada@example.com"]
    args = [MIGRATOR, "--log-level", "warning", "run",
            *(str(tmp_path / f"wordpress_{n}.toml") for n in names),
            "--source", str(SAMPLE_WXR), "--no-progress", "--rate", "200", *variables]  # fmt: skip
    done = await anyio.run_process(args, env=cli_env(emulator.base_url), check=False)
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    await emulator.settle()
    state = emulator.state()
    assert state["failures"] == []
    assert (len(state["posts"]), len(state["pages"]["landing_page"])) == (5, 2)
    assert len(state["collections"]["portfolio"]) == 2

    # A variable no mapping declares is a usage error, and nothing is sent.
    before = len(state["requests"])
    bad = await anyio.run_process(
        [*args, "--var", "nope=1"], env=cli_env(emulator.base_url), check=False
    )
    assert bad.returncode == 2 and "nope" in bad.stderr.decode()
    assert len(emulator.state()["requests"]) == before


async def test_one_ledger_for_several_mappings_is_refused(tmp_path):
    pages, team = write_inputs(tmp_path)
    done = await anyio.run_process(
        [MIGRATOR, "run", str(pages), str(team), "--ledger", str(tmp_path / "x.sqlite"),
         "--dry-run"],
        check=False,
    )  # fmt: skip
    assert done.returncode == 2 and "--ledger" in done.stderr.decode()
    assert not (tmp_path / "x.sqlite").exists()


LIBRARY_MODEL = """
[locales]
default = "en"
available = ["en"]
[collections.authors.fields]
name = { type = "short_text", required = true }
best_book = { type = "reference", to = "collection:books" }
[collections.books.fields]
title = { type = "short_text", required = true }
author = { type = "reference", to = "collection:authors" }
"""
LIBRARY_MAPPING = """
model = "model.toml"
[source]
format = "csv"
key = "{key}"
path = "{name}.csv"
[target]
kind = "collection"
collection = "{name}"
lookup_field = "{key}"
status = "published"
[fields]
{key} = {{ from = "{key}" }}
{ref} = {{ from = "{ref}", ref = "{other}" }}
"""


async def test_a_cycle_between_mappings_is_closed_by_a_second_pass(make_emulator, tmp_path):
    from migrator.model import load_content_model

    (tmp_path / "model.toml").write_text(LIBRARY_MODEL, encoding="utf-8")
    for name, key, ref, other in (
        ("authors", "name", "best_book", "title"),
        ("books", "title", "author", "name"),
    ):
        (tmp_path / f"{name}.toml").write_text(
            LIBRARY_MAPPING.format(name=name, key=key, ref=ref, other=other), encoding="utf-8"
        )
    write_csv(tmp_path / "authors.csv", [["Le Guin", "Earthsea"]], header=["name", "best_book"])
    write_csv(tmp_path / "books.csv", [["Earthsea", "Le Guin"]], header=["title", "author"])
    emulator = await make_emulator(model=load_content_model(tmp_path / "model.toml"))

    done = await anyio.run_process(
        [MIGRATOR, "--log-level", "warning", "run", str(tmp_path / "authors.toml"),
         str(tmp_path / "books.toml"), "--no-progress", "--rate", "200", "--settle-delay", "0.2",
         "--settle-timeout", "0.6"],
        env={**cli_env(emulator.base_url), "COLUMNS": "160"},
        check=False,
    )  # fmt: skip
    out = done.stdout.decode()
    assert done.returncode == 0, out + done.stderr.decode()
    assert "authors.toml: second pass for its references" in out
    await emulator.settle()
    state = emulator.state()
    (author,) = state["collections"]["authors"].values()
    (book,) = state["collections"]["books"].values()
    assert author["fields"]["en"]["best_book"] == book["id"]
    assert book["fields"]["en"]["author"] == author["id"]
    assert state["failures"] == []


def _library(tmp_path: Path, authors: list[list[str]], books: list[list[str]]) -> None:
    (tmp_path / "model.toml").write_text(LIBRARY_MODEL, encoding="utf-8")
    for name, key, ref, other in (
        ("authors", "name", "best_book", "title"),
        ("books", "title", "author", "name"),
    ):
        (tmp_path / f"{name}.toml").write_text(
            LIBRARY_MAPPING.format(name=name, key=key, ref=ref, other=other), encoding="utf-8"
        )
    write_csv(tmp_path / "authors.csv", authors, header=["name", "best_book"])
    write_csv(tmp_path / "books.csv", books, header=["title", "author"])


def _overview(out: str) -> dict[str, list[str]]:
    """The "All mappings" table: each mapping's row, its cells."""
    rows = out[out.index("All mappings") :].splitlines()
    cells = [[c.strip() for c in re.split(r"[│┃]", row)[1:-1]] for row in rows if "│" in row]
    return {row[0]: row[1:] for row in cells if row and row[0].endswith(".toml")}


async def test_the_overview_shows_what_each_mapping_did_not_its_second_pass(
    make_emulator, tmp_path
):
    """Before: the authors' row showed its second pass: 0 sent, 3 unchanged, 1 + 2 calls."""
    from migrator.model import load_content_model

    _library(
        tmp_path,
        [["Le Guin", "Earthsea"], ["Tolkien", ""], ["Austen", ""]],
        [["Earthsea", "Le Guin"], ["Emma", "Austen"]],
    )
    emulator = await make_emulator(model=load_content_model(tmp_path / "model.toml"))
    done = await anyio.run_process(
        [MIGRATOR, "--log-level", "warning", "run", str(tmp_path / "authors.toml"),
         str(tmp_path / "books.toml"), "--no-progress", "--rate", "500", "--settle-delay", "0.1",
         "--settle-timeout", "0.3", "--canary", "0"],
        env={**cli_env(emulator.base_url), "COLUMNS": "200"},
        check=False,
    )  # fmt: skip
    out = done.stdout.decode()
    assert done.returncode == 0, out + done.stderr.decode()
    assert "authors.toml: second pass for its references" in out
    # read, sent, unchanged, invalid, failed, links, calls (the second pass's 1 write added)
    assert _overview(out) == {
        "authors.toml": ["3", "3", "0", "0", "0", "0", "4 + 4"],
        "books.toml": ["2", "2", "0", "0", "0", "0", "2 + 2"],
    }
    assert "authors.toml: a second pass patched in 1 reference(s)" in out
