"""Pass 1 over a Contentful export: only what the joins of pass 2 need (locales and their
fallbacks, which fields of each content type are localized, every asset's URL and alt
text per locale, every entry's content type and reference label), never entry contents.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migrator.sources.json.stream import Collector, https, scan

# A locale code as the export has it → as the records use it (locale_map applied).
Code = Callable[[Any], str]


@dataclass
class Locale:
    code: str
    default: bool
    fallback: str | None


@dataclass
class Index:
    """Pass 1: only what the joins need."""

    locales: list[Locale] = field(default_factory=list)
    localized: dict[str, dict[str, bool]] = field(default_factory=dict)  # type → field → flag
    type_names: dict[str, str] = field(default_factory=dict)
    # asset id → ({locale: file url}, {locale: alt text (description, else title)})
    assets: dict[str, tuple[dict[str, str], dict[str, str]]] = field(default_factory=dict)
    entries: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)  # id→type,labels

    @property
    def default(self) -> str | None:
        for loc in self.locales:
            if loc.default:
                return loc.code
        return self.locales[0].code if self.locales else None


def build_index(path: Path, code: Code, reference_fields: dict[str, str]) -> Index:
    """Stream the export once; a break is reported where pass 2 meets it."""
    index = Index()
    collect = Collector(
        ("locales.item", "contentTypes.item", "assets.item"),
        lambda prefix, value: _add(index, prefix, value, code),
    )
    labels = _EntryLabels(index, code, reference_fields)

    def on_event(prefix: str, event: str, value: Any) -> None:
        if prefix.startswith("entries.item"):
            labels(prefix, event, value)
        else:
            collect(prefix, event, value)

    scan(path, on_event)
    return index


def _add(index: Index, prefix: str, value: Any, code: Code) -> None:
    """One locale, content type or asset, built whole (they are small)."""
    if not isinstance(value, dict):
        return
    sys = value.get("sys") or {}
    if prefix == "locales.item" and value.get("code"):
        fallback = value.get("fallbackCode")
        index.locales.append(
            Locale(
                code(value["code"]),
                bool(value.get("default")),
                code(fallback) if fallback else None,
            )
        )
    elif prefix == "contentTypes.item" and sys.get("id"):
        fields = value.get("fields") or []
        index.localized[sys["id"]] = {
            f["id"]: bool(f.get("localized")) for f in fields if isinstance(f, dict) and "id" in f
        }
        index.type_names[sys["id"]] = str(value.get("name") or sys["id"])
    elif prefix == "assets.item" and sys.get("id"):
        fields = value.get("fields") or {}
        files = fields.get("file") or {}
        titles = fields.get("title") or {}
        descriptions = fields.get("description") or {}
        urls = {
            code(loc): https(f["url"])
            for loc, f in files.items()
            if isinstance(f, dict) and isinstance(f.get("url"), str)
        }
        alts = {
            code(loc): str(text)
            for loc, text in {**titles, **descriptions}.items()
            if isinstance(text, str) and text
        }
        if urls:
            index.assets[str(sys["id"])] = (urls, alts)


class _EntryLabels:
    """Parse events under ``entries``: each entry's id, content type and, for the types
    in ``reference_fields``, that field per locale (what a reference to it becomes).
    Entries are never built whole."""

    def __init__(self, index: Index, code: Code, reference_fields: dict[str, str]) -> None:
        self.index = index
        self.code = code
        self.reference_fields = reference_fields
        self.label_fields = frozenset(reference_fields.values())
        self.current: dict[str, Any] = {}

    def __call__(self, prefix: str, event: str, value: Any) -> None:
        current = self.current
        if prefix == "entries.item.sys.id" and event == "string":
            current["id"] = value
        elif prefix == "entries.item.sys.contentType.sys.id" and event == "string":
            current["type"] = value
        elif prefix.startswith("entries.item.fields.") and event in ("string", "number"):
            parts = prefix.split(".")
            if len(parts) == 5 and parts[3] in self.label_fields:
                current.setdefault("labels", {}).setdefault(parts[3], {})[self.code(parts[4])] = (
                    str(value)
                )
        elif prefix == "entries.item" and event == "end_map":
            if "id" in current:
                ctype = current.get("type", "")
                labels = current.get("labels", {}).get(self.reference_fields.get(ctype), {})
                self.index.entries[current["id"]] = (ctype, labels)
            current.clear()
