"""``migrator inspect --scaffold`` for Sanity: a mapping for one document ``_type``, its
fields and their types inferred from the first documents of that type."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from migrator.sources.json.sampled import Inference, sampled_plan
from migrator.sources.json.scaffold import (
    Scaffold,
    butter_name,
    sample,
    toml_list,
    unknown_kind,
)
from migrator.sources.json.stream import ndjson_lines

if TYPE_CHECKING:
    from migrator.sources.sanity.source import SanitySource, _Index

_RECORD_HELP = [
    "Records (see migrator/sources/sanity/source.py): the document itself. A reference is the",
    "referenced document's _id (or a field of it: reference_fields in [source]); an image",
    "gains url; Portable Text arrives as HTML. Drafts, system and asset documents are skipped.",
]


def scaffold(source: SanitySource, kind: str) -> Scaffold:
    index = source.build_index()
    docs = sample(source.records(), lambda r: r.kind == kind)
    if not docs:
        # Asset (sanity.*) and system documents are not records.
        types = {t for t, _ in index.docs.values() if not t.startswith(("sanity.", "system."))}
        raise unknown_kind(kind, source.path, "document type", sorted(types))

    def reference_of(value: Any) -> str | None:
        found = index.docs.get(value) if isinstance(value, str) else None
        return found[0] if found is not None else None

    how = Inference(reference_of=reference_of, html_transforms=())
    referenced_by = _referencing_kinds(source, index, kind)
    options: list[tuple[str, str]] = []
    plan = sampled_plan(
        fmt="sanity",
        path=source.path,
        kind=kind,
        name=butter_name(kind),
        records=[d.data for d in docs],
        how=how,
        # A document without _id (read by line number) leaves nothing to look it up by.
        id_path="_id" if all(isinstance(d.data.get("_id"), str) for d in docs) else None,
        source=options,
        record_help=_RECORD_HELP,
        referenced_by=referenced_by,
    )
    if any(p.type == "media" for p in plan.fields):
        options += [
            ("# Images: where the export's images/ folder is served (image@file://...), or", ""),
            ("# the project and dataset that build Sanity CDN URLs for the others.", ""),
            ('# assets_base = "http://127.0.0.1:8000"', ""),
            ('# project_id = "abc123"', ""),
            ('# dataset = "production"', ""),
        ]
    plan.filter = [("kind", toml_list([kind]))]
    return plan.render()


def _referencing_kinds(source: SanitySource, index: _Index, kind: str) -> list[str]:
    """The other document types whose documents reference one of ``kind``: a post's
    author, its categories. Those scaffold the reference as ``collection:KIND``, so
    ``kind`` must be a collection too (one more pass over the export, for inspect)."""
    found: set[str] = set()
    for line in ndjson_lines(source.path):
        doc = line.value
        if not isinstance(doc, dict) or doc.get("_type") in (kind, None):
            continue
        if any((index.docs.get(ref) or ("", None))[0] == kind for ref in _references(doc)):
            found.add(str(doc["_type"]))
    return sorted(found)


def _references(value: Any) -> Iterator[str]:
    """Every ``_ref`` in a document, at any depth."""
    if isinstance(value, list):
        for item in value:
            yield from _references(item)
    elif isinstance(value, dict):
        ref = value.get("_ref")
        if isinstance(ref, str) and "asset" not in value:
            yield ref
        for item in value.values():
            yield from _references(item)
