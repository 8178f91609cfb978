"""Strapi exports from the import-export-entries plugin (format version 2)::

    {"version": 2, "data": {"api::restaurant.restaurant": {"1": {...}, "3": {...}}, ...}}

**Records.** One per content entry of an ``api::`` type, its i18n localizations joined:
entries linked by ``localizations`` are one record. Kind is the type's name
(``api::restaurant.restaurant`` → ``restaurant``); identity ``<kind>:<id>`` of the main
entry (the one in ``default_locale``, else the lowest id). ``data``::

    uid, id, locale, <every field of the main entry>
    locales   {locale: {field: value}}   # every localization, the main one included

so ``[locales.fr.fields] name = { from = "locales.fr.name" }`` maps a translation.
``media_fields = ["logo"]`` turns those fields' upload ids into the file URLs
(``plugin::upload.file``); relations and components stay ids (the export has no schema
to say which field is which). Component and plugin entries are not records.

**Streaming, two passes.** Pass 1 keeps upload URLs and, per entry, its locale and
localization ids (a few numbers each). Pass 2 streams entries one at a time and holds an
entry only until the rest of its localization group has been read (groups sit together
in real exports, so that is a handful).

**Bad input.** An entry that is not an object or whose id repeats within its type is a
``RecordError`` located by path (``file@data["api::x.x"]["3"]``); a localization or
media id not in the export is a warning. A document that breaks part-way yields the
records before the break, then a ``RecordError`` at the byte position.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ijson

from migrator.errors import RecordError
from migrator.records import Location, Record
from migrator.sources.base import Source
from migrator.sources.files import CHUNK_SIZE
from migrator.sources.json.scaffold import Scaffold
from migrator.sources.json.stream import (
    Builder,
    JsonBroken,
    cut_off,
    head_events,
    identity_text,
    json_file,
    summarize,
    top_keys,
)
from migrator.sources.options import Option, is_text, must, optional, string_list
from migrator.sources.strapi import describe as strapi_describe

UPLOAD_FILE = "plugin::upload.file"


@dataclass
class _Index:
    files: dict[str, str] = field(default_factory=dict)  # upload id → url
    # (uid, id) → (locale, localization ids)
    entries: dict[tuple[str, str], tuple[str | None, list[str]]] = field(default_factory=dict)
    groups: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    version: Any = None


_media_field_list = string_list("must be a list of field names", allow_empty=True)


class StrapiSource(Source):
    """A Strapi import-export-entries (v2) export; see the module docstring."""

    name = "strapi"

    default_locale = Option(None, optional(must(is_text, "must be a locale code like 'en'")))
    media_fields = Option(None, lambda value: frozenset(_media_field_list(value) or ()))
    _version: Any = None  # the export's "version", seen while reading

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        events = head_events(head)
        keys = top_keys(events)
        uids = [v for p, e, v in events if p == "data" and e == "map_key"]
        return "data" in keys and any("::" in u for u in uids)

    def _entries(self) -> Iterator[tuple[str, str, Any]]:
        """``(uid, key, entry)`` for every entry; raises ``JsonBroken`` at a break."""
        with json_file(self.path) as reader:
            keys: dict[int, Any] = {}
            depth = 0
            builder: Builder | None = None
            try:
                for event, value in ijson.basic_parse(reader, use_float=True, buf_size=CHUNK_SIZE):
                    if builder is not None:
                        if builder.feed(event, value):
                            yield keys[2], keys[3], builder.value
                            builder = None
                        continue
                    in_type = depth == 3 and keys.get(1) == "data"
                    if event == "map_key":
                        keys[depth] = value
                    elif event in ("start_map", "start_array"):
                        if in_type:
                            builder = Builder(event, value)
                        else:
                            depth += 1
                    elif event in ("end_map", "end_array"):
                        depth -= 1
                    elif in_type:
                        yield keys[2], keys[3], value
                    elif depth == 1 and keys.get(1) == "version":
                        self._version = value
            except (ijson.JSONError, UnicodeDecodeError) as exc:
                raise reader.broken(exc) from None

    # --- pass 1 --------------------------------------------------------------------------

    def build_index(self) -> _Index:
        index = _Index()
        self._version = None
        try:
            for uid, key, entry in self._entries():
                if not isinstance(entry, dict):
                    continue
                if uid == UPLOAD_FILE and isinstance(entry.get("url"), str):
                    index.files[key] = entry["url"]
                elif uid.startswith("api::"):
                    links = entry.get("localizations")
                    ids = [str(i) for i in links] if isinstance(links, list) else []
                    locale = entry.get("locale") if isinstance(entry.get("locale"), str) else None
                    index.entries[(uid, key)] = (locale, ids)
        except JsonBroken:
            pass  # pass 2 reports it where it happens
        index.version = self._version
        # Localization groups: connected entries of one type.
        for (uid, key), (_, ids) in index.entries.items():
            if (uid, key) in index.groups:
                continue
            group, todo = {key}, list(ids)
            while todo:
                other = todo.pop()
                if other in group or (uid, other) not in index.entries:
                    continue
                group.add(other)
                todo.extend(index.entries[(uid, other)][1])
            members = frozenset(group)
            for member in members:
                index.groups[(uid, member)] = members
        return index

    # --- pass 2 --------------------------------------------------------------------------

    def read(self) -> Iterator[Record | RecordError]:
        stats = self.stats
        index = self.build_index()
        if index.version not in (2, None):
            stats.notes.append(f"{self.path}: export format version {index.version!r}; read as 2")
        file = str(self.path)
        seen: dict[tuple[str, str], str] = {}
        pending: dict[frozenset[str], dict[str, tuple[str, dict[str, Any]]]] = {}
        try:
            for uid, key, entry in self._entries():
                if not uid.startswith("api::"):
                    continue
                position = f'data["{uid}"]["{key}"]'
                where = f"{file}@{position}"
                kind = uid.rsplit(".", 1)[-1] if "." in uid else uid.removeprefix("api::")
                if not isinstance(entry, dict):
                    yield RecordError("an entry must be a JSON object", file=where)
                    continue
                first = seen.get((uid, key))
                if first is not None:
                    yield RecordError(
                        f"duplicate {kind} id {key}, first seen at {first}",
                        file=where,
                        identity=f"{kind}:{key}",
                    )
                    continue
                seen[(uid, key)] = position
                group = index.groups.get((uid, key), frozenset({key}))
                members = pending.setdefault(group, {})
                members[key] = (position, entry)
                if len(members) < len(group):
                    continue
                del pending[group]
                yield self._record(uid, kind, members, index)
        except JsonBroken as broken:
            yield cut_off(stats, file, broken, "entries")

    def _record(
        self,
        uid: str,
        kind: str,
        members: dict[str, tuple[str, dict[str, Any]]],
        index: _Index,
    ) -> Record:
        warnings: list[str] = []

        def sort_key(key: str) -> tuple[bool, int, str]:
            locale = members[key][1].get("locale")
            number = identity_text(key)
            return (
                locale != self.default_locale,
                int(number) if number and number.isdigit() else 0,
                key,
            )

        keys = sorted(members, key=sort_key)
        main_key = keys[0]
        locales: dict[str, dict[str, Any]] = {}
        entries = [self._resolved(members[key][1], index.files, warnings) for key in keys]
        for entry in entries:
            locale = entry.get("locale")
            if isinstance(locale, str) and locale:
                locales.setdefault(locale, entry)
            for other in entry.get("localizations") or ():
                if (uid, str(other)) not in index.entries:
                    warnings.append(f"localization {other} is not in the export")
        main = entries[0]
        data = {**main, "uid": uid, "id": main.get("id", main_key), "locales": locales}
        identity = f"{kind}:{main_key}"
        location = Location(str(self.path), position=members[main_key][0])
        return Record(identity, kind, data, location, tuple(dict.fromkeys(warnings)))

    def _resolved(
        self, entry: dict[str, Any], files: dict[str, str], warnings: list[str]
    ) -> dict[str, Any]:
        if not self.media_fields:
            return dict(entry)
        out = dict(entry)
        for name in self.media_fields & set(entry):
            value = entry[name]
            ids = value if isinstance(value, list) else [value]
            urls = []
            for i in ids:
                url = files.get(str(i)) if i is not None else None
                if url is None and i is not None:
                    warnings.append(f"{name}: upload {i} is not in the export")
                urls.append(url)
            out[name] = urls if isinstance(value, list) else urls[0]
        return out

    # --- inspect -------------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        summary = summarize(self.name, self.records())
        index = self.build_index()
        summary["uids"] = sorted({uid for uid, _ in index.entries})
        summary["locales"] = sorted({loc for loc, _ in index.entries.values() if loc})
        summary["uploads"] = len(index.files)
        return summary

    def scaffold(self, kind: str) -> Scaffold:
        """A starter mapping for the content type ``kind``, from its entries' values."""
        return strapi_describe.scaffold(self, kind)
