"""Link rewriting: the old site's URLs in HTML fields → the new site's paths.

A mapping's ``links`` rules (``rules``) say where each kind of record lives now; the
engine reads the whole export once to index its records' old URLs (``index``), then
compiles the mapping with a rewriter (``rewrite``) that changes ``href``/``src``/
``srcset`` values (``html``) and notes what it could not map.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from migrator.log import get_logger
from migrator.mapping.links.index import LinkIndex
from migrator.mapping.links.rewrite import LinkRewriter, Note
from migrator.mapping.links.rules import LinkRules

__all__ = ["LinkIndex", "LinkRewriter", "LinkRules", "Note", "link_rewriter"]
log = get_logger("migrator.links")
_PROGRESS_EVERY = 1_000
# Source options that narrow what is read (WXR's post types) or merge records (grouped
# translations): the index reads every item of the export as it is.
_NARROWING = ("post_types", "group_translations")


@contextmanager
def link_rewriter(
    mapping: Any, source_path: Path, *, on_progress: Callable[[int], None] | None = None
) -> Iterator[LinkRewriter | None]:
    """The mapping's rewriter, its index built from ``source_path`` (None without rules).
    ``on_progress(records read)`` is called as the export is read."""
    if mapping.links is None:
        yield None
        return
    from migrator.sources import open_source

    # Every record of the site, whatever this mapping reads: a post links to pages too.
    options = {k: v for k, v in mapping.source_options.items() if k not in _NARROWING}
    source = open_source(mapping.source_format, source_path, **options)
    log.debug("indexing the export's URLs for link rewriting", source=str(source_path))
    with LinkIndex(mapping.links) as index:
        for n, record in enumerate(source.records(), 1):
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
        yield LinkRewriter(index)
