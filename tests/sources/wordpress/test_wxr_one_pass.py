"""A WXR export in one file is parsed once: its items are read as the first pass meets
them and kept on disk until the index (attachments, duplicates, groups) is complete. When
the file puts an author or a site fact after the first item, or the parser reported errors,
it is read twice as before; either way the records are the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrator.sources import open_source
from migrator.sources.wordpress import source as wxr_source
from tests.conftest import opens_of
from tests.sources.wordpress.test_wxr_cases import HEAD, TAIL, item

pytestmark = pytest.mark.timeout(30)
NS = "http://wordpress.org/export/1.2/"
AUTHOR = (
    "<wp:author><wp:author_login>ada</wp:author_login>"
    "<wp:author_email>ada@example.com</wp:author_email>"
    "<wp:author_display_name>Ada L.</wp:author_display_name></wp:author>\n"
)
SITE = "<link>https://old.example.com</link>\n"
POST = item(
    1,
    content='<a href="https://old.example.com/about/">about</a>',
    extra="<dc:creator>ada</dc:creator><wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key>"
    "<wp:meta_value>9</wp:meta_value></wp:postmeta>",
)
# The featured image after the post that shows it; a repeated id; an item known by guid.
LATER = (
    "<item><title>Cover</title><wp:post_id>9</wp:post_id><wp:post_type>attachment</wp:post_type>"
    "<wp:attachment_url>https://old.example.com/cover.jpg</wp:attachment_url></item>\n"
    + item(1, "again")
    + "<item><title>No id</title><guid>https://old.example.com/?p=77</guid></item>\n"
)


AMPERSAND = "<item><title>Fish & Chips</title><wp:post_id>3</wp:post_id></item>\n"
BROKEN = "<item><title>Broken</title><wp:post_id>2</wp:post_id><wp:status>x</wp:bad></item>\n"


def records(path: Path, *, two_passes: bool = False, monkeypatch=None) -> tuple[list, int]:
    if two_passes:
        monkeypatch.setattr(wxr_source._EarlyItems, "usable", lambda self, index: False)
    source = open_source("wxr", path)
    with opens_of(path) as opened:
        got = [
            (type(r).__name__, str(r) if isinstance(r, Exception) else r) for r in source.records()
        ]
    if two_passes:
        monkeypatch.undo()
    return [*got, source.stats.summary(), source.stats.problems], len(opened)


@pytest.mark.parametrize(
    ("body", "passes", "classic"),
    [
        (AUTHOR + SITE + POST + LATER, 1, 2),
        (SITE + POST + AUTHOR + LATER, 2, 2),  # the author the post names comes after it
        (AUTHOR + POST + SITE + LATER, 2, 2),  # the site's own host, after the first item
        # An error: tried as it is, then the first pass again with repairs, then the second.
        (AUTHOR + SITE + POST + BROKEN + LATER, 3, 3),
        # A bare "&" the repairing reader escapes: the first pass starts over with repairs
        # and reads the items anew (none twice), which then need no second parse.
        (AUTHOR + SITE + POST + AMPERSAND + LATER, 2, 3),
    ],
    ids=["authors-first", "author-late", "site-late", "parser-error", "repaired"],
)
def test_one_parse_when_the_file_allows_and_the_same_records_either_way(
    tmp_path: Path, monkeypatch, body: str, passes: int, classic: int
) -> None:
    path = tmp_path / "export.xml"
    path.write_text(HEAD.format(ns=NS) + body + TAIL, encoding="utf-8")
    got, opened = records(path)
    assert opened == passes
    two, opened = records(path, two_passes=True, monkeypatch=monkeypatch)
    assert opened == classic and got == two
    post = got[0][1]
    assert post.data["author"]["display_name"] == "Ada L."
    assert post.data["links"] == ["https://old.example.com/about/"]
    assert post.data["featured_image"]["url"] == "https://old.example.com/cover.jpg"
    assert any("duplicate post id 1" in str(r[1]) for r in got if r[0] == "RecordError")
