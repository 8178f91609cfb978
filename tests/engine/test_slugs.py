"""Slugs from any script: transliterated, WordPress's percent-encoding decoded, an empty
one refused with a reason saying where it came from (issue 13, item 14)."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest

from migrator.engine import run_migration
from migrator.ledger import CheckpointLedger, LedgerState
from migrator.mapping import load_mapping
from migrator.sources import open_source
from migrator.verify import verify_migration
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
    # The summary's row says why and what to do (before: only "slug"); alone of its kind,
    # with the value it came from.
    (group,) = stats.failure_reasons
    assert group.startswith(
        "slug: empty (from 'title' = '🚀🎉'): nothing in it becomes a letter or digit. Map a "
        "field that has one, or add a fallback"
    ), group


@needs_realdata(WXR / "wpimporter--a11y-unit-test-data.xml")
@pytest.mark.parametrize(
    "export", ["wpimporter--a11y-unit-test-data.xml", "wpimporter--wxr-utf-8-challenges.xml"]
)
async def test_real_wordpress_exports_give_every_post_a_readable_slug(
    emulator, options, export, mirror
):
    # Their media comes from a local stand-in for the old site: no request leaves 127.0.0.1.
    host, _ = mirror
    stats, failures = await migrate(
        emulator, "wordpress_posts.toml", WXR / export, options, media_host=host
    )
    state = emulator.state()
    background = [f.get("reason", "") for f in state["failures"]]
    assert not [r for r in [f["reason"] for f in failures] + background if "slug" in r]
    assert stats.sent.accepted > 0 and state["posts"]
    assert_readable(state["posts"])


# --------------------------------------------------------------------- one slug, one record
# (issue 13, item 19)

THEME = WXR / "wpimporter--theme-unit-test-data.xml"
DRAFTS = 22


def site_with_drafts(tmp_path: Path, n: int = DRAFTS) -> Path:
    """The theme unit test data, its one untitled-slug "Draft" post copied until the site
    has ``n``: WordPress leaves a draft's post_name empty, so all would be ``draft``."""
    text = THEME.read_text(encoding="utf-8")
    items = re.findall(r"<item>(?:(?!</item>).)*?</item>", text, re.S)
    (draft,) = [i for i in items if "<title>Draft</title>" in i]
    assert "<wp:post_name>" not in draft and "<wp:status>draft</wp:status>" in draft
    copies = [
        re.sub(r"<wp:post_id>\d+</wp:post_id>", f"<wp:post_id>{90000 + k}</wp:post_id>", draft)
        for k in range(1, n)
    ]
    text = text.replace(draft, "\n".join([draft, *copies]), 1)
    path = tmp_path / "theme-with-drafts.xml"
    path.write_text(text, encoding="utf-8")
    return path


def mapping_with(tmp_path: Path, name: str, extra_target: str) -> Path:
    """A shipped mapping with more [target] keys, its own files found where they are."""
    text = (ROOT / "mappings" / name).read_text(encoding="utf-8")
    text = re.sub(
        r'^(model|links) = "([^"]+)"',
        lambda m: f'{m.group(1)} = "{(ROOT / "mappings" / m.group(2)).as_posix()}"',
        text,
        flags=re.M,
    )
    text = text.replace("[target]\n", f"[target]\n{extra_target}\n", 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def post_creates(emulator) -> int:
    return sum(
        1
        for r in emulator.state()["requests"]
        if r["method"] == "POST" and r["path"].rstrip("/").endswith("/posts")
    )


@needs_realdata(THEME)
async def test_drafts_sharing_a_slug_are_reported_naming_both_records_not_lost(
    emulator, options, tmp_path, mirror
):
    export = site_with_drafts(tmp_path)
    stats, failures = await migrate(
        emulator, "wordpress_posts.toml", export, options, media_host=mirror[0]
    )
    state = emulator.state()
    # One "draft" went; the other 21 were held back, none sent to be dropped by Butter.
    taken = [f for f in failures if "is taken by record" in f["reason"]]
    assert len(taken) == DRAFTS - 1
    assert stats.plan.invalid == len(taken)
    assert "draft" in state["posts"]
    assert post_creates(emulator) == stats.sent.accepted
    # Nothing failed in Butter's background: no post was dropped there.
    assert state["failures"] == []
    assert len(state["posts"]) == stats.sent.accepted
    first = re.search(r"is taken by record '([^']+)' \(([^)]+)\)", taken[0]["reason"])
    assert first is not None
    _holder, holder_source = first.groups()
    assert holder_source.startswith(str(export)) and holder_source != taken[0]["source"]
    assert all(f["source"].startswith(f"{export}:") for f in taken)
    assert len({f["source"] for f in taken}) == DRAFTS - 1  # each its own line
    assert taken[0]["reason"].startswith("slug 'draft' is taken by record")
    assert 'unique_slugs = "suffix"' in taken[0]["reason"]
    (group,) = [g for g in stats.failure_reasons if g.startswith("slug")]
    assert stats.failure_reasons[group] == DRAFTS - 1
    assert group.startswith(
        "slug … is taken by record … (…): Butter keeps one post per slug and would drop this "
        "one. Give it another slug, or set [target] unique_slugs = … to number them"
    ), group


@needs_realdata(THEME)
async def test_unique_slugs_suffix_numbers_the_drafts_the_same_way_every_run(
    emulator, options, tmp_path, media_server
):
    export = site_with_drafts(tmp_path)
    mapping = load_mapping(
        mapping_with(tmp_path, "wordpress_posts.toml", 'unique_slugs = "suffix"')
    )
    opts = options()

    async def run():
        stats = await run_migration(
            mapping, export, opts, base_url=emulator.base_url, write_token="w-token"
        )
        await emulator.settle()
        return stats

    first = await run()
    posts = emulator.state()["posts"]
    drafts = sorted((p for p in posts if re.fullmatch(r"draft(-\d+)?", p)), key=len)
    assert sorted(drafts) == sorted(["draft", *(f"draft-{n}" for n in range(2, DRAFTS + 1))])
    assert first.plan.invalid == 0
    creates = post_creates(emulator)
    # Again: every record has the slug it had, nothing to send.
    again = await run()
    assert (again.plan.to_send, again.plan.changed, again.sent.accepted) == (0, 0, 0)
    assert post_creates(emulator) == creates
    # Verify maps each draft again, numbers it the same way, and finds it as sent.
    checked = await verify_migration(
        mapping, export, opts, base_url=emulator.base_url, read_token="r-token"
    )
    assert checked.changed == 0
    with CheckpointLedger(opts.ledger_path, readonly=True) as ledger:
        drafts_state = {e.slug: e.state for e in ledger.entries("post") if e.slug in drafts}
    assert len(drafts_state) == DRAFTS
    assert set(drafts_state.values()) == {LedgerState.VERIFIED}


CSV_HEADER = "id,title,author_email,published,categories,tags,body,status\n"


def blog_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    body = "".join(
        f"{i},{t},ada@example.com,2024-01-15,News,,Text of {i},publish\n" for i, t in rows
    )
    path.write_text(CSV_HEADER + body, encoding="utf-8")
    return path


async def test_a_slug_the_ledger_holds_for_another_record_is_refused_before_sending(
    emulator, options, tmp_path
):
    mapping = load_mapping(ROOT / "mappings" / "blog_posts.toml")
    opts = options()
    one = blog_csv(tmp_path / "one.csv", [("1", "Hello")])
    await run_migration(mapping, one, opts, base_url=emulator.base_url, write_token="w-token")
    await emulator.settle()
    # A later export: another record (id 2) wants the slug record 1 holds in Butter.
    two = blog_csv(tmp_path / "two.csv", [("2", "Hello!")])
    stats = await run_migration(
        mapping, two, opts, base_url=emulator.base_url, write_token="w-token"
    )
    await emulator.settle()
    assert (stats.plan.invalid, stats.sent.accepted) == (1, 0)
    assert post_creates(emulator) == 1
    (line,) = [orjson.loads(x) for x in opts.failures_path.read_bytes().splitlines()]
    assert line["source"] == f"{two}:2"
    assert line["reason"].startswith(f"slug 'hello' is taken by record '1' ({one}:2)")
    assert emulator.state()["posts"]["hello"]["body"] == "<p>Text of 1</p>"


async def test_verify_names_the_record_holding_the_slug(emulator, options, tmp_path):
    """A ledger from before this check: two records accepted with one slug, Butter kept
    one. Verify says which record took the slug, not just "differs"."""
    mapping = load_mapping(ROOT / "mappings" / "blog_posts.toml")
    opts = options()
    both = blog_csv(tmp_path / "both.csv", [("1", "Hello"), ("2", "Hello")])
    only_one = blog_csv(tmp_path / "one.csv", [("1", "Hello")])
    await run_migration(mapping, only_one, opts, base_url=emulator.base_url, write_token="w-token")
    await emulator.settle()
    # Record 2 as an older migrator left it: accepted (Butter answered 202), then dropped.
    compiled = mapping.compile()
    records = list(open_source("csv", both, key="id").records())
    payload = compiled(records[1])
    assert payload is not None and payload.slug == "hello"
    with CheckpointLedger(opts.ledger_path) as ledger:
        ledger.begin(
            "post",
            "2",
            payload_hash=payload.hash,
            slug="hello",
            lookup=None,
            source=f"{both}:3",
        )
        ledger.mark_accepted("post", "2", payload_hash=payload.hash)
    stats = await verify_migration(
        mapping, both, opts, base_url=emulator.base_url, read_token="r-token"
    )
    assert (stats.verified, stats.differs) == (1, 1)
    reasons = [orjson.loads(x)["reason"] for x in opts.failures_path.read_bytes().splitlines()]
    (reason,) = [r for r in reasons if "slug" in r]
    assert reason.startswith(f"slug 'hello' taken by '1' ({only_one}:2)")


@needs_realdata(THEME)
async def test_the_theme_data_greek_page_slugs_come_out_readable(emulator, options, mirror):
    # WordPress exported them percent-encoded: %ce%b5%cf%80%ce%af%cf%80%ce%b5%ce%b4%ce%bf-2.
    host, _ = mirror
    stats, failures = await migrate(
        emulator, "wordpress_pages.toml", THEME, options, media_host=host
    )
    pages = emulator.state()["pages"]["landing_page"]
    assert {"epipedo-2", "epipedo-3"} <= set(pages)
    assert_readable(pages)
    assert (stats.plan.invalid, len(pages)) == (0, stats.sent.accepted), failures
