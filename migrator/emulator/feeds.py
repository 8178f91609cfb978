"""The blog's RSS 2.0, Atom 1.0 and sitemap documents, which Butter returns as a JSON string
(``{"data": "<?xml ...>"}``), laid out as the recorded ones (buttercms-python's
tests/fixtures/feeds/) and built with lxml, so any title or body comes out well-formed.

Links are the posts' blog URLs; the feed's own links are ``<blog>/rss/`` and
``<blog>/atom/`` (``rss/`` and ``atom/`` in an account without a blog URL, as recorded).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from lxml import etree

from migrator.emulator.store import Post

ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
MEDIA = "http://search.yahoo.com/mrss/"
DC = "http://purl.org/dc/elements/1.1/"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
TITLE = "Latest blog posts"
# Characters XML 1.0 cannot carry at all; lxml refuses them, Butter's template would not.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class FeedPost:
    post: Post
    url: str
    author: dict[str, Any]

    @property
    def author_name(self) -> str:
        return f"{self.author['first_name']} {self.author['last_name']}".strip()

    @property
    def published(self) -> datetime:
        return _when(self.post.published)


def _when(stamp: str | None) -> datetime:
    if not stamp:
        return datetime.now(UTC)
    return datetime.fromisoformat(stamp).astimezone(UTC)


def _text(value: str | None) -> str:
    return NOT_XML.sub("", value or "")


def _add(parent: Any, tag: str, text: str | None = None, **attrib: str) -> Any:
    el = etree.SubElement(parent, tag, {k: _text(v) for k, v in attrib.items()})
    if text is not None:
        el.text = _text(text)
    return el


def _document(root: Any) -> str:
    body = etree.tostring(root, encoding="unicode", pretty_print=True)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body.rstrip("\n")


def _newest(posts: list[FeedPost]) -> datetime:
    return max((p.published for p in posts), default=datetime.now(UTC))


def rss(posts: list[FeedPost], blog: str) -> str:
    root = etree.Element(
        "rss", nsmap={"atom": ATOM, "content": CONTENT, "media": MEDIA}, version="2.0"
    )
    channel = _add(root, "channel")
    _add(channel, "title", TITLE)
    _add(channel, "link", f"{blog}rss/")
    _add(channel, "description")
    _add(channel, f"{{{ATOM}}}link", href=f"{blog}rss/", rel="self")
    _add(channel, "language", "en-us")
    _add(channel, "lastBuildDate", format_datetime(_newest(posts)))
    for p in posts:
        item = _add(channel, "item")
        _add(item, "title", p.post.title)
        _add(item, "link", p.url)
        if p.post.featured_image:
            _add(item, f"{{{MEDIA}}}content", medium="image", url=p.post.featured_image)
        etree.SubElement(item, f"{{{DC}}}creator", nsmap={"dc": DC}).text = _text(p.author_name)
        _add(item, "pubDate", format_datetime(p.published))
        _add(item, "guid", p.url)
        _add(item, "description", p.post.summary)
        body = _text(p.post.body)
        # CDATA as Butter sends it, unless the body would end the section early.
        encoded = _add(item, f"{{{CONTENT}}}encoded")
        encoded.text = etree.CDATA(body) if "]]>" not in body else body
    return _document(root)


def atom(posts: list[FeedPost], blog: str) -> str:
    root = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    root.set("{http://www.w3.org/XML/1998/namespace}lang", "en-us")
    a = f"{{{ATOM}}}"
    _add(root, a + "title", TITLE)
    _add(root, a + "link", href=f"{blog}rss/", rel="alternate")
    _add(root, a + "link", href=f"{blog}atom/", rel="self")
    _add(root, a + "id", f"{blog}rss/")
    _add(root, a + "updated", _newest(posts).isoformat())
    for p in posts:
        entry = _add(root, a + "entry")
        _add(entry, a + "title", p.post.title)
        _add(entry, a + "link", href=p.url, rel="alternate")
        # As recorded: an entry's <updated> is its publication date too.
        _add(entry, a + "published", p.published.isoformat())
        _add(entry, a + "updated", p.published.isoformat())
        _add(_add(entry, a + "author"), a + "name", p.author_name)
        _add(entry, a + "id", p.url)
        _add(entry, a + "summary", p.post.summary, type="html")
    return _document(root)


def sitemap(posts: list[FeedPost], blog: str) -> str:
    root = etree.Element(f"{{{SITEMAP}}}urlset", nsmap={None: SITEMAP, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{SITEMAP} {SITEMAP}/sitemap.xsd")
    s = f"{{{SITEMAP}}}"
    for p in posts:
        url = _add(root, s + "url")
        _add(url, s + "loc", p.url)
        _add(url, s + "lastmod", _when(p.post.updated or p.post.published).date().isoformat())
    return _document(root)


FEEDS: dict[str, Callable[[list[FeedPost], str], str]] = {
    "rss": rss,
    "atom": atom,
    "sitemap": sitemap,
}
