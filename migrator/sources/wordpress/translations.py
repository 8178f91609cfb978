"""Translations in a WXR export: which language an item is in and which group of
translations it belongs to (Polylang's ``language`` and ``post_translations`` terms, or
WPML's import meta), and, with ``group_translations``, one record per group.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from migrator.records import Record
from migrator.sources.wordpress.items import classify, meta_pairs, text

WPML_LANGUAGE = "_wpml_import_language_code"
WPML_GROUP = "_wpml_import_translation_group"
WPML_SOURCE = "_wpml_import_source_language_code"


class Groups:
    """``group_translations``: hold the items of a translation group until all are read."""

    def __init__(self, enabled: bool, default_language: str | None, sizes: dict[str, int]):
        self.enabled = enabled
        self.default_language = default_language
        self.sizes = sizes
        self.waiting: dict[str, list[Record]] = {}

    def add(self, record: Record) -> Iterable[Record]:
        group = record.data.get("translation_group")
        if not self.enabled or not group or self.sizes.get(group, 0) < 2:
            return (record,)
        members = self.waiting.setdefault(group, [])
        members.append(record)
        if len(members) < self.sizes[group]:
            return ()
        del self.waiting[group]
        return (self.merge(members),)

    def flush(self) -> Iterator[Record]:
        for group in list(self.waiting):
            yield self.merge(self.waiting.pop(group))

    def merge(self, members: list[Record]) -> Record:
        if len(members) == 1:
            return members[0]
        default = self.default_language

        def rank(r: Record) -> int:
            if default and r.data.get("language") == default:
                return 0
            return 1 if not _str_or_none(r.data["meta"].get(WPML_SOURCE)) else 2

        primary = min(members, key=rank)  # min is stable: file order breaks ties
        translations: dict[str, Mapping[str, Any]] = {}
        warnings = list(primary.warnings)
        for r in members:
            lang = r.data.get("language") or r.identity
            if lang in translations:
                warnings.append(
                    f"two translations in {lang!r}: kept post {translations[lang]['post_id']}"
                )
                continue
            translations[lang] = r.data
            if r is not primary:
                warnings.extend(f"translation {r.identity}: {w}" for w in r.warnings)
        data = {**primary.data, "translations": translations,
                "translation_ids": [r.identity for r in members]}  # fmt: skip
        return Record(primary.identity, primary.kind, data, primary.location, tuple(warnings))


def translation(el: Any) -> tuple[str | None, str | None, str | None]:
    """(group, language, source language) of an item element (Polylang or WPML)."""
    group = language = None
    for child in el:
        if classify(child.tag) == ("", "category"):
            domain = child.get("domain")
            if domain == "post_translations":
                group = child.get("nicename") or text(child).strip()
            elif domain == "language":
                language = child.get("nicename") or text(child).strip()
    if group is None:
        # Meta values come untrimmed; these are identifiers.
        meta = {k: v.strip() for k, v in meta_pairs(el, "postmeta")}
        group = meta.get(WPML_GROUP) or None
        language = language or meta.get(WPML_LANGUAGE) or None
        return group, language, meta.get(WPML_SOURCE) or None
    return group, language, None


def item_language(data: dict[str, Any]) -> tuple[str | None, str | None]:
    terms = data["terms"]
    # Most items have no Polylang terms: no generator to make for them.
    language = group = None
    if "language" in terms:
        language = next((t["slug"] or t["name"] for t in terms["language"]), None)
    if "post_translations" in terms:
        group = next((t["slug"] or t["name"] for t in terms["post_translations"]), None)
    meta = data["meta"]
    language = language or _str_or_none(meta.get(WPML_LANGUAGE))
    group = group or _str_or_none(meta.get(WPML_GROUP))
    return language, group


def _str_or_none(value: Any) -> str | None:
    return str(value).strip() or None if isinstance(value, str | int) else None
