"""Contentful space exports (``contentful space export``): one record per entry.

**Records.** Identity ``sys.id``; kind the content type id. ``data``::

    id, content_type, status          # status: published | changed | draft | archived
    created_at, updated_at, published_at, tags   # tags: metadata tag ids
    fields   {field: {locale: value}}  # as exported: only the locales that have a value
    locales  {locale: {field: value}}  # one view per space locale, Contentful's fallback
                                       # chain applied (what the web app would show)

so a mapping can say exactly how a partly translated entry falls back::

    headline = { from = "fields.title.es" }                       # Spanish or error
    headline = { from = ["fields.title.es", "fields.title.en"] }  # else English (mapping)
    headline = { from = "locales.es.title" }                      # else es's fallbackCode

Non-localized fields hold their value under the default locale only (Contentful's rule);
the ``locales`` views carry it into every locale.

**Locale codes.** ``locale_map = { "en-US" = "en" }`` renames locales everywhere (field
keys, views, fallback codes) so paths and Butter's locales agree; unlisted codes stay.

**Values.** A link to an asset becomes the asset's file URL in that locale (else the
default locale's), protocol-relative ``//images.ctfassets.net/...`` made ``https:``; a
link to a missing asset becomes null with a warning naming the record and field (a
``RecordWarning``: the warnings file and the summary). A link to an entry becomes the
linked entry's id, or with ``reference_fields = { person = "name" }`` that field of a
linked ``person`` entry (in the same locale, else the default one) — what a Butter
reference matches on (resolving references to Butter items is the engine's job). A link
to an entry not in the export stays its id, with such a warning. Rich Text becomes HTML
(``richtext.contentful_html``): embedded assets as ``<img>``, embedded entries as a
``data-entry`` placeholder holding the reference label.

**Streaming, two passes.** Pass 1 streams the whole file once and keeps only what joins
need: locales, content-type field flags, per asset its URL and title per locale, per
entry its content type and its reference label — memory grows with the number of
entries and assets (≈200 bytes each), not with their content. Pass 2 streams
``entries`` one at a time. ``content_types = ["post"]`` reads only those types.

**Bad input.** An entry without ``sys.id`` or content type, or whose id was seen before
(the message names the first one's position), is a ``RecordError`` located by its index
(``file@entries[17]``). A document that breaks part-way yields the entries before the
break, then a ``RecordError`` at the byte position of the break.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from migrator.errors import RecordError
from migrator.paths import MISSING
from migrator.records import Location, Record, RecordWarning
from migrator.seen import SeenKeys
from migrator.sources.base import Source
from migrator.sources.contentful import describe as contentful_describe
from migrator.sources.contentful.index import Index, build_index
from migrator.sources.contentful.richtext import contentful_html, is_contentful_document
from migrator.sources.json.scaffold import Scaffold
from migrator.sources.json.stream import (
    JsonBroken,
    cut_off,
    head_events,
    identity_text,
    stream_items,
    summarize,
    top_keys,
)
from migrator.sources.options import Option, string_list, string_table
from migrator.sources.rendering import Rendering

CONTENTFUL_KEYS = frozenset(
    {"contentTypes", "entries", "assets", "locales", "editorInterfaces", "webhooks", "roles"}
)


_TABLE = 'must be a table of strings, e.g. { "en-US" = "en" }'
_content_type_list = string_list("must be a list of content type ids")


class ContentfulSource(Source):
    """A Contentful space export; see the module docstring."""

    name = "contentful"

    locale_map = Option(None, string_table(_TABLE))
    reference_fields = Option(None, string_table(_TABLE))
    content_types = Option(None, lambda value: frozenset(_content_type_list(value) or ()))
    _index: Index | None = None  # pass 1 of the last read, for describe()

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        keys = top_keys(head_events(head))
        return bool(keys) and keys[0] in CONTENTFUL_KEYS

    # --- pass 1 --------------------------------------------------------------------------

    def _code(self, code: Any) -> str:
        return self.locale_map.get(str(code), str(code))

    def build_index(self) -> Index:
        return build_index(self.path, self._code, self.reference_fields)

    # --- pass 2 --------------------------------------------------------------------------

    def read(self) -> Iterator[Record | RecordError]:
        index = self._index = self.build_index()
        with SeenKeys() as seen:
            try:
                for i, raw in stream_items(self.path, "entries.item"):
                    item = self._record(raw, f"entries[{i}]", index, seen)
                    if item is not None:
                        yield item
            except JsonBroken as broken:
                yield cut_off(self.stats, self.file, broken, "entries")

    def _record(
        self, raw: Any, position: str, index: Index, seen: SeenKeys
    ) -> Record | RecordError | None:
        where = f"{self.path}@{position}"
        if not isinstance(raw, dict):
            return RecordError("an entry must be a JSON object", file=where)
        sys: dict[str, Any] = raw["sys"] if isinstance(raw.get("sys"), dict) else {}
        identity = identity_text(sys.get("id"))
        if identity is None:
            return RecordError("the entry has no sys.id", file=where, field="sys.id")
        first = seen.first_seen(identity, position)
        if first is not None:
            return RecordError(
                f"duplicate entry id, first seen at {first}", file=where, identity=identity
            )
        ctype = ((sys.get("contentType") or {}).get("sys") or {}).get("id")
        if not isinstance(ctype, str) or not ctype:
            return RecordError(
                "the entry has no content type (sys.contentType.sys.id)",
                file=where,
                identity=identity,
                field="sys.contentType",
            )
        if self.content_types and ctype not in self.content_types:
            return None
        warnings: list[str] = []
        raw_fields: dict[str, Any] = raw["fields"] if isinstance(raw.get("fields"), dict) else {}
        fields = self._fields(raw_fields, index, warnings)
        data = {
            "id": identity,
            "content_type": ctype,
            "status": _status(sys),
            "created_at": sys.get("createdAt"),
            "updated_at": sys.get("updatedAt"),
            "published_at": sys.get("publishedAt"),
            "tags": [
                t["sys"]["id"]
                for t in (raw.get("metadata") or {}).get("tags") or ()
                if isinstance(t, dict) and isinstance(t.get("sys"), dict) and "id" in t["sys"]
            ],
            "fields": fields,
            "locales": self._views(fields, ctype, index),
        }
        return Record(
            identity, ctype, data, Location(str(self.path), position=position), tuple(warnings)
        )

    def _fields(
        self, raw_fields: dict[str, Any], index: Index, warnings: list[str]
    ) -> dict[str, dict[str, Any]]:
        """{field: {locale: value}}, the values made usable (links, Rich Text)."""
        fields: dict[str, dict[str, Any]] = {}
        for name, per_locale in raw_fields.items():
            if not isinstance(per_locale, dict):
                warnings.append(f"field {name!r} is not keyed by locale; skipped")
                continue
            fields[name] = {
                self._code(loc): self._value(v, self._code(loc), index, warnings, name)
                for loc, v in per_locale.items()
            }
        return fields

    def _views(
        self, fields: dict[str, dict[str, Any]], ctype: str, index: Index
    ) -> dict[str, dict[str, Any]]:
        """{locale: {field: value}} for every locale, the fallback chain applied."""
        codes = [loc.code for loc in index.locales]
        codes += sorted({c for v in fields.values() for c in v} - set(codes))
        localized = index.localized.get(ctype, {})
        views: dict[str, dict[str, Any]] = {}
        for code in codes:
            view: dict[str, Any] = {}
            for name, values in fields.items():
                value = self._fallback(values, code, localized.get(name, True), index)
                if value is not MISSING:
                    view[name] = value
            views[code] = view
        return views

    def _fallback(self, values: dict[str, Any], code: str, localized: bool, index: Index) -> Any:
        if not localized:
            default = index.default
            return values.get(default, values.get(code, MISSING)) if default else MISSING
        chain = {loc.code: loc.fallback for loc in index.locales}
        seen: set[str] = set()
        current: str | None = code
        while current is not None and current not in seen:
            if current in values:
                return values[current]
            seen.add(current)
            current = chain.get(current)
        return MISSING

    def _value(self, value: Any, locale: str, index: Index, warnings: list[str], name: str) -> Any:
        if isinstance(value, list):
            out = [self._value(v, locale, index, warnings, name) for v in value]
            return [v for v in out if v is not None]
        if is_contentful_document(value):
            rendering = Rendering(
                asset=lambda i: self._asset(i, locale, index),
                entry=lambda i: self._entry_label(i, locale, index),
            )
            html = contentful_html(value, rendering)
            for w in rendering.warnings:
                if w in rendering.lost:
                    warnings.append(_lost("rich text lost a link or embed", name, locale, w))
                else:
                    warnings.append(f"{name}.{locale}: {w}")
            return html
        link = _link(value)
        if link is None:
            return value
        kind, target = link
        if kind == "Asset":
            found = self._asset(target, locale, index)
            if found is None:
                what = f"links to asset {target!r}"
                warnings.append(
                    _lost("asset left out, it is not in the export", name, locale, what)
                )
                return None
            return found[0]
        if kind == "Entry":
            if target not in index.entries:
                what = f"links to entry {target!r}, kept its id"
                warnings.append(
                    _lost(
                        "reference not followed, its entry is not in the export", name, locale, what
                    )
                )
                return target
            return self._reference(target, locale, index)
        return value

    def _asset(self, asset_id: str, locale: str, index: Index) -> tuple[str, str] | None:
        found = index.assets.get(asset_id)
        if found is None:
            return None
        urls, alts = found
        url = _localized(urls, locale, index.default) or next(iter(urls.values()))
        return url, _localized(alts, locale, index.default) or ""

    def _reference(self, entry_id: str, locale: str, index: Index) -> str:
        ctype, labels = index.entries[entry_id]
        if ctype not in self.reference_fields:
            return entry_id
        default = index.default
        return labels.get(locale) or (labels.get(default) if default else None) or entry_id

    def _entry_label(self, entry_id: str, locale: str, index: Index) -> tuple[None, str] | None:
        if entry_id not in index.entries:
            return None
        return None, self._reference(entry_id, locale, index)

    # --- inspect -------------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        summary = summarize(self.name, self.records(), lambda r: dict(r.data["fields"]))
        index = self._index or Index()
        summary["locales"] = [
            {"code": loc.code, "default": loc.default, "fallback": loc.fallback}
            for loc in index.locales
        ]
        summary["content_types"] = {
            ctype: {"name": index.type_names.get(ctype, ctype), "fields": sorted(flags)}
            for ctype, flags in sorted(index.localized.items())
        }
        summary["assets"] = len(index.assets)
        return summary

    def scaffold(self, kind: str) -> Scaffold:
        """A starter mapping for content type ``kind``, from its field definitions."""
        return contentful_describe.scaffold(self, kind)


def _localized(values: dict[str, str], locale: str, default: str | None) -> str | None:
    return values.get(locale) or (values.get(default) if default else None)


def _link(value: Any) -> tuple[str, str] | None:
    if not isinstance(value, dict) or set(value) != {"sys"} or not isinstance(value["sys"], dict):
        return None
    sys = value["sys"]
    if sys.get("type") != "Link" or not isinstance(sys.get("id"), str):
        return None
    return str(sys.get("linkType")), sys["id"]


def _status(sys: dict[str, Any]) -> str:
    if sys.get("archivedVersion"):
        return "archived"
    published = sys.get("publishedVersion")
    if not published:
        return "draft"
    version = sys.get("version")
    if isinstance(version, int) and isinstance(published, int) and version > published + 1:
        return "changed"
    return "published"


def _lost(reason: str, name: str, locale: str, detail: str) -> RecordWarning:
    """Something the mapping may ask for that the export cannot give (an asset or entry
    not in it): a warning for the warnings file, counted by ``reason`` in the summary."""
    return RecordWarning(f"{reason}: {name}.{locale} {detail}", field=name)
