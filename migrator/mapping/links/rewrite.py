"""Rewrite the old site's URLs in HTML: links to migrated records → their new paths,
files → the media host; what cannot be mapped is noted for the run's warnings file."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

from migrator.errors import RecordError
from migrator.mapping.links.html import rewrite_urls
from migrator.mapping.links.index import (
    LinkIndex,
    export_index,
    records_index,
    split_url,
    url_parts,
)
from migrator.records import Record

# A link to one of these is to a file, not a page: it moves with the media, not the posts.
FILE_EXTENSIONS = frozenset(
    "jpg jpeg png gif webp avif svg bmp tif tiff ico heic pdf doc docx xls xlsx ppt pptx odt "
    "txt csv zip gz mp3 m4a ogg wav mp4 m4v mov webm avi".split()
)
_IGNORED_SCHEMES = ("mailto:", "tel:", "javascript:", "data:", "sms:", "ftp:")


@dataclass(frozen=True)
class Note:
    """Something a person should look at; the record went through all the same."""

    field: str
    url: str
    reason: str
    # What the reason counts, for the summary's totals: (("[foo]", 3), ...).
    items: tuple[tuple[str, int], ...] = ()


@dataclass
class Rewritten:
    count: int = 0
    notes: list[Note] = field(default_factory=list)


def is_file(path: str) -> bool:
    if "/wp-content/uploads/" in path:
        return True
    if "." not in path[path.rfind("/") + 1 :]:
        return False  # no extension: splitext's answer, without its call
    ext = posixpath.splitext(path)[1].lstrip(".").lower()
    return ext in FILE_EXTENSIONS


class LinkRewriter:
    def __init__(self, index: LinkIndex):
        self.index = index
        self.media_host = index.rules.media_host

    def html(self, text: str, field_name: str, out: Rewritten) -> str:
        seen: set[str] = set()

        def replace(url: str, kind: str) -> str | None:
            new, problem = self.url(url, kind)
            if new is not None:
                out.count += 1
            elif problem and url not in seen:
                seen.add(url)
                out.notes.append(Note(field_name, url, problem))
            return new

        return rewrite_urls(text, replace)

    def url(self, url: str, kind: str) -> tuple[str | None, str | None]:
        """(new URL or None, why an internal URL was left as it was or None)."""
        if url.startswith("#") or url.lower().startswith(_IGNORED_SCHEMES):
            return None, None
        try:
            parts = urlsplit(url)
        except ValueError:  # "Invalid IPv6 URL": an unbalanced "[" or "]"
            return None, "not a valid URL: left as it is"
        if parts.scheme not in ("", "http", "https"):
            return None, None
        if not self.index.is_internal(parts.hostname):
            return None, None  # another site's: not ours to change
        if not parts.netloc and parts.path and not parts.path.startswith("/"):
            return None, None  # relative to the page ("../x"): cannot be placed
        if is_file(parts.path):
            return self.file(parts, kind)
        if kind == "image":
            return None, None
        # The URLs handed in are stripped already: their split serves the lookup too.
        stripped = parts if url == url.strip() else split_url(url.strip())
        new = self.index.find_split(stripped)
        if new is None:
            path, ids = url_parts(url)
            if path or ids:
                return None, "links to the old site, but no migrated record has this URL"
            new = "/"  # the old home page is the new one
        # A path ("/blog/x", not "//host/x") has no host: only a full URL can be a file's.
        if not new.startswith("/") or new.startswith("//"):
            target = urlsplit(new)
            if target.netloc and self.index.is_internal(target.hostname) and is_file(target.path):
                new = self.file(target, "link")[0] or new  # an attachment page → its file
        return (new + "#" + parts.fragment if parts.fragment else new), None

    def file(self, parts: SplitResult, kind: str) -> tuple[str | None, str | None]:
        if self.media_host:
            host = urlsplit(self.media_host)
            path = host.path.rstrip("/") + parts.path
            return urlunsplit((host.scheme, host.netloc, path, parts.query, parts.fragment)), None
        if kind == "link":
            return None, "links to a file on the old site: set media_host to point it at a copy"
        return None, None


@contextmanager
def link_rewriter(
    mapping: Any,
    source_path: Path,
    *,
    on_progress: Callable[[int], None] | None = None,
    records: Iterable[Record | RecordError] | None = None,
) -> Iterator[LinkRewriter | None]:
    """The mapping's rewriter, its index built from ``source_path`` (None without rules),
    or from ``records`` when the caller reads the export itself (with
    ``index_options(mapping.source_options)``). ``on_progress(records read)`` is called
    as the export is read."""
    if mapping.links is None:
        yield None
        return
    if records is not None:
        with records_index(mapping.links, records, on_progress=on_progress) as index:
            yield LinkRewriter(index)
        return
    with export_index(
        mapping.links,
        mapping.source_format,
        mapping.source_options,
        source_path,
        on_progress=on_progress,
    ) as index:
        yield LinkRewriter(index)
