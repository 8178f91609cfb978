"""Sanity dataset exports (NDJSON): one record per document (``source.py``);
``portable_text.py`` renders Portable Text as HTML, ``describe.py`` writes a starter mapping."""

from migrator.sources.sanity.source import SanitySource

__all__ = ["SanitySource"]
