"""``migrator inspect --scaffold`` for any JSON document or NDJSON file.

KIND says which records: a records path (``[*]``, ``data.items[*]``; ``$`` for a
top-level object that is one record), ``record`` for every line of an NDJSON file, or
the value of the records' type field (``type``, ``_type``, ``kind``...), written
``PATH:TYPE`` when the same type shows under two paths. Fields and types are inferred
from the first records; their id field (``id``, ``_id``...), when every record has a
distinct one, becomes the ``key``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migrator.sources.json.sampled import Inference, sampled_plan
from migrator.sources.json.scaffold import (
    Scaffold,
    butter_name,
    quote,
    sample,
    toml_list,
    unknown_kind,
)
from migrator.sources.json.stream import JsonBroken, identity_text, json_file, parse_events

if TYPE_CHECKING:
    from migrator.sources.json.source import JsonSource, NdjsonSource

TYPE_KEYS = ("type", "_type", "kind", "__typename", "@type", "contentType", "content_type")
ID_KEYS = ("id", "_id", "uuid", "guid", "uid", "key", "ID", "Id")
_SCALAR_EVENTS = frozenset({"string", "number", "boolean", "null"})
# Parse events looked at to find where the records are (the start of a huge file says).
_SCAN_EVENTS = 2_000_000

_RECORD_HELP = [
    "Records (see migrator/sources/json/source.py): each object, as is. [source] options:",
    "records_path (where the records are), key (the dotted path of each record's id: re-runs",
    "update), kind_path (the path of the type a [filter] picks on).",
]


@dataclass(frozen=True)
class _Choice:
    records_path: str | None  # JSON only
    kind_path: str | None = None  # the records' type field, when KIND is a type
    type_value: str | None = None


def scaffold(source: JsonSource | NdjsonSource, kind: str) -> Scaffold:
    choices = _choices(source)
    if kind not in choices:
        raise unknown_kind(kind, source.path, "record kind", choices)
    choice = choices[kind]
    records = _sample(source, choice)
    key = _key(records)
    options: list[tuple[str, str]] = []
    if choice.records_path is not None:
        options.append(("records_path", quote(choice.records_path)))
    if key is not None:
        options.append(("key", quote(key)))
    else:
        options.append(("# No id field in every record: records are known by position.", ""))
    if choice.kind_path is not None:
        options.append(("kind_path", quote(choice.kind_path)))
    plan = sampled_plan(
        fmt=source.name,
        path=source.path,
        kind=kind,
        name=_name(source, choice),
        records=records,
        how=Inference(skip=lambda k: k == key or k == choice.kind_path or k.startswith("_")),
        id_path=key,
        source=options,
        record_help=_RECORD_HELP,
    )
    if choice.type_value is not None:
        plan.filter = [("kind", toml_list([choice.type_value]))]
    plan.status = '"draft"'
    return plan.render()


def _name(source: JsonSource | NdjsonSource, choice: _Choice) -> str:
    if choice.type_value is not None:
        return butter_name(choice.type_value)
    path = (choice.records_path or "").removesuffix("[*]").strip("$.")
    return butter_name(path.rsplit(".", 1)[-1] if path else source.path.stem)


def _choices(source: JsonSource | NdjsonSource) -> dict[str, _Choice]:
    """Every KIND this file answers to, in file order."""
    paths: list[str | None] = [None]  # NDJSON: every line
    if source.name == "json":
        paths = [*_record_paths(source.path)]
    out: dict[str, _Choice] = {}
    typed: dict[str, list[_Choice]] = {}
    for path in paths:
        out[path if path is not None else "record"] = _Choice(path)
        records = _sample(source, _Choice(path))
        for type_key in TYPE_KEYS:
            values = [r.get(type_key) for r in records]
            if records and all(isinstance(v, str) and v.strip() for v in values):
                for value in dict.fromkeys(str(v) for v in values):
                    typed.setdefault(value, []).append(_Choice(path, type_key, value))
                break
    for value, found in typed.items():
        for choice in found:
            name = value if len(found) == 1 else f"{choice.records_path}:{value}"
            out.setdefault(name, choice)
    return out


def _record_paths(path: Path) -> list[str]:
    """Where a JSON document's records may be: ``$`` for a top-level object that looks
    like a record (it has values of its own, not only lists), then the outermost lists of
    objects (``[*]``, ``data.items[*]``; not under ``_links``-like metadata keys)."""
    found: list[str] = []
    root_map = root_values = False
    with json_file(path) as reader:
        events = parse_events(reader)
        try:
            for n, (prefix, event, _) in enumerate(events):
                if n >= _SCAN_EVENTS:
                    break
                if prefix == "" and event == "start_map":
                    root_map = True
                elif root_map and "." not in prefix and event in _SCALAR_EVENTS:
                    root_values = True
                elif (
                    event == "start_map"
                    and (prefix == "item" or prefix.endswith(".item"))
                    and not any(prefix == f or prefix.startswith(f + ".") for f in found)
                    and not any(part.startswith("_") for part in prefix.split("."))
                ):
                    found.append(prefix)
        except JsonBroken:
            pass  # the records before the break are what the sources read too
    paths = [_records_path(prefix) for prefix in found]
    return ["$", *paths] if root_map and (root_values or not paths) else paths


def _records_path(prefix: str) -> str:
    """ijson's ``data.items.item`` → ``data.items[*]``."""
    out = ""
    for part in prefix.split("."):
        out += "[*]" if part == "item" else f"{'.' if out else ''}{part}"
    return out


def _sample(source: JsonSource | NdjsonSource, choice: _Choice) -> list[Mapping[str, Any]]:
    options: dict[str, Any] = {"records_path": choice.records_path} if source.name == "json" else {}
    reader: Any = type(source)(source.path, **options)

    def keep(record: Any) -> bool:
        if choice.type_value is None:
            return True
        return bool(record.data.get(choice.kind_path) == choice.type_value)

    return [r.data for r in sample(reader.records(), keep)]


def _key(records: list[Mapping[str, Any]]) -> str | None:
    """The first id-like key every record has, with distinct scalar values."""
    for key in ID_KEYS:
        values = [identity_text(r.get(key)) for r in records]
        if records and None not in values and len(set(values)) == len(values):
            return key
    return None
