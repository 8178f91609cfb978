"""Contentful space exports: one record per entry (``source.py``); ``richtext.py`` renders
Rich Text as HTML, ``describe.py`` writes a starter mapping from a content type's fields."""

from migrator.sources.contentful.source import ContentfulSource

__all__ = ["ContentfulSource"]
