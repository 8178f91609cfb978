"""Sources: read an export file as a stream of records, one sub-package per format.

    source = open_source("csv", "export.csv", key="id")
    for item in source.records():      # Record, or RecordError for a bad record
        ...

Each format is a sub-package (``csv``, ``wordpress``, ``contentful``, ``ghost``, ``sanity``,
``strapi``, ``json``) whose ``Source`` subclass is registered in ``SOURCES``; its ``Option``
attributes are the options a mapping's ``[source]`` table may set (see ``base.py``).
A format's sub-package is imported when that format is first used: a CSV run does not
load the WXR parser or markdown-it.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from migrator.errors import ConfigError
from migrator.lazy import lazy_front
from migrator.sources.base import Source, SourceStats
from migrator.sources.files import SAMPLE_SIZE, Part, export_parts

if TYPE_CHECKING:
    from migrator.sources.contentful import ContentfulSource
    from migrator.sources.csv import CsvSource, CsvStats
    from migrator.sources.ghost import GhostSource
    from migrator.sources.json import JsonlSource, JsonSource, NdjsonSource, Scaffold
    from migrator.sources.sanity import SanitySource
    from migrator.sources.strapi import StrapiSource
    from migrator.sources.wordpress import (
        WxrSource,
        WxrStats,
        qtranslate_languages,
        qtranslate_text,
    )


class _Registry(Mapping[str, type[Source]]):
    """Format name → source class, importing the class's module on first lookup; the
    names (and their order) are known without importing any."""

    def __init__(self, where: dict[str, tuple[str, str]]) -> None:
        self._where = where  # name -> (module, class name)
        self._loaded: dict[str, type[Source]] = {}

    def __getitem__(self, name: str) -> type[Source]:
        cls = self._loaded.get(name)
        if cls is None:
            module, attr = self._where[name]
            cls = self._loaded[name] = getattr(importlib.import_module(module), attr)
        return cls

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)

    def __contains__(self, name: object) -> bool:
        return name in self._where


# format name -> source class. One entry per format; tests/sources/test_registry.py checks
# each against its class's ``name``.
SOURCES: Mapping[str, type[Source]] = _Registry(
    {
        "csv": ("migrator.sources.csv", "CsvSource"),
        "wxr": ("migrator.sources.wordpress", "WxrSource"),
        # JSON exports: the specific formats first (sniffed in this order), generic last.
        "contentful": ("migrator.sources.contentful", "ContentfulSource"),
        "ghost": ("migrator.sources.ghost", "GhostSource"),
        "sanity": ("migrator.sources.sanity", "SanitySource"),
        "strapi": ("migrator.sources.strapi", "StrapiSource"),
        "json": ("migrator.sources.json", "JsonSource"),
        "ndjson": ("migrator.sources.json", "NdjsonSource"),
        "jsonl": ("migrator.sources.json", "JsonlSource"),
    }
)

# The formats' own names, imported on first use (as the registry's classes are).
__getattr__, __dir__ = lazy_front(
    __name__,
    {
        "migrator.sources.contentful": ["ContentfulSource"],
        "migrator.sources.csv": ["CsvSource", "CsvStats"],
        "migrator.sources.ghost": ["GhostSource"],
        "migrator.sources.json": ["JsonSource", "JsonlSource", "NdjsonSource", "Scaffold"],
        "migrator.sources.sanity": ["SanitySource"],
        "migrator.sources.strapi": ["StrapiSource"],
        "migrator.sources.wordpress": [
            "WxrSource",
            "WxrStats",
            "qtranslate_languages",
            "qtranslate_text",
        ],
    },
)


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
