"""The old site's URLs → the new site's paths, learnt in one pass over the export.

Kept on disk (a ``SeenKeys`` scratch table), so a site of a million posts costs no
memory. URLs are matched the way WordPress resolves them: scheme, ``www.``, case,
``index.php/`` and trailing slashes do not matter; ``?p=ID``, ``?page_id=ID`` and
``?attachment_id=ID`` find a post whatever the path; a dated permalink
(``/2019/05/07/slug/``) or ``/archives/ID`` whose structure changed since still finds
the post by its slug or id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

from migrator.errors import RecordError
from migrator.log import get_logger
from migrator.mapping.links.rules import LinkRules
from migrator.mapping.spec import EvalError
from migrator.records import Record
from migrator.seen import SeenKeys
from migrator.sources import open_source

ID_PARAMS = ("p", "page_id", "attachment_id")
_DATE_SEGMENT = re.compile(r"\d{1,4}")
_SLUG = "slug\x00"
_AMBIGUOUS = "ambiguous\x00"
SHOWN_SKIPS = 5
log = get_logger("migrator.links")
_PROGRESS_EVERY = 1_000
# Source options that narrow what is read (WXR's post types) or merge records (grouped
# translations): the index reads every item of the export as it is.
_NARROWING = ("post_types", "group_translations")


def host_key(host: str) -> str:
    return host.lower().removeprefix("www.")


def split_url(url: str) -> SplitResult:
    """``urlsplit`` for URLs from an export: a malformed one (``http://[x/``, "Invalid
    IPv6 URL") splits as an empty URL, left as it is, instead of raising."""
    try:
        return urlsplit(url)
    except ValueError:
        return urlsplit("")


def url_parts(url: str) -> tuple[str, str]:
    """(path, id query) as compared: ``/2019/05/hello``, ``p=12``."""
    parts = split_url(url.strip())
    return _path(parts), _ids(parts)


def _path(parts: SplitResult) -> str:
    path = unquote(parts.path).lower()
    if path.startswith("/index.php"):
        path = path.removeprefix("/index.php")
    return path.rstrip("/")


def _ids(parts: SplitResult) -> str:
    query = parts.query
    if not query:
        return ""
    if "%" in query or "+" in query:
        pairs: list[tuple[str, str]] | list[list[str]] = parse_qsl(query)
    elif "&" not in query:  # one pair, the usual ?p=ID: no list to build and sort
        key, equals, value = query.partition("=")
        return f"{key}={value}" if equals and key in ID_PARAMS and value.isdigit() else ""
    else:  # nothing to decode: parse_qsl's split, without its per-pair unquoting
        pairs = [pair.split("=", 1) for pair in query.split("&") if "=" in pair]
    found = [f"{k}={v}" for k, v in pairs if k in ID_PARAMS and v.isdigit()]
    return "&".join(sorted(found))


class LinkIndex:
    """``add(record)`` while reading; then ``find(url)`` gives the new path or None."""

    def __init__(self, rules: LinkRules):
        self.rules = rules
        self.hosts: set[str] = set(rules.domains)
        self.records = 0  # records indexed
        self.skipped = 0  # records of a kind with a path whose path could not be built
        self.skip_reasons: list[str] = []
        self._map = SeenKeys()
        self._site: tuple[Any, ...] = ()  # the last record's site URLs
        # The specs as compiled mappings run them (decided once, not at every record).
        self._paths = {kind: spec.evaluator() for kind, spec in rules.paths.items()}
        self._old = tuple(spec.evaluator() for spec in rules.old)

    def close(self) -> None:
        self._map.close()

    def __enter__(self) -> LinkIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add_all(self, records: Iterable[Record | RecordError]) -> LinkIndex:
        for record in records:
            if isinstance(record, Record):
                self.add(record)
        return self

    def add(self, record: Record) -> None:
        self._learn_site(record.data)
        path_of = self._paths.get(record.kind)
        if path_of is None or not self.rules.exclude.matches(record):
            return
        try:
            new = path_of(record.data)
        except EvalError as exc:
            self.skipped += 1
            if len(self.skip_reasons) < SHOWN_SKIPS:
                self.skip_reasons.append(f"{record.location}: {exc}")
            return
        if not isinstance(new, str) or not new:
            return
        self.records += 1
        done: set[tuple[str, str]] = set()  # a guid is often ?p=ID: each URL once
        for old_url in self._old:
            try:
                old = old_url(record.data)
            except EvalError:
                continue  # this record has no such URL (say, no guid)
            if isinstance(old, str) and old.strip():
                self._add_url(old, new, done)

    def _learn_site(self, data: Any) -> None:
        # WordPress exports name their site's URLs on every record (see sources/wxr.py),
        # the same ones: learnt once.
        site = data.get("site") if isinstance(data, dict) else None
        if isinstance(site, dict):
            known = tuple(site.get(key) for key in ("link", "base_site_url", "base_blog_url"))
            if known == self._site:
                return
            self._site = known
            for key in ("link", "base_site_url", "base_blog_url"):
                host = split_url(str(site.get(key) or "")).hostname
                if host:
                    self.hosts.add(host_key(host))

    def _add_url(self, url: str, new: str, done: set[tuple[str, str]]) -> None:
        parts = split_url(url.strip())
        host = parts.hostname  # (a property: parsed again at each use)
        if host:
            self.hosts.add(host_key(host))
        path, ids = _path(parts), _ids(parts)
        if (path, ids) in done:
            return
        done.add((path, ids))
        if ids:
            self._map.first_seen("?" + ids, new)
            if path:
                self._map.first_seen(f"{path}?{ids}", new)
            return
        if not path:
            return  # the home page is no record's
        self._map.first_seen(path, new)
        slug = path.rsplit("/", 1)[-1]
        earlier = self._map.first_seen(_SLUG + slug, new)
        if earlier is not None and earlier != new:
            self._map.first_seen(_AMBIGUOUS + slug, "")

    def is_internal(self, host: str | None) -> bool:
        return not host or host_key(host) in self.hosts

    def find(self, url: str) -> str | None:
        """The new path for an old URL of this site, or None."""
        return self.find_split(split_url(url.strip()))

    def find_split(self, parts: SplitResult) -> str | None:
        """``find`` for a URL already split (stripped first, as ``find`` does)."""
        path, ids = _path(parts), _ids(parts)
        if ids:
            # (without a path both keys are "?" + ids: asked once)
            found = self._map.get(f"{path}?{ids}") or (path and self._map.get("?" + ids))
            if found:
                return found
        if path:
            found = self._map.get(path)
            if found:
                return found
        return self._by_structure(path)

    def _by_structure(self, path: str) -> str | None:
        """Permalinks of another structure than the export's: /archives/ID, /slug/ or dated
        (/2019/05/slug/), found by id or by a slug only one record has."""
        segments = [s for s in path.split("/") if s]
        if len(segments) == 2 and segments[0] == "archives" and segments[1].isdigit():
            return self._map.get(f"?p={segments[1]}")
        if segments and all(_DATE_SEGMENT.fullmatch(s) for s in segments[:-1]):
            slug = segments[-1]
            if _AMBIGUOUS + slug not in self._map:
                return self._map.get(_SLUG + slug)
        return None


def index_options(source_options: dict[str, Any]) -> dict[str, Any]:
    """The source options the index reads the export with: all but those that narrow or
    merge what is read. Equal to a mapping's own options, one read can serve both."""
    return {k: v for k, v in source_options.items() if k not in _NARROWING}


@contextmanager
def export_index(
    rules: LinkRules,
    source_format: str,
    source_options: dict[str, Any],
    source_path: Path,
    *,
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[LinkIndex]:
    """Every record of the export at ``source_path`` indexed, whatever a mapping reads: a
    post links to pages too. ``on_progress(records read)`` is called as it is read."""
    source = open_source(source_format, source_path, **index_options(source_options))
    log.debug("indexing the export's URLs for link rewriting", source=str(source_path))
    with records_index(rules, source.records(), on_progress=on_progress) as index:
        yield index


@contextmanager
def records_index(
    rules: LinkRules,
    records: Iterable[Record | RecordError],
    *,
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[LinkIndex]:
    """``records`` (every record of an export, read as ``index_options`` reads it)
    indexed; ``on_progress(records read)`` is called as they are read."""
    with LinkIndex(rules) as index:
        for n, record in enumerate(records, 1):
            if not isinstance(record, Exception):
                index.add(record)
            if on_progress is not None and n % _PROGRESS_EVERY == 0:
                on_progress(n)
        log.debug(
            "link index built",
            records=index.records,
            skipped=index.skipped,
            hosts=sorted(index.hosts),
            first_skips=index.skip_reasons,
        )
        yield index
