"""Sources: read an export file as a stream of records, one sub-package per format.

    source = open_source("csv", "export.csv", key="id")
    for item in source.records():      # Record, or RecordError for a bad record
        ...

Each format is a sub-package (``csv``, ``wordpress``, ``contentful``, ``ghost``, ``sanity``,
``strapi``, ``json``) whose ``Source`` subclass is registered in ``SOURCES``; its ``Option``
attributes are the options a mapping's ``[source]`` table may set (see ``base.py``).
"""

from __future__ import annotations

import os
from typing import Any

from migrator.errors import ConfigError
from migrator.sources.base import Source, SourceStats
from migrator.sources.contentful import ContentfulSource
from migrator.sources.csv import CsvSource, CsvStats
from migrator.sources.files import SAMPLE_SIZE, Part, export_parts
from migrator.sources.ghost import GhostSource
from migrator.sources.json import JsonlSource, JsonSource, NdjsonSource, Scaffold
from migrator.sources.sanity import SanitySource
from migrator.sources.strapi import StrapiSource
from migrator.sources.wordpress import WxrSource, WxrStats, qtranslate_languages, qtranslate_text

# format name -> source class. One entry per format.
SOURCES: dict[str, type[Source]] = {
    CsvSource.name: CsvSource,
    WxrSource.name: WxrSource,
    # JSON exports: the specific formats first (sniffed in this order), generic last.
    ContentfulSource.name: ContentfulSource,
    GhostSource.name: GhostSource,
    SanitySource.name: SanitySource,
    StrapiSource.name: StrapiSource,
    JsonSource.name: JsonSource,
    NdjsonSource.name: NdjsonSource,
    JsonlSource.name: JsonlSource,
}


def source_options(format: str) -> list[str]:
    """The options a format accepts (the ``Option`` attributes of its class)."""
    return sorted(_source_class(format).declared_options())


def open_source(format: str, path: str | os.PathLike[str], **options: Any) -> Source:
    """Build the source for ``format`` reading ``path``.

    Raises ``ConfigError`` for an unknown format, an unknown option or a bad option value.
    The file itself is opened only when ``records()`` is iterated.
    """
    cls = _source_class(format)
    valid = source_options(format)
    unknown = sorted(set(options) - set(valid))
    if unknown:
        raise ConfigError(
            f"unknown option{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, unknown))} for format {format!r}; "
            f"valid options: {', '.join(valid)}",
            key="source",
        )
    return cls(path, **options)


def _source_class(format: str) -> type[Source]:
    try:
        return SOURCES[format]
    except (KeyError, TypeError):
        raise ConfigError(
            f"unknown source format {format!r}; known formats: {', '.join(sorted(SOURCES))}",
            key="source.format",
        ) from None


__all__ = [
    "SAMPLE_SIZE",
    "SOURCES",
    "ContentfulSource",
    "CsvSource",
    "CsvStats",
    "GhostSource",
    "JsonSource",
    "JsonlSource",
    "NdjsonSource",
    "Part",
    "SanitySource",
    "Scaffold",
    "Source",
    "SourceStats",
    "StrapiSource",
    "WxrSource",
    "WxrStats",
    "export_parts",
    "open_source",
    "qtranslate_languages",
    "qtranslate_text",
    "source_options",
]
