"""One parsed WXR element (an ``<item>``, ``<wp:author>``, ``<wp:term>``) → plain data.

Elements are recognised by **namespace URI**, never by prefix: ``wp:`` may be bound to
anything, and both ``http://`` and ``https://wordpress.org/export/1.x/`` are real.
A prefix the file forgot to declare reaches us as a literal ``wp:post_id`` tag name
(the repair pass declares the usual ones, so this is the fallback).

**Whitespace.** Free text keeps it as exported, as WordPress's importer does: titles,
content, excerpts, descriptions, meta values, comment text (a mapping strips where it
wants: ``strip``, ``strip_html``). What names or dates a thing (ids, slugs, logins,
emails, URLs, statuses, dates, term names) is trimmed: a re-indented export puts
newlines around those.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple
from urllib.parse import SplitResult, urlsplit

from lxml import etree

from migrator.sources.wordpress.php import maybe_unserialize
from migrator.sources.wordpress.qtranslate import is_marker_comment

_WP_URI = re.compile(r"^https?://wordpress\.org/export/1\.\d+/(excerpt/)?$")
_URIS = {
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://wellformedweb.org/CommentAPI/": "wfw",
}
_LITERAL_PREFIXES = ("wp", "excerpt", "content", "dc", "wfw")
# tag (as lxml gives it) -> (namespace kind, local name); kinds: "" (none), wp, excerpt,
# content, dc, wfw, or "other" for anything else.
_TAGS: dict[str, tuple[str, str]] = {}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_YEAR = re.compile(r"\s(\d{4})\s")
_IMG = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*(["'])(.*?)\1""", re.I | re.S)
_HREF = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*(["'])(.*?)\1""", re.I | re.S)


def classify(tag: Any) -> tuple[str, str]:
    """``(kind, local name)`` of an element tag; comments and PIs are ``("other", "")``."""
    if not isinstance(tag, str):
        return ("other", "")
    known = _TAGS.get(tag)
    if known is not None:
        return known
    if tag.startswith("{"):
        uri, _, local = tag[1:].partition("}")
        m = _WP_URI.match(uri)
        if m:
            kind = "excerpt" if m.group(1) else "wp"
        else:
            kind = _URIS.get(uri, "other")
        result = (kind, local)
    elif ":" in tag:
        prefix, _, local = tag.partition(":")
        result = (prefix, local) if prefix in _LITERAL_PREFIXES else ("other", local)
    else:
        result = ("", tag)
    if len(_TAGS) < 10_000:
        _TAGS[tag] = result
    return result


def text(el: Any) -> str:
    """All text of an element (adjacent CDATA sections joined), as exported."""
    if len(el):
        return "".join(marked_text(el))
    return el.text or ""


# ``wp:`` children that are free text: kept untrimmed (see the module docstring).
FREE_TEXT = frozenset(
    {"meta_value", "comment_content", "category_description", "tag_description",
     "term_description"}
)  # fmt: skip


def marked_text(el: Any) -> Iterable[str]:
    """``itertext()``, but qTranslate's comment markers (``<!--:fr-->``, ``<!--:-->``),
    which outside CDATA are XML comments, are kept in the text; other comments are not."""
    if not any(is_marker_comment(c.text or "") for c in el.iter(etree.Comment)):
        return el.itertext()  # the usual case, in C
    # A walk with a stack of its own: a file may nest elements thousands deep.
    out = [el.text or ""]
    stack = [iter(el)]  # the children left of each open element
    tails: list[str] = []  # and the tails that follow them
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            if tails:
                out.append(tails.pop())
        elif isinstance(child.tag, str):
            out.append(child.text or "")
            stack.append(iter(child))
            tails.append(child.tail or "")
        else:
            if child.tag is etree.Comment and is_marker_comment(child.text or ""):
                out.append(f"<!--{child.text}-->")
            elif child.tag is etree.Entity:  # left unexpanded: itertext() has its text
                out.append(child.text or "")
            out.append(child.tail or "")
    return out


def wp_children(el: Any, only: frozenset[str] | None = None) -> dict[str, str]:
    """Local name → text of the ``wp:`` children (the first of each name wins), trimmed
    but for ``FREE_TEXT``; with ``only``, of those names only."""
    out: dict[str, str] = {}
    for child in el if only is None else el.iterchildren(*_wp_tags(*only)):
        kind, local = classify(child.tag)
        if kind == "wp" and local not in out:
            value = text(child)
            out[local] = value if local in FREE_TEXT else value.strip()
    return out


@functools.cache
def _wp_tags(*names: str) -> tuple[str, ...]:
    """lxml tag filters for children of these local names that may be ``wp:`` ones (in
    any namespace, or with a literal prefix): lxml skips the others in C."""
    return tuple(t for name in sorted(names) for t in (f"{{*}}{name}", f"wp:{name}"))


def wp_date(value: str | None, *, gmt: bool = False) -> str | None:
    """``2012-01-05 14:30:46`` → ISO 8601 (``+00:00`` when GMT); zero dates → None."""
    if not value or value.startswith("0000-00-00"):
        return None
    if _DATE.fullmatch(value):
        try:
            if value.isascii():
                date.fromisoformat(value[:10])
            else:  # other scripts' digits
                datetime(int(value[:4]), int(value[5:7]), int(value[8:10]))
        except ValueError:
            return value
        return value.replace(" ", "T") + ("+00:00" if gmt else "")
    return value  # kept as written; a mapping's date transform can parse it


def pub_date(value: str) -> tuple[str, str] | None:
    """RFC 822 ``<pubDate>`` (``Sat, 27 May 2017 11:33:38 +0000``) → ``(date, date_gmt)``
    as ``wp_date`` gives them: the time as written, and in UTC with ``+00:00``. None when
    it is no date, or WordPress's placeholder for "never" (before 1971)."""
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    # A year not written in four digits is guessed at (WordPress's "-0001" reads as 2000).
    year = _YEAR.search(value)
    if when.year < 1971 or year is None or int(year.group(1)) != when.year:
        return None
    utc = when.astimezone(UTC) if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return when.replace(tzinfo=None).isoformat(), utc.isoformat()


def as_int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def meta_pairs(el: Any, tag_local: str) -> list[tuple[str, str]]:
    """``(key, value)`` of the ``<wp:postmeta>``/``<wp:commentmeta>``/``<wp:termmeta>`` children."""
    out = []
    for child in el.iterchildren(*_wp_tags(tag_local)):
        kind, local = classify(child.tag)
        if kind == "wp" and local == tag_local:
            fields = wp_children(child)
            if "meta_key" in fields:
                out.append((fields["meta_key"], fields.get("meta_value", "")))
    return out


def decode_meta(pairs: list[tuple[str, str]], warnings: list[str]) -> dict[str, Any]:
    """Meta pairs → ``{key: value}``, PHP-serialized values decoded; a key that repeats
    (WordPress allows it) maps to the list of its values."""
    meta: dict[str, Any] = {}
    repeated: set[str] = set()
    for key, raw in pairs:
        value, problem = maybe_unserialize(raw)
        if problem:
            warnings.append(f"meta {key!r}: {problem}")
        if key in meta:
            if key not in repeated:
                meta[key] = [meta[key]]
                repeated.add(key)
            meta[key].append(value)
        else:
            meta[key] = value
    return meta


@dataclass
class Author:
    login: str
    email: str | None = None
    display_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "login": self.login,
            "email": self.email,
            "display_name": self.display_name or self.login,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "id": self.id,
        }


def read_author(el: Any) -> Author | None:
    f = wp_children(el)
    login = f.get("author_login", "")
    if not login:
        return None
    return Author(
        login=login,
        email=f.get("author_email") or None,
        display_name=f.get("author_display_name") or None,
        first_name=f.get("author_first_name") or None,
        last_name=f.get("author_last_name") or None,
        id=f.get("author_id") or None,
    )


def read_term(local: str, el: Any) -> dict[str, Any] | None:
    """A channel-level ``<wp:category>``, ``<wp:tag>`` or ``<wp:term>``."""
    f = wp_children(el)
    taxonomy: str | None
    if local == "category":
        taxonomy, slug, name = "category", f.get("category_nicename"), f.get("cat_name")
        parent, description = f.get("category_parent"), f.get("category_description")
    elif local == "tag":
        taxonomy, slug, name, parent = "post_tag", f.get("tag_slug"), f.get("tag_name"), None
        description = f.get("tag_description")
    else:
        taxonomy, slug = f.get("term_taxonomy"), f.get("term_slug")
        name, parent = f.get("term_name"), f.get("term_parent")
        description = f.get("term_description")
    if not taxonomy or not (slug or name):
        return None
    warnings: list[str] = []
    return {
        "taxonomy": taxonomy,
        "slug": slug or "",
        "name": name or slug or "",
        "parent": parent or None,
        "id": f.get("term_id") or None,
        "description": description or "",
        "meta": decode_meta(meta_pairs(el, "termmeta"), warnings),
    }


class ItemParts(NamedTuple):
    """An ``<item>``'s children, sorted by namespace (the first of each name wins), as
    one walk over them finds them: what ``item_data`` makes the record data of, and what
    the first pass learns an item's facts from (``index.py``). A tuple: the one-pass
    reading keeps these on disk (``pickle``) until the index is complete."""

    wp: dict[str, str]
    plain: dict[str, str]
    content: str
    excerpt: str
    creator: str
    terms: dict[str, list[dict[str, str]]]
    comments: list[dict[str, Any]]
    meta: list[tuple[str, str]]  # post meta, as exported
    warnings: list[str]


def item_parts(el: Any) -> ItemParts:
    """One walk over an ``<item>``'s children (post meta included: ``meta_pairs`` would
    walk them again)."""
    wp: dict[str, str] = {}
    plain: dict[str, str] = {}
    content = excerpt = creator = ""
    terms: dict[str, list[dict[str, str]]] = {}
    untyped: list[str] = []  # WXR 1.0 categories without a domain
    comments: list[dict[str, Any]] = []
    meta: list[tuple[str, str]] = []
    warnings: list[str] = []
    tags = _TAGS
    for child in el:
        tag = child.tag
        kind, local = tags.get(tag) or classify(tag)
        if kind == "wp":
            if local == "postmeta":  # wp_children(child)'s two fields, without its dict
                key = value = None
                for field in child:
                    sub_kind, sub_local = tags.get(field.tag) or classify(field.tag)
                    if sub_kind != "wp":
                        continue
                    if sub_local == "meta_key" and key is None:
                        key = text(field).strip()
                    elif sub_local == "meta_value" and value is None:
                        value = text(field)  # free text: untrimmed
                if key is not None:
                    meta.append((key, value or ""))
            elif local == "comment":
                comments.append(_comment(child, warnings))
            elif local not in wp:
                wp[local] = (text(child) if len(child) else child.text or "").strip()
        elif kind == "":
            if local == "category":
                _add_term(terms, untyped, child)
            elif local not in plain:
                plain[local] = text(child) if len(child) else child.text or ""
        elif kind == "content" and local == "encoded":
            content = text(child)
        elif kind == "excerpt" and local == "encoded":
            excerpt = text(child)
        elif kind == "dc" and local == "creator":
            creator = text(child).strip()
    # WXR 1.0 repeats categories without a domain; keep those no typed one names.
    if untyped:
        named = {t["name"] for t in terms.get("category", [])} | {
            t["name"] for t in terms.get("post_tag", [])
        }
        for name in untyped:
            if name and name not in named:
                terms.setdefault("category", []).append({"name": name, "slug": ""})
                named.add(name)
    return ItemParts(wp, plain, content, excerpt, creator, terms, comments, meta, warnings)


def _add_term(terms: dict[str, list[dict[str, str]]], untyped: list[str], child: Any) -> None:
    domain = child.get("domain")
    name = text(child).strip()
    if domain is None:
        untyped.append(name)
        return
    taxonomy = "post_tag" if domain == "tag" else domain
    entry = {"name": name, "slug": (child.get("nicename") or "").strip()}
    bucket = terms.setdefault(taxonomy, [])
    # WXR 1.0 writes each term twice, without a nicename and with one: keep one, with
    # the slug (as WordPress's importer does).
    for i, known in enumerate(bucket):
        if known["name"] == name and (known["slug"] == entry["slug"] or not entry["slug"]):
            return
        if known["name"] == name and not known["slug"]:
            bucket[i] = entry
            return
    bucket.append(entry)


def read_item(el: Any, authors: dict[str, Author], site_hosts: set[str]) -> dict[str, Any]:
    """An ``<item>`` → the record data documented in ``migrator.sources.wordpress.source``
    (without the cross-item keys: featured image, attachments, translations)."""
    return item_data(item_parts(el), authors, site_hosts)


def item_data(parts: ItemParts, authors: dict[str, Author], site_hosts: set[str]) -> dict[str, Any]:
    """``read_item`` of the parts one walk found."""
    wp, plain, content, excerpt, terms = (
        parts.wp, parts.plain, parts.content, parts.excerpt, parts.terms
    )  # fmt: skip
    warnings = parts.warnings
    meta = decode_meta(parts.meta, warnings)
    creator = parts.creator or wp.get("author") or ""  # some generators write <wp:author>login
    author = authors.get(creator)
    if "<" in content:  # no tag, no image or link: the usual plain-text post skips both
        images = _unique(m.group(2) for m in _IMG.finditer(content))
        links = _unique(
            href for m in _HREF.finditer(content) if _is_internal(href := m.group(2), site_hosts)
        )
    else:
        images, links = [], []
    post_type = wp.get("post_type") or "post"
    date, date_gmt = wp_date(wp.get("post_date")), wp_date(wp.get("post_date_gmt"), gmt=True)
    rfc822 = plain.get("pubDate", "").strip()
    # Squarespace and other generators write only <pubDate>: the dates come from it.
    from_pub_date = date is None and rfc822 and pub_date(rfc822)
    if from_pub_date:
        date, date_gmt = from_pub_date
    return {
        "post_id": wp.get("post_id", ""),
        "title": plain.get("title", ""),
        "link": plain.get("link", "").strip(),
        "guid": plain.get("guid", "").strip(),
        "description": plain.get("description", ""),
        "pub_date": rfc822,
        "content": content,
        "excerpt": excerpt,
        "post_name": wp.get("post_name", ""),
        "status": wp.get("status") or "publish",
        "post_type": post_type,
        "post_parent": _id_or_none(wp.get("post_parent")),
        "menu_order": as_int(wp.get("menu_order")) or 0,
        "date": date,
        "date_gmt": date_gmt,
        "modified": wp_date(wp.get("post_modified")),
        "modified_gmt": wp_date(wp.get("post_modified_gmt"), gmt=True),
        "comment_status": wp.get("comment_status", ""),
        "ping_status": wp.get("ping_status", ""),
        "is_sticky": wp.get("is_sticky", "0") == "1",
        "password_protected": bool(wp.get("post_password")),
        "creator": creator,
        "author": (author or Author(login=creator or "")).as_dict(),
        "categories": terms.get("category", []),
        "tags": terms.get("post_tag", []),
        "terms": terms,
        "meta": meta,
        "comments": parts.comments,
        "attachment_url": wp.get("attachment_url") or None,
        "images": images,
        "links": links,
        "_warnings": warnings,
        "_from_pub_date": bool(from_pub_date),
    }


def _comment(el: Any, warnings: list[str]) -> dict[str, Any]:
    f = wp_children(el)
    return {
        "id": f.get("comment_id", ""),
        "author": f.get("comment_author", ""),
        "author_email": f.get("comment_author_email", ""),
        "author_url": f.get("comment_author_url", ""),
        "date": wp_date(f.get("comment_date")),
        "date_gmt": wp_date(f.get("comment_date_gmt"), gmt=True),
        "content": f.get("comment_content", ""),
        "approved": f.get("comment_approved", ""),
        "type": f.get("comment_type", "") or "comment",
        "parent": _id_or_none(f.get("comment_parent")),
        "user_id": _id_or_none(f.get("comment_user_id")),
        "meta": decode_meta(meta_pairs(el, "commentmeta"), warnings),
    }


def _id_or_none(value: str | None) -> str | None:
    return value if value and value != "0" else None


def _unique(values: Any) -> list[str]:
    seen: dict[str, None] = {}
    for v in values:
        v = v.strip()
        if v:
            seen.setdefault(v, None)
    return list(seen)


def split_url(url: str) -> SplitResult:
    """``urlsplit``, but a malformed URL (``http://[x/``: "Invalid IPv6 URL") splits as
    an empty one instead of raising."""
    try:
        return urlsplit(url)
    except ValueError:
        return urlsplit("")


def _is_internal(href: str, hosts: set[str]) -> bool:
    if href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return False
    parts = split_url(href)
    if not parts.netloc:
        return bool(parts.path)
    return (parts.hostname or "").lower() in hosts
