"""The shipped WordPress mappings, run into the emulator: every write must apply.

Featured images in the theme unit test data live on wpthemetestdata.files.wordpress.com;
there is no network here, so a local "mirror" serves a PNG for any path and the
mappings' ``media_host`` var points the URLs at it, as a user would point them at a
copy of wp-content/uploads.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from shared_data import REALDATA, needs_realdata

from migrator.engine import run_migration
from migrator.mapping import load_mapping
from migrator.records import Record
from migrator.sources import open_source
from tests.engine.conftest import options  # noqa: F401  (the RunOptions fixture)

ROOT = Path(__file__).resolve().parents[3]
MAPPINGS = ROOT / "mappings"
THEME = REALDATA / "wxr" / "wpimporter--theme-unit-test-data.xml"
SAMPLE = ROOT / "migrator" / "samples" / "wordpress.xml"
pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]


def expected_records(mapping, source: Path) -> list[Record]:
    """What the mapping should send: the records its filter takes (read independently
    of the engine)."""
    reader = open_source(mapping.source_format, source, **mapping.source_options)
    return [r for r in reader.records() if isinstance(r, Record) and mapping.filter.matches(r)]


async def migrate(name: str, source: Path, emulator, options, media_host: str):  # noqa: F811
    mapping = load_mapping(
        MAPPINGS / f"wordpress_{name}.toml", variables={"media_host": media_host}
    )
    opts = options(
        ledger_path=options().ledger_path.with_name(f"{name}.sqlite"),
        failures_path=options().failures_path.with_name(f"{name}.failures.jsonl"),
        rate=1000.0,
        concurrency=8,
        settle_delay=0.05,
        settle_timeout=0.3,
    )
    stats = await run_migration(
        mapping, source, opts, base_url=emulator.base_url, write_token="w-token",
        read_token="r-token",
    )  # fmt: skip
    await emulator.settle()
    return mapping, stats


@needs_realdata(THEME)
async def test_theme_unit_test_data_into_the_emulator(emulator, mirror, options) -> None:  # noqa: F811
    mirror_url, requests = mirror
    posts_mapping, posts = await migrate("posts", THEME, emulator, options, mirror_url)
    pages_mapping, pages = await migrate("pages", THEME, emulator, options, mirror_url)
    state = emulator.state()

    assert state["failures"] == []
    want_posts = expected_records(posts_mapping, THEME)
    want_pages = expected_records(pages_mapping, THEME)
    raw = THEME.read_bytes()
    # Independent of the source: the file's post and page items, trash excluded.
    items = re.findall(rb"<item>.*?</item>", raw, re.S)
    typed = Counter(
        re.search(rb"post_type>\s*(?:<!\[CDATA\[)?(\w+)", i).group(1).decode() for i in items
    )
    assert len(want_posts) == typed["post"] and len(want_pages) == typed["page"]
    assert (posts.sent.accepted, posts.plan.invalid, posts.sent.failed) == (len(want_posts), 0, 0)
    assert (pages.sent.accepted, pages.plan.invalid, pages.sent.failed) == (len(want_pages), 0, 0)
    assert len(state["posts"]) == len(want_posts)
    assert len(state["pages"]["landing_page"]) == len(want_pages)
    with_image = [r for r in want_posts if r.data["featured_image"]]
    assert with_image, "the theme data has featured images"
    stored = [p for p in state["posts"].values() if p["featured_image"]]
    assert len(stored) == len(with_image)
    assert all(p["featured_image"].startswith("https://cdn.buttercms.com/") for p in stored)
    assert requests, "featured images were downloaded from the mirror"


async def test_the_bundled_sample_into_the_emulator(emulator, media_server, options) -> None:  # noqa: F811
    results = {}
    for name in ("posts", "pages", "portfolio"):
        results[name] = await migrate(name, SAMPLE, emulator, options, media_server.url)
    state = emulator.state()

    assert state["failures"] == []
    assert {name: stats.sent.accepted for name, (_, stats) in results.items()} == {
        "posts": 5,  # six posts, one in the trash
        "pages": 2,
        "portfolio": 2,
    }
    post = state["posts"]["our-first-sourdough"]
    assert post["featured_image_alt"] == "A loaf on the bench"
    assert "<figcaption>The second loaf, still warm.</figcaption>" in post["body"]
    assert (
        "[caption" not in post["body"]
        and "<!-- wp:" not in state["posts"]["butter-three-ways"]["body"]
    )
    assert sorted(set(media_server.requests)) == ["/img/blue.png", "/img/green.png", "/img/red.png"]
    items = state["collections"]["portfolio"].values()
    assert sorted(i["fields"]["en"]["client"] for i in items) == ["Neighbourhood", "The Smiths"]
