"""`make bench`: the WXR source's peak memory on a 100 MB and a ≥ 1 GB generated export.

Each export is written as a stream (never held in memory), then read completely through
``WxrSource.records()`` in a child process whose peak RSS (``ru_maxrss``) is measured.
Flat memory means a ratio near 1.0, not 10. Also prints items per second. The files are
deleted afterwards.

    python bench/wxr_memory.py [--small-mb 100] [--large-mb 1024] [--media-heavy-only]

Post ids are realistic (``generate``): above 2**28, and some items known only by a
non-numeric guid.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from comparators import peak_rss_mib  # noqa: E402
from scale import scaled  # noqa: E402

HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Bench</title><link>https://bench.example.com</link>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://bench.example.com</wp:base_site_url>
<wp:author><wp:author_id>1</wp:author_id><wp:author_login>ada</wp:author_login>\
<wp:author_email>ada@example.com</wp:author_email></wp:author>
"""
PARAGRAPH = (
    "WordPress keeps paragraphs as blank lines &amp; shortcodes like [caption] in the "
    "content; a streaming reader must hold one item, never the whole export. "
) * 4
POST = """<item><title>Post {i}</title><link>https://bench.example.com/?p={i}</link>
<dc:creator><![CDATA[ada]]></dc:creator><guid isPermaLink="false">{guid}</guid>
<content:encoded><![CDATA[{body}]]></content:encoded><excerpt:encoded><![CDATA[]]></excerpt:encoded>
{post_id}<wp:post_date>2024-01-01 10:00:00</wp:post_date>
<wp:post_date_gmt>2024-01-01 09:00:00</wp:post_date_gmt><wp:post_name>post-{i}</wp:post_name>
<wp:status>publish</wp:status><wp:post_parent>0</wp:post_parent><wp:menu_order>0</wp:menu_order>
<wp:post_type>post</wp:post_type><wp:is_sticky>0</wp:is_sticky>
<category domain="category" nicename="news"><![CDATA[News]]></category>
<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>{thumb}</wp:meta_value></wp:postmeta>
<wp:postmeta><wp:meta_key>data</wp:meta_key><wp:meta_value><![CDATA[a:2:{{s:1:"a";i:{i};s:1:"b";s:3:"xyz";}}]]></wp:meta_value></wp:postmeta>
</item>
"""
ATTACHMENT = """<item><title>image {i}</title><wp:post_id>{i}</wp:post_id>
<wp:post_type>attachment</wp:post_type><wp:status>inherit</wp:status><wp:post_parent>{parent}</wp:post_parent>
<wp:attachment_url>https://bench.example.com/wp-content/uploads/{i}.jpg</wp:attachment_url>
<wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key><wp:meta_value>Alt {i}</wp:meta_value></wp:postmeta>
</item>
"""  # noqa: E501


# Realistic ids: a site that was merged or imported has post ids far above 2**28 (the
# WXR reader's id bitmap ends there), and items without a post id are known by a guid
# that is no number at all.
FIRST_ID = 300_000_001
NO_ID_EVERY = 50


def post(i: int, body: str, thumb: int, *, with_id: bool = True) -> str:
    if not with_id:
        guid = f"urn:uuid:00000000-0000-4000-8000-{i:012d}"
        return POST.format(i=i, body=body, thumb=thumb, guid=guid, post_id="")
    guid = f"https://bench.example.com/?p={i}"
    return POST.format(
        i=i, body=body, thumb=thumb, guid=guid, post_id=f"<wp:post_id>{i}</wp:post_id>"
    )


def generate(path: Path, megabytes: float, *, first_id: int = FIRST_ID) -> int:
    """Write a WXR of about ``megabytes`` MB, item by item (never held in memory), with
    post ids from ``first_id`` on and one post in ``NO_ID_EVERY`` known only by a
    non-numeric guid; returns the item count."""
    target = int(megabytes * 1024 * 1024)
    body = "\n\n".join(f"{PARAGRAPH} ({n})" for n in range(12))  # ~8 KB a post
    written = 0
    items = 0
    i = first_id
    with path.open("w", encoding="utf-8") as fh:
        written += fh.write(HEAD)
        while written < target:
            # One attachment every ten posts, pointing back at the post before it:
            # featured images resolved from attachments that come later in the file.
            thumb = i + 1 if i % 10 == 0 else 0
            chunk = post(i, body, thumb, with_id=i % NO_ID_EVERY != 7)
            items += 1
            if i % 10 == 0:
                chunk += ATTACHMENT.format(i=i + 1, parent=i)
                items += 1
                i += 1
            written += fh.write(chunk)
            i += 1
        fh.write("</channel>\n</rss>\n")
    return items


def generate_media_heavy(path: Path, posts: int) -> int:
    """A media library of a site: 19 attachments per (short) post, each post's featured
    image its first one. Returns the item count."""
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEAD)
        for p in range(posts):
            i = p * 20 + 1
            fh.write(post(i, "A short post.", i + 1))
            for k in range(1, 20):
                fh.write(ATTACHMENT.format(i=i + k, parent=i))
        fh.write("</channel>\n</rss>\n")
    return posts * 20


def child(path: str) -> None:
    """Read the export fully; print JSON with the count, time and peak RSS."""
    from migrator.records import Record
    from migrator.sources import open_source

    started = time.perf_counter()
    source = open_source("wxr", path)
    records = errors = 0
    for item in source.records():
        if isinstance(item, Record):
            records += 1
        else:
            errors += 1
    elapsed = time.perf_counter() - started
    print(json.dumps({"records": records, "errors": errors, "seconds": elapsed,
                      "peak_mib": peak_rss_mib()}))  # fmt: skip


def measure(path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path)],
        check=True,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small-mb", type=int, default=100)
    parser.add_argument("--large-mb", type=int, default=1024)
    parser.add_argument(
        "--media-heavy-only",
        action="store_true",
        help="only the media-heavy exports (`make bench`: compare.py measures the sizes)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if not args.media_heavy_only:
        bench_sizes(args.small_mb, args.large_mb)
    bench_media_heavy()


def bench_sizes(small_mb: int, large_mb: int) -> None:
    results = {}
    with tempfile.TemporaryDirectory(prefix="wxr-bench-") as tmp:
        for mb in (small_mb, large_mb):
            path = Path(tmp) / f"export-{mb}mb.xml"
            started = time.perf_counter()
            items = generate(path, mb)
            size = path.stat().st_size
            written = time.perf_counter() - started
            r = measure(path)
            os.unlink(path)
            assert r["records"] == items and r["errors"] == 0, (r, items)
            results[mb] = r
            print(
                f"wxr {size / 2**20:>6,.0f} MiB, {items:>8,} items: "
                f"{items / r['seconds']:>7,.0f} items/s ({size / 2**20 / r['seconds']:.0f} MiB/s, "
                f"two passes), peak RSS {r['peak_mib']:.1f} MiB (written in {written:.0f} s)"
            )
    small, large = results[small_mb], results[large_mb]
    print(
        f"wxr peak memory, {large_mb} MB vs {small_mb} MB export: "
        f"{large['peak_mib'] / small['peak_mib']:.2f}x (flat is 1.00x; the file is "
        f"{large_mb / small_mb:.0f}x bigger)"
    )


def bench_media_heavy() -> None:
    # Attachments are indexed in the first pass (a featured image may come later in the
    # file): a media-heavy export shows whether that index stays out of memory.
    heavy = {}
    few, many = scaled(5_000, minimum=10), scaled(25_000)
    with tempfile.TemporaryDirectory(prefix="wxr-bench-") as tmp:
        for posts in (few, many):
            path = Path(tmp) / f"media-{posts}.xml"
            items = generate_media_heavy(path, posts)
            r = measure(path)
            assert r["records"] == items and r["errors"] == 0, (r, items)
            heavy[posts] = r
            print(
                f"wxr media-heavy, {items:>7,} items ({items * 19 // 20:,} attachments, "
                f"{path.stat().st_size / 2**20:.0f} MiB): {items / r['seconds']:>7,.0f} items/s, "
                f"peak RSS {r['peak_mib']:.1f} MiB"
            )
    print(
        "wxr peak memory, 5x the attachments: "
        f"{heavy[many]['peak_mib'] / heavy[few]['peak_mib']:.2f}x (flat is 1.00x)"
    )


if __name__ == "__main__":
    main()
