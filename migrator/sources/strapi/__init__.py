"""Strapi import-export-entries exports: one record per entry, its localizations joined
(``source.py``); ``describe.py`` writes a starter mapping."""

from migrator.sources.strapi.source import StrapiSource

__all__ = ["StrapiSource"]
