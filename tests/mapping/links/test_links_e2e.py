"""A WordPress site migrated into the emulator with its links rewritten: posts, pages and
portfolio items link to each other through every kind of old URL."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import orjson
import pytest

from migrator.engine import plan_migration, run_migration
from migrator.mapping import load_mapping
from tests.conftest import opens_of

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[3]
SAMPLE_WXR = ROOT / "migrator" / "samples" / "wordpress.xml"
OLD = "https://bakery.example.com"

# (old URL as a writer linked it, what the new site's link must be)
LINKS = [
    (f"{OLD}/2024/03/butter-three-ways/", "/blog/butter-three-ways"),
    ("http://www.bakery.example.com/2024/03/butter-three-ways", "/blog/butter-three-ways"),
    ("/?p=12", "/blog/a-morning-at-the-bakery"),
    ("https://bakery.wordpress.com/?page_id=21#hours", "/visit#hours"),
    (f"{OLD}/about/visit/", "/visit"),
    (f"{OLD}/portfolio/smith-wedding/", "/portfolio/smith-wedding"),
    (f"{OLD}/2023/12/01/our-first-sourdough/", "/blog/our-first-sourdough"),
    (f"{OLD}/archives/11", "/blog/butter-three-ways"),
    (f"{OLD}/", "/"),
]
UNMAPPED = [f"{OLD}/category/recipes/", f"{OLD}/2023/01/old-price-list/"]  # archive; trashed
KEPT = ["https://en.wikipedia.org/wiki/Sourdough", "mailto:hello@bakery.example.com"]


def anchors(urls: list[str]) -> str:
    return " ".join(f'<a href="{u}">link {i}</a>' for i, u in enumerate(urls))


def site_export(tmp_path: Path) -> Path:
    text = SAMPLE_WXR.read_text(encoding="utf-8")
    post = "Read <a href="
    assert post in text
    every = [old for old, _ in LINKS] + UNMAPPED + KEPT
    text = text.replace(post, anchors(every) + "\n\n" + post, 1)
    page = "Come in and say hello."
    text = text.replace(
        page,
        page + '\n\n<img src="http://media.invalid/img/green.png" alt="The shop"> '
        f'<a href="{OLD}/2024/04/a-morning-at-the-bakery/">our mornings</a>',
    )
    path = tmp_path / "export.xml"
    path.write_text(text, encoding="utf-8")
    return path


def hrefs(html: str) -> list[str]:
    import re

    return re.findall(r'href="([^"]*)"', html)


def lines(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


async def test_links_in_bodies_point_to_the_new_paths(emulator, media_server, tmp_path, options):
    export = site_export(tmp_path)
    mappings = {
        name: load_mapping(
            ROOT / "mappings" / f"wordpress_{name}.toml",
            variables={"media_host": media_server.url},
        )
        for name in ("posts", "pages", "portfolio")
    }
    results = {}
    for name, mapping in mappings.items():
        opts = options(
            ledger_path=tmp_path / f"{name}.sqlite",
            failures_path=tmp_path / f"{name}.failures.jsonl",
        )
        results[name] = (
            await run_migration(
                mapping, export, opts, base_url=emulator.base_url, write_token="w-token"
            ),
            opts,
        )
    await emulator.settle()
    state = emulator.state()
    assert state["failures"] == []

    body = state["posts"]["our-first-sourdough"]["body"]
    links = hrefs(body)
    expected = [new for _, new in LINKS] + UNMAPPED + KEPT
    assert links[: len(expected)] == expected
    # The link that was in the sample already: the about page.
    assert "/about" in links[len(expected) :]

    # The post's inline image was copied into Butter's media library (from the media host).
    posts, posts_opts = results["posts"]
    assert "https://cdn.buttercms.com/" in body and "media.invalid" not in body
    assert "/img/red.png" in media_server.requests
    sent = [r for r in state["requests"] if r["path"] == "/v2/posts/"]
    assert sent, "posts were sent"

    # What could not be mapped is in the warnings file, once per record and URL.
    warned = lines(posts_opts.warnings_path)
    assert sorted(w["url"] for w in warned if w["identity"] == "10") == sorted(UNMAPPED)
    shortcodes = [w for w in warned if w["reason"].startswith("unknown shortcodes")]
    assert [(w["identity"], w["field"], w["reason"]) for w in shortcodes] == [
        ("13", "body", "unknown shortcodes left as text: [pullquote] ×1")
    ]
    assert all("no migrated record" in w["reason"] for w in warned if w not in shortcodes)
    assert posts.plan.links_rewritten >= len(LINKS) + 2  # + the about link and the inline image

    # A page: its link rewritten; its inline image noted, since Butter won't fetch it.
    about = state["pages"]["landing_page"]["about"]["fields"]["en"]["body"]
    assert '<a href="/blog/a-morning-at-the-bakery">' in about
    assert f'src="{media_server.url}/img/green.png"' in about, "moved to the media host"
    _, pages_opts = results["pages"]
    (note,) = [w for w in lines(pages_opts.warnings_path) if w["identity"] == "20"]
    assert note["field"] == "fields.body" and note["url"] == f"{media_server.url}/img/green.png"
    assert "does not copy images" in note["reason"]


async def test_a_dry_run_shows_the_rewritten_bodies(media_server, tmp_path, options):
    export = site_export(tmp_path)
    mapping = load_mapping(
        ROOT / "mappings" / "wordpress_posts.toml", variables={"media_host": media_server.url}
    )
    opts = options()
    stats = await plan_migration(mapping, export, opts)
    (first,) = [p for p in lines(opts.preview_path) if p["identity"] == "10"]
    assert hrefs(first["body"]["body"])[: len(LINKS)] == [new for _, new in LINKS]
    assert first["body"]["upload_images_to_media_library"] is True
    assert stats.plan.warning_reasons and stats.plan.links_rewritten >= len(LINKS)


async def test_a_post_added_later_turns_an_unmapped_link_into_an_update(
    emulator, media_server, tmp_path, options
):
    """A link to a post not migrated yet is reported; once the post is in the export the
    linking post's payload changes, so a re-import updates it."""
    export = tmp_path / "export.xml"
    text = SAMPLE_WXR.read_text(encoding="utf-8")
    future = f"{OLD}/2024/06/rye-bread/"
    text = text.replace("Read <a href=", f'<a href="{future}">rye</a>\n\nRead <a href=', 1)
    export.write_text(text, encoding="utf-8")
    mapping = load_mapping(
        ROOT / "mappings" / "wordpress_posts.toml", variables={"media_host": media_server.url}
    )
    opts = options()
    first = await run_migration(
        mapping, export, opts, base_url=emulator.base_url, write_token="w-token"
    )
    # (The sample's [pullquote] is a warning too, without a URL.)
    urls = [w["url"] for w in lines(opts.warnings_path) if w["url"]]
    assert first.sent.accepted == 5 and urls == [future]

    # The new post: a copy of post 11 as post 16, at the URL the first post links to.
    start = text.index("<item>", text.index("<wp:post_id>10</wp:post_id>"))
    post11 = text[start : text.index("</item>", start) + len("</item>")]
    added = (
        post11.replace("<wp:post_id>11<", "<wp:post_id>16<")
        .replace("2024/03/butter-three-ways", "2024/06/rye-bread")
        .replace("<![CDATA[butter-three-ways]]>", "<![CDATA[rye-bread]]>")
        .replace("?p=11", "?p=16")
    )
    export.write_text(text.replace("</channel>", added + "\n</channel>"), encoding="utf-8")
    await emulator.settle()
    second = await run_migration(
        mapping, export, opts, base_url=emulator.base_url, write_token="w-token"
    )
    await emulator.settle()
    assert (second.sent.accepted, second.sent.updated, second.plan.unchanged) == (1, 1, 4)
    assert [w for w in lines(opts.warnings_path) if w["url"]] == []
    body = emulator.state()["posts"]["our-first-sourdough"]["body"]
    assert '<a href="/blog/rye-bread">rye</a>' in body


async def test_malformed_urls_are_left_as_they_are_not_a_crash(media_server, tmp_path, options):
    # urlsplit raises "Invalid IPv6 URL" on an unbalanced "[": a hostile or mangled
    # export must not stop the run with a traceback.
    bad = ["http://[bakery.example.com/x", "https://]/y"]
    export = tmp_path / "export.xml"
    text = SAMPLE_WXR.read_text(encoding="utf-8")
    text = text.replace(
        "Read <a href=", anchors(bad) + f'<img src="{bad[0]}.png">\n\nRead <a href=', 1
    )
    export.write_text(text, encoding="utf-8")
    mapping = load_mapping(
        ROOT / "mappings" / "wordpress_posts.toml", variables={"media_host": media_server.url}
    )
    opts = options()
    stats = await plan_migration(mapping, export, opts)
    (first,) = [p for p in lines(opts.preview_path) if p["identity"] == "10"]
    assert hrefs(first["body"]["body"])[:2] == bad
    assert stats.plan.invalid == 0
    assert stats.plan.warning_reasons["not a valid URL: left as it is"] == 3  # two links, one image


async def test_a_run_with_links_reads_the_export_once(media_server, tmp_path, options):
    """The link index is built from the run's own read of the export, which --check-media
    and planning replay: the WXR file is opened once (the source's two passes are one
    too), not six times. With ``post_types`` the index (which reads every type) reads
    apart, --check-media and planning share one read; the payloads are the same, and so
    are the bad records (a duplicate post id)."""
    export = site_export(tmp_path)
    text = export.read_text(encoding="utf-8")
    start = text.rindex("<item>", 0, text.index("<wp:post_id>10</wp:post_id>"))
    twin = text[start : text.index("</item>", start) + len("</item>")]
    export.write_text(text.replace("</channel>", twin + "\n</channel>"), encoding="utf-8")
    mapping = load_mapping(
        ROOT / "mappings" / "wordpress_posts.toml", variables={"media_host": media_server.url}
    )
    narrowed = dataclasses.replace(
        mapping, source_options={**mapping.source_options, "post_types": ["post"]}
    )
    previews, checked, failed = [], [], []
    for name, each, reads in (("once", mapping, 1), ("apart", narrowed, 2)):
        opts = options(
            check_media=True,
            media_rate=1000,
            media_allow_private=True,
            preview_path=tmp_path / f"{name}.preview.jsonl",
            failures_path=tmp_path / f"{name}.failures.jsonl",
        )
        with opens_of(export) as opened:
            stats = await plan_migration(mapping=each, source_path=export, options=opts)
        assert len(opened) == reads, name
        assert stats.plan.to_send == 5 and stats.plan.links_rewritten >= len(LINKS)
        assert stats.plan.invalid == 1
        previews.append(lines(opts.preview_path))
        failed.append(lines(opts.failures_path))
        checked.append((stats.media.checked, lines(opts.warnings_path)))
    assert previews[0] == previews[1] and failed[0] == failed[1]
    assert "duplicate post id 10" in failed[0][0]["reason"]
    assert checked[0] == checked[1] and checked[0][0]

    # No links: --check-media's read is the one planning replays.
    opts = options(check_media=True, media_rate=1000, media_allow_private=True)
    with opens_of(export) as opened:
        stats = await plan_migration(dataclasses.replace(mapping, links=None), export, opts)
    assert len(opened) == 1 and stats.media.checked
    # Unrewritten, the old site's images are dead links: the records using them fail.
    reasons = stats.plan.failure_reasons
    assert sum(n for r, n in reasons.items() if r.startswith("media field body <img src=")) == 3
    assert stats.plan.failure_reasons["duplicate post id 10, first seen at line 31"] == 1
