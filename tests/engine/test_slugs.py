"""Slugs from any script: transliterated, WordPress's percent-encoding decoded, an empty
one refused with a reason saying where it came from (issue 13, item 14)."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest

from migrator.engine import run_migration
from migrator.mapping import load_mapping
from tests.shared_data import REALDATA, needs_realdata

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "cases"
WXR = REALDATA / "wxr"
# A readable slug: ASCII words, and not the hex of percent-encoded bytes ("d9-85-d9-82").
READABLE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
HEX_BYTES = re.compile(r"^([0-9a-f]{2}-)+[0-9a-f]{2}$")


async def migrate(emulator, mapping_name: str, source: Path, options, **variables: str):
    mapping = load_mapping(ROOT / "mappings" / mapping_name, variables=variables or None)
    opts = options()
    stats = await run_migration(
        mapping, source, opts, base_url=emulator.base_url, write_token="w-token"
    )
    await emulator.settle()
    failures = []
    if opts.failures_path.exists():
        failures = [orjson.loads(x) for x in opts.failures_path.read_bytes().splitlines()]
    return stats, failures


def assert_readable(slugs) -> None:
    for slug in slugs:
        assert READABLE.match(slug) and not HEX_BYTES.match(slug), slug


async def test_a_persian_wordpress_site_gets_readable_slugs_and_keeps_every_tag(emulator, options):
    stats, failures = await migrate(
        emulator, "wordpress_posts.toml", CASES / "wxr-persian-site.xml", options
    )
    assert (stats.plan.invalid, stats.sent.accepted, stats.sent.failed) == (0, 7, 0), failures
    posts = emulator.state()["posts"]
    assert sorted(posts) == [
        "kalemera-kosme",  # %ce%ba%ce%b1... decoded, then transliterated
        "mqlh-wl",  # مقاله-اول
        "ni-hao-shi-jie",  # 你好世界
        "pyshnwys-drbrhy-m",  # a draft: no post_name, made from its title
        "slm-dny",  # سلام-دنیا
        "strasse-cafe-aeroskobing",
        "yddshthy-sfr-bh-sfhn",
    ]
    assert_readable(posts)
    # Nine tag names, four of them Chinese ("是" and "事" both read "shi"): all nine kept.
    assert sorted(emulator.state()["tags"]) == sorted(
        ["برنامه‌نویسی", "پایتون", "وردپرس", "سفر", "中文", "编程", "是", "事", "Ελληνικά"]
    )
    assert posts["ni-hao-shi-jie"]["tags"] == ["中文", "编程", "是", "事"]


async def test_csv_titles_in_other_scripts_become_slugs_and_an_empty_one_says_why(
    emulator, options
):
    stats, failures = await migrate(
        emulator, "blog_posts.toml", CASES / "csv-non-latin-titles.csv", options
    )
    posts = emulator.state()["posts"]
    assert sorted(posts) == [
        "aeroskobing",
        "dong-jing-nochun",
        "mqlh-wl",
        "privet-mir",
        "strasse-cafe",
    ]
    # The one title with no letter or digit at all: refused before sending, and why.
    assert (stats.plan.invalid, stats.sent.accepted) == (1, 5)
    (failure,) = failures
    assert failure["source"].endswith("csv-non-latin-titles.csv:7")
    assert failure["reason"].startswith("slug: empty (from 'title' = '🚀🎉')")
    assert 'from = ["slug", "id"]' in failure["reason"]


@needs_realdata(WXR / "wpimporter--a11y-unit-test-data.xml")
@pytest.mark.parametrize(
    "export", ["wpimporter--a11y-unit-test-data.xml", "wpimporter--wxr-utf-8-challenges.xml"]
)
async def test_real_wordpress_exports_give_every_post_a_readable_slug(
    make_emulator, options, export
):
    # Their media is on hosts this machine may not reach: give up on it quickly.
    emulator = await make_emulator(media_timeout=2.0)
    stats, failures = await migrate(emulator, "wordpress_posts.toml", WXR / export, options)
    state = emulator.state()
    background = [f.get("reason", "") for f in state["failures"]]
    assert not [r for r in [f["reason"] for f in failures] + background if "slug" in r]
    assert stats.sent.accepted > 0 and state["posts"]
    assert_readable(state["posts"])
