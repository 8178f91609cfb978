"""What Butter receives of a WordPress post's title and terms, through the shipped posts
mapping (``tests/cases/wxr-escaped-markup.xml``):

- a title that writes the text ``<html>`` escaped (``&lt;html&gt;``, in CDATA or not) keeps
  it as text; real markup in a title is stripped;
- one category or tag named twice (two terms "News" and "news") is sent once.
"""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from shared_data import REALDATA, needs_realdata

from tests.engine.conftest import MIGRATOR, cli_env, writes

ROOT = Path(__file__).resolve().parents[2]
POSTS = ROOT / "mappings" / "wordpress_posts.toml"
CASE = ROOT / "tests" / "cases" / "wxr-escaped-markup.xml"
THEME = REALDATA / "wxr" / "wpimporter--theme-unit-test-data.xml"
pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]


async def migrate(
    source: Path, state: Path, base_url: str, media_host: str = ""
) -> tuple[int, str]:
    args = [
        MIGRATOR, "--log-level", "warning", "run", str(POSTS), "--source", str(source),
        "--state", str(state), "--no-progress", "--canary", "0", "--rate", "1000",
        "--concurrency", "8", "--settle-delay", "0.05", "--settle-timeout", "0.3",
        "--var", f"media_host={media_host}",
    ]  # fmt: skip
    done = await anyio.run_process(args, env=cli_env(base_url, COLUMNS="200"), check=False)
    return done.returncode, done.stdout.decode() + done.stderr.decode()


async def test_escaped_markup_in_a_title_stays_text(emulator, tmp_path) -> None:
    code, out = await migrate(CASE, tmp_path / "state", emulator.base_url)
    assert code == 0, out
    titles = {p["slug"]: p["title"] for p in emulator.state()["posts"].values()}
    assert titles == {
        "using-html-cdata": "Using <html> tags",
        "using-html-escaped": "Using <html> tags",
        "title-with-markup": "Title With Markup",
    }


async def test_a_category_named_twice_is_sent_once(emulator, tmp_path) -> None:
    code, out = await migrate(CASE, tmp_path / "state", emulator.base_url)
    assert code == 0, out
    state = emulator.state()
    assert len(writes(state)) == 3
    posts = list(state["posts"].values())
    assert [p["categories"] for p in posts] == [["News", "HTML"]] * 3
    assert [p["tags"] for p in posts] == [["markup"]] * 3
    assert state["categories"] == ["HTML", "News"]


@needs_realdata(THEME)
async def test_the_theme_unit_test_titles(emulator, mirror, tmp_path) -> None:
    """Its titles with markup and special characters come out as the text WordPress shows;
    a post whose categories name one twice sends it once."""
    code, out = await migrate(THEME, tmp_path / "state", emulator.base_url, mirror[0])
    await emulator.settle()
    assert code == 0, out
    posts = list(emulator.state()["posts"].values())
    titles = {p["title"] for p in posts}
    assert "Markup: Title With Markup" in titles, out
    assert "Markup: Title With Special Characters ~`!@#$%^&*()-_=+{}[]/\\;:'\"?,.>" in titles
    # Post 1152 has two categories named "Foo A" (slugs foo-a and foo-a-2): sent once.
    (edge,) = [p for p in posts if "Foo Parent" in p["categories"]]
    assert edge["categories"].count("Foo A") == 1, edge["categories"]
    for post in posts:
        for names in (post["categories"], post["tags"]):
            assert len({n.casefold() for n in names}) == len(names), names
