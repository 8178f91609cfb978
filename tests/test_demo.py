"""`migrator demo` as a new user runs it: a real migration of the bundled samples."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "migrator" / "samples"
MIGRATOR = str(Path(sys.executable).with_name("migrator"))


def csv_rows(name: str) -> int:
    with (SAMPLES / name).open(newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.DictReader(f))


def contentful_entries(content_type: str) -> int:
    export = json.loads((SAMPLES / "contentful.json").read_text(encoding="utf-8"))
    return sum(e["sys"]["contentType"]["sys"]["id"] == content_type for e in export["entries"])


LIVE = {"publish", "draft", "pending", "future", "private"}
WP = "{http://wordpress.org/export/1.2/}"


def wordpress_items(post_type: str, statuses: set[str]) -> int:
    """Items of one post type and status in the sample, read with the standard library."""
    root = ElementTree.parse(SAMPLES / "wordpress.xml").getroot()
    return sum(
        item.findtext(f"{WP}post_type") == post_type and item.findtext(f"{WP}status") in statuses
        for item in root.iter("item")
    )


def old_site_urls(post_type: str, statuses: set[str]) -> int:
    """hrefs to the bakery's site and images on its media host, in live items' content."""
    root = ElementTree.parse(SAMPLES / "wordpress.xml").getroot()
    content = "{http://purl.org/rss/1.0/modules/content/}encoded"
    return sum(
        len(re.findall(r'(?:href|src)="https?://(?:bakery\.example\.com|media\.invalid)/', text))
        for item in root.iter("item")
        if item.findtext(f"{WP}post_type") == post_type and item.findtext(f"{WP}status") in statuses
        for text in [item.findtext(content) or ""]
    )


def table_rows(section: str) -> dict[str, list[int]]:
    """The numbers of each mapping's row in one of the demo's tables."""
    rows = {}
    for line in section.splitlines():
        match = re.match(r"[│|]\s*(\S+\.toml)\s*[│|](.*)", line)
        if match:
            rows[match.group(1)] = [int(n) for n in re.findall(r"\d+", match.group(2))]
    return rows


def test_demo_migrates_every_sample_then_sends_nothing_on_the_second_run(tmp_path):
    # No COLUMNS: piped, the tables are as wide as their names (they used to cut "team_…").
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    done = subprocess.run(
        [MIGRATOR, "demo", "--workdir", str(tmp_path / "demo")],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    first, rest = out.split("What the emulated ButterCMS now holds")
    held, second = rest.split("Second run")

    expected = {
        "team_members.toml": csv_rows("team_members.csv"),
        "landing_pages.toml": csv_rows("landing_pages.csv"),
        "blog_posts.toml": csv_rows("blog_posts.csv"),
        "contentful_articles.toml": contentful_entries("article"),
        "wordpress_posts.toml": wordpress_items("post", LIVE),
        "wordpress_pages.toml": wordpress_items("page", LIVE),
        "wordpress_portfolio.toml": wordpress_items("portfolio", {"publish", "draft"}),
    }
    first_rows, second_rows = table_rows(first), table_rows(second)
    links = {}
    for mapping, n in expected.items():
        read, filtered, accepted, unchanged, invalid, failed, links[mapping], calls = first_rows[
            mapping
        ]
        assert (accepted, unchanged, invalid, failed, calls) == (n, 0, 0, 0, n)
        assert read == n + filtered
        read, filtered, accepted, unchanged, invalid, failed, _, calls = second_rows[mapping]
        assert (accepted, unchanged, calls) == (0, n, 0)
    # Only the WordPress mappings have links rules; every old-site URL in a live post's
    # HTML is rewritten (a [gallery] adds images of its own, so at least these).
    assert links["team_members.toml"] == links["blog_posts.toml"] == 0
    assert links["wordpress_posts.toml"] >= old_site_urls("post", LIVE) > 0

    held_counts = dict(re.findall(r"│ ([a-z ]+?)\s+│ (\d+)", held))
    pages = sum(
        expected[m]
        for m in ("landing_pages.toml", "contentful_articles.toml", "wordpress_pages.toml")
    )
    items = expected["team_members.toml"] + expected["wordpress_portfolio.toml"]
    posts = expected["blog_posts.toml"] + expected["wordpress_posts.toml"]
    assert held_counts["pages"] == str(pages)
    assert held_counts["collection items"] == str(items)
    assert held_counts["blog posts"] == str(posts)
    assert held_counts["writes that failed in the background"] == "0"
    assert int(held_counts["media files downloaded to its library"]) > 0
    assert (tmp_path / "demo" / "team_members.ledger.sqlite").exists()
