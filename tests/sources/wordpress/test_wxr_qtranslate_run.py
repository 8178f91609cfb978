"""A qTranslate site (tests/cases/wxr-qtranslate.xml) through `migrator inspect
--scaffold` and `migrator run` into the emulator: each language arrives where it belongs.

Pages become a multi-locale collection (one locale per language); blog posts, which have
no locales in Butter, one post per language.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import anyio
import orjson
import pytest
from click.testing import CliRunner

from migrator.cli import cli
from migrator.model import load_content_model
from tests.engine.conftest import MIGRATOR, cli_env

CASES = Path(__file__).resolve().parents[2] / "cases"
SITE = CASES / "wxr-qtranslate.xml"
MODEL = CASES / "wxr-qtranslate-model.toml"
pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]


def scaffold(tmp_path: Path, kind: str) -> Path:
    """The scaffolded mapping, beside a copy of the account's content model."""
    shutil.copy(MODEL, tmp_path / "content-model.toml")
    out = tmp_path / f"{kind}.toml"
    result = CliRunner().invoke(cli, ["inspect", str(SITE), "--scaffold", kind, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


async def run(tmp_path: Path, mapping: Path, base_url: str) -> str:
    done = await anyio.run_process(
        [MIGRATOR, "--log-level", "warning", "run", str(mapping), "--ledger",
         str(tmp_path / f"{mapping.stem}.sqlite"), "--no-progress", "--rate", "1000",
         "--settle-delay", "0.2", "--settle-timeout", "0.6", "--canary", "0"],
        env=cli_env(base_url),
        check=False,
    )  # fmt: skip
    out = done.stdout.decode() + done.stderr.decode()
    assert done.returncode == 0, out
    return " ".join(out.split())


def test_inspect_shows_the_languages_and_the_default_it_guesses() -> None:
    result = CliRunner().invoke(cli, ["inspect", str(SITE), "--json"])
    locales = orjson.loads(result.output)["locales"]
    # Items whose title, excerpt or content carry markup: pages 20, 21 and posts 30, 31.
    assert locales == {"plugin": "qtranslate", "counts": {"fr": 4, "en": 4}, "default": "fr"}


async def test_pages_scaffold_sends_each_language_as_a_locale(make_emulator, tmp_path) -> None:
    emulator = await make_emulator(model=load_content_model(MODEL))
    mapping = scaffold(tmp_path, "page")
    text = mapping.read_text()
    assert 'locale = "fr"' in text and "[locales.en.fields]" in text
    await run(tmp_path, mapping, emulator.base_url)
    state = emulator.state()
    assert state["failures"] == []
    items = {i["fields"]["fr"]["slug"]: i["fields"] for i in state["collections"]["page"].values()}
    assert sorted(items) == ["a-propos", "contact", "sous-le-ciel"]
    heaven = items["sous-le-ciel"]
    # The title was XML comments in the export: once "Sous le cielUnder heaven".
    assert (heaven["fr"]["title"], heaven["en"]["title"]) == ("Sous le ciel", "Under heaven")
    assert (heaven["fr"]["summary"], heaven["en"]["summary"]) == ("À l'aube", "At dawn")
    assert heaven["fr"]["body"] == "<p>Le four est allumé à l'aube.</p>"
    assert heaven["en"]["body"] == "<p>The oven is lit at dawn.</p>"
    about = items["a-propos"]
    assert (about["fr"]["title"], about["en"]["title"]) == ("À propos", "About us")
    assert "We have baked since 1920." in about["en"]["body"]
    # No English excerpt: the mapping's fallback sends the French one.
    assert about["en"]["summary"] == "Depuis 1920"
    # No markup: the same text in both locales.
    assert items["contact"]["fr"]["title"] == items["contact"]["en"]["title"] == "Contact"


async def test_posts_scaffold_sends_a_post_per_language(make_emulator, tmp_path) -> None:
    emulator = await make_emulator(model=load_content_model(MODEL))
    mapping = scaffold(tmp_path, "post")
    assert "qtranslate_split = true" in mapping.read_text()
    summary = await run(tmp_path, mapping, emulator.base_url)
    state = emulator.state()
    assert state["failures"] == []
    posts = state["posts"]
    assert sorted(posts) == [
        "horaires", "le-levain", "le-levain-en", "pain-de-seigle", "pain-de-seigle-en"
    ]  # fmt: skip
    assert posts["le-levain"]["title"] == "Le levain"
    # The item's GMT date is each language's publication date.
    assert posts["le-levain"]["published"] == posts["le-levain-en"]["published"]
    assert posts["le-levain"]["published"] == "2013-03-04T09:00:00Z"
    assert posts["le-levain-en"]["title"] == "Sourdough starter"
    assert "Feed the starter every day." in posts["le-levain-en"]["body"]
    assert "Nourrir" not in posts["le-levain-en"]["body"]
    assert posts["le-levain"]["categories"] == ["Nouvelles"]
    assert posts["le-levain-en"]["categories"] == ["News"]
    assert posts["pain-de-seigle-en"]["title"] == "Rye bread"
    # No English content for the rye bread: French is sent, and the user is told.
    assert "Seigle, eau, sel." in posts["pain-de-seigle-en"]["body"]
    assert "qTranslate: 2 items split into 4 records, one per language (fr, en)" in summary
    warnings = (tmp_path / "post.warnings.jsonl").read_text().splitlines()
    assert [(w["identity"], w["field"]) for w in map(orjson.loads, warnings)] == [
        ("31:en", "content")
    ]
