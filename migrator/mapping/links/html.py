"""URLs in HTML attributes, found and replaced without re-serialising the markup.

A parser round trip would reformat every body it touched (and every payload hash with
it); these patterns only visit ``href``, ``src``, ``srcset`` and ``poster`` values inside
tags (``<a>``/``<area>`` links; ``<img>``, ``<source>``, ``<audio>``, ``<video>``, ``<track>``
files) and
leave every other byte as it was. Values are HTML-unescaped before they are handed out
and escaped again when replaced.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable, Iterator
from typing import NamedTuple

CDN_HOSTS = frozenset({"cdn.buttercms.com"})

# The tags whose URLs matter (quoted attribute values may hold ">"), then their
# href/src/srcset values; quoted values only (every editor we read quotes them). The flag
# sits after the "<" so that the search for it stays fast. A "<" outside quotes ends the
# try: else each "<a" of a hostile "<a <a <a ..." with no ">" would read on to the end
# (60 KB of them took 38 s).
_TAG = re.compile(
    r"""<(?i:(a|area|img|source|audio|video|track)\b(?:[^<>"']|"[^"]*"|'[^']*')*+>)"""
)
_IMG_TAG = re.compile(r"""<(?i:(img)\b(?:[^<>"']|"[^"]*"|'[^']*')*+>)""")
_ATTR = re.compile(
    r"""\s(?P<attr>href|src|srcset|poster)\s*=\s*(?P<q>["'])(?P<value>.*?)(?P=q)""",
    re.IGNORECASE | re.DOTALL,
)
# "image": a file, moved with the media (sound and video files too), never a page link.
_KIND = {"href": "link", "src": "image", "srcset": "image", "poster": "image"}
# The tags whose files a browser plays: ButterCMS copies none of them.
PLAYED = ("audio", "video", "source", "track")
_PLAYED_TAG = re.compile(rf"<(?:{'|'.join(PLAYED)})\b")  # searched in the lower-cased text


class _Value(NamedTuple):
    """One attribute value: its tag, its name and where it sits in the whole text."""

    tag: str
    attr: str
    start: int
    end: int
    raw: str


def _scan(text: str, tags: re.Pattern[str]) -> Iterator[_Value]:
    """Every href of <a>/<area> and src/srcset/poster of the file tags, in order."""
    for tag in tags.finditer(text):
        name = tag[1].lower()
        links = name in ("a", "area")
        for m in _ATTR.finditer(text, tag.start(), tag.end()):
            attr = m["attr"].lower()
            if (attr == "href") == links:
                yield _Value(name, attr, m.start("value"), m.end("value"), m["value"])


# One scan per text: a record's body is read for its links, then for its images and for
# its played files, one after the other (the last few texts only: a body can be megabytes).
@functools.lru_cache(maxsize=8)
def _attrs(text: str) -> tuple[_Value, ...]:
    return tuple(_scan(text, _TAG))


def img_sources(text: str) -> list[str]:
    """The ``src`` of every ``<img>`` in ``text``, in order (what ButterCMS copies)."""
    return [
        html.unescape(v.raw).strip() for v in _attrs(text) if v.tag == "img" and v.attr == "src"
    ]


def iter_img_sources(text: str) -> Iterator[str]:
    """``img_sources``, found one by one: for "is there any that...", which may stop early."""
    return (html.unescape(v.raw).strip() for v in _scan(text, _IMG_TAG) if v.attr == "src")


def played_sources(text: str) -> list[tuple[str, str]]:
    """``(tag, url)`` for the sound and video files of ``text``: the ``src`` of every
    ``<audio>``, ``<video>``, ``<source>`` (with ``src``: ``<picture>``'s have ``srcset``)
    and ``<track>``, and each ``<video poster>`` (tag ``video poster``)."""
    if not _PLAYED_TAG.search(text.lower()):  # most bodies have none: no whole scan then
        return []
    out = []
    for v in _attrs(text):
        if v.tag == "video" and v.attr == "poster":
            out.append(("video poster", html.unescape(v.raw).strip()))
        elif v.tag in PLAYED and v.attr == "src":
            out.append((v.tag, html.unescape(v.raw).strip()))
    return [(tag, url) for tag, url in out if url]


def rewrite_urls(text: str, replace: Callable[[str, str], str | None]) -> str:
    """``text`` with each URL replaced by ``replace(url, kind)`` (kind ``link`` or
    ``image``) where it returns a string; None keeps the URL as written."""
    if "<" not in text:
        return text
    out: list[str] = []
    last = 0
    for v in _attrs(text):
        new = (
            _rewrite_srcset(v.raw, replace)
            if v.attr == "srcset"
            else _replace_one(v.raw, _KIND[v.attr], replace)
        )
        if new is None:
            continue
        out.append(text[last : v.start])
        out.append(new)
        last = v.end
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def _replace_one(raw: str, kind: str, replace: Callable[[str, str], str | None]) -> str | None:
    url = html.unescape(raw).strip()
    if not url:
        return None
    new = replace(url, kind)
    return None if new is None or new == url else html.escape(new, quote=True)


def _rewrite_srcset(raw: str, replace: Callable[[str, str], str | None]) -> str | None:
    """``a.jpg 300w, b.jpg 1024w``: each candidate's URL, descriptors kept."""
    changed = False
    candidates = []
    for candidate in html.unescape(raw).split(","):
        parts = candidate.strip().split(None, 1)
        if not parts:
            continue
        new = replace(parts[0], "image")
        if new is not None and new != parts[0]:
            parts[0] = new
            changed = True
        candidates.append(" ".join(parts))
    return html.escape(", ".join(candidates), quote=True) if changed else None
