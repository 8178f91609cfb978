"""Sanity dataset exports (``data.ndjson`` from ``sanity dataset export``): one record per
document.

**Records.** Identity ``_id``; kind ``_type``; ``data`` is the document with its
references, images and Portable Text made usable:

- a reference ``{_ref: "grrm", _type: "reference"}`` becomes the target's ``_id``, or
  with ``reference_fields = { author = "name", category = "slug.current" }`` that field
  of the referenced document (a dotted path) — what a Butter reference matches on;
  resolving it to a Butter item is the engine's job. A reference to a document not in
  the export, or to another dataset (``_dataset``/``_projectId``), stays its id, with a
  warning naming the record and field (a ``RecordWarning``: the run's warnings file and
  its summary).
- an image or file object (``{_type: "image", asset: {_ref}}`` or the export's
  ``{_sanityAsset: "image@file://./images/x.png"}``) keeps its keys and gains ``url``:
  the asset document's ``url`` when the export has it, else the Sanity CDN URL built from
  the asset id with ``project_id`` and ``dataset``; a ``file://`` path of the export's
  own ``images/`` folder is put under ``assets_base`` (where you serve that folder).
  So a mapping says ``hero_image = { from = "mainImage.url" }``. An asset without a URL
  (a ``file://`` one without ``assets_base``, one not in the export without
  ``project_id``/``dataset``) has ``url`` None, and an image block is left out of its
  HTML: each a ``RecordWarning`` naming the record and field.
- a Portable Text array (blocks with ``_type: block``) becomes an HTML string
  (``portable_text.portable_text_html``), images included.

**Skipped, not errors** (counted in ``stats.notes``): drafts (``drafts.`` ids) unless
``include_drafts = true``; system documents (``system.*`` types, ``_.`` ids); asset
documents (``sanity.imageAsset``/``sanity.fileAsset``: they feed ``url`` instead).

**Bad input**, each reported with its line while the rest goes through: a line that is
not JSON or not an object; a document without ``_type``; a non-string ``_id``; an ``_id``
seen before (the message names the first line). A document without ``_id`` is read with
identity ``line:<n>`` and a warning (add ids for stable re-runs); an ``_id`` with
characters Sanity rejects, or text holding U+FFFD, is read with a warning.

**Streaming, two passes.** Pass 1 parses each line and keeps, per document, its type and
reference label, and per asset its URL: memory grows with the number of documents
(≈150 bytes each), not their content. Pass 2 yields one document at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migrator.errors import ConfigError, RecordError
from migrator.paths import MISSING, SourcePath, parse_path
from migrator.records import Location, Record, RecordWarning
from migrator.seen import SeenKeys
from migrator.sources.base import Source
from migrator.sources.json.scaffold import Scaffold
from migrator.sources.json.stream import REPLACEMENT_WARNING, head_lines, ndjson_lines, summarize
from migrator.sources.options import Option, boolean, is_text, must, optional
from migrator.sources.rendering import Rendering
from migrator.sources.sanity import describe as sanity_describe
from migrator.sources.sanity.portable_text import is_portable_text, portable_text_html

ASSET_TYPES = ("sanity.imageAsset", "sanity.fileAsset")
_VALID_ID = re.compile(r"[A-Za-z0-9._-]+")
_IMAGE_ID = re.compile(r"image-([0-9a-zA-Z]+)-(\d+x\d+)-([a-z0-9]+)")
_FILE_ID = re.compile(r"file-([0-9a-zA-Z]+)-([a-z0-9]+)")


@dataclass
class _Index:
    docs: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # id → type, label
    assets: dict[str, str] = field(default_factory=dict)  # asset id → url


def _reference_fields(value: Any) -> dict[str, SourcePath]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError('must be a table like { author = "name" }')
    paths: dict[str, SourcePath] = {}
    for kind, text in value.items():
        try:
            paths[kind] = parse_path(text if isinstance(text, str) else "")
        except ValueError as exc:
            raise ConfigError(str(exc), key=f"reference_fields.{kind}") from None
    return paths


_text = optional(must(is_text, "must be a non-empty string"))


def _assets_base(value: Any) -> str | None:
    url = _text(value)
    return url.rstrip("/") if url else None


class SanitySource(Source):
    """A Sanity NDJSON export; see the module docstring."""

    name = "sanity"

    reference_fields = Option(None, _reference_fields)
    include_drafts = Option(False, boolean)
    assets_base = Option(None, _assets_base)
    project_id = Option(None, _text)
    dataset = Option(None, _text)

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        lines = head_lines(head)
        return (
            bool(lines)
            and all(isinstance(v, dict) and "_type" in v for v in lines)
            and any("_id" in v for v in lines)
        )

    # --- pass 1 --------------------------------------------------------------------------

    def build_index(self) -> _Index:
        index = _Index()
        for line in ndjson_lines(self.path):
            doc = line.value
            if not isinstance(doc, dict) or not isinstance(doc.get("_id"), str):
                continue
            kind = doc.get("_type")
            if kind in ASSET_TYPES and isinstance(doc.get("url"), str):
                index.assets[doc["_id"]] = doc["url"]
            label = None
            path = self.reference_fields.get(kind) if isinstance(kind, str) else None
            if path is not None:
                found = path.resolve(doc)
                label = str(found) if isinstance(found, str | int | float) else None
            index.docs.setdefault(doc["_id"], (str(kind), label))
        return index

    # --- pass 2 --------------------------------------------------------------------------

    def read(self) -> Iterator[Record | RecordError]:
        index = self.build_index()
        skipped = {"drafts": 0, "system documents": 0, "asset documents": 0}
        with SeenKeys() as seen:
            for line in ndjson_lines(self.path):
                item = self._record(line.number, line.value, line.error, index, seen, skipped)
                if item is None:
                    continue
                if isinstance(item, Record) and line.replacement_chars:
                    item = _with_warning(item, REPLACEMENT_WARNING)
                yield item
        for what, n in skipped.items():
            if n:
                self.stats.notes.append(f"{self.file}: skipped {n} {what}")

    def _record(
        self,
        number: int,
        doc: Any,
        error: str | None,
        index: _Index,
        seen: SeenKeys,
        skipped: dict[str, int],
    ) -> Record | RecordError | None:
        file = str(self.path)
        if error is not None:
            return RecordError(error, file=file, line=number)
        if not isinstance(doc, dict):
            return RecordError("expected a JSON object (a document)", file=file, line=number)
        raw_id = doc.get("_id", MISSING)
        kind = doc.get("_type")
        identity = raw_id if isinstance(raw_id, str) and raw_id else None
        if not isinstance(kind, str) or not kind:
            return RecordError(
                "the document has no _type",
                file=file,
                line=number,
                identity=identity,
                field="_type",
            )
        warnings: list[str] = []
        if raw_id is MISSING:
            identity = f"line:{number}"
            warnings.append("no _id: identified by its line number; add ids for stable re-runs")
        elif identity is None:
            return RecordError(
                f"_id must be a non-empty string, got {raw_id!r}",
                file=file,
                line=number,
                field="_id",
            )
        assert identity is not None
        if kind.startswith("system.") or identity.startswith("_."):
            skipped["system documents"] += 1
            return None
        if kind in ASSET_TYPES:
            skipped["asset documents"] += 1
            return None
        if identity.startswith("drafts.") and not self.include_drafts:
            skipped["drafts"] += 1
            return None
        if raw_id is not MISSING:
            first = seen.first_seen(identity, f"line {number}")
            if first is not None:
                return RecordError(
                    f"duplicate _id, first seen at {first}",
                    file=file,
                    line=number,
                    identity=identity,
                    field="_id",
                )
            if not _VALID_ID.fullmatch(identity):
                warnings.append(f"_id {identity!r} has characters Sanity does not allow")
        data = {k: self._value(v, index, warnings, str(k)) for k, v in doc.items()}
        return Record(identity, kind, data, Location(file, number), tuple(warnings))

    def _value(self, value: Any, index: _Index, warnings: list[str], key: str) -> Any:
        """``value`` made usable; ``key`` is the document's top-level field it is in,
        named by the warnings."""
        if isinstance(value, list):
            if is_portable_text(value):
                rendering = Rendering()
                out = portable_text_html(
                    value, rendering, lambda block: self._asset_url(block, index, warnings, key)
                )
                # An image left out is already a warning of its own (_asset_url).
                warnings.extend(w for w in rendering.warnings if "image block" not in w)
                return out
            return [self._value(v, index, warnings, key) for v in value]
        if not isinstance(value, dict):
            return value
        if "_ref" in value and "asset" not in value:
            return self._reference(value, index, warnings, key)
        if "_sanityAsset" in value or value.get("_type") in ("image", "file"):
            url = self._asset_url(value, index, warnings, key)
            resolved = {
                k: v.get("_ref") if k == "asset" and isinstance(v, dict) else v
                for k, v in value.items()
            }
            resolved = {k: self._value(v, index, warnings, key) for k, v in resolved.items()}
            resolved["url"] = url
            return resolved
        return {k: self._value(v, index, warnings, key) for k, v in value.items()}

    def _reference(self, ref: dict[str, Any], index: _Index, warnings: list[str], key: str) -> Any:
        target = ref.get("_ref")
        if not isinstance(target, str):
            return target
        # A reference the mapping may ask for but that cannot be followed: the warnings
        # file names it, the summary counts it (RecordWarning).
        if "_dataset" in ref or "_projectId" in ref:
            warnings.append(
                RecordWarning(
                    f"reference not followed, it is to another dataset: {target!r} (in "
                    f"'{ref.get('_projectId', '')}/{ref.get('_dataset', '')}'), kept its id",
                    field=key,
                )
            )
            return target
        found = index.docs.get(target)
        if found is None:
            warnings.append(
                RecordWarning(
                    f"reference not followed, its document is not in the export: {target!r}, "
                    "kept its id",
                    field=key,
                )
            )
            return target
        return found[1] if found[1] is not None else target

    def _asset_url(
        self, obj: dict[str, Any], index: _Index, warnings: list[str], key: str
    ) -> str | None:
        """The asset's URL, or None with a warning naming the field: an image or file
        the mapping asks for would otherwise be an empty field or a missing <img>."""

        def lost(why: str) -> None:
            warnings.append(RecordWarning(f"asset left out, {why}", field=key))

        spec = obj.get("_sanityAsset")
        if isinstance(spec, str):
            kind, sep, location = spec.partition("@")
            if not sep or "://" in kind:
                warnings.append(f"asset {spec!r} has no type prefix (image@...): read as a URL")
                location = spec
            if location.startswith("file://"):
                local = location.removeprefix("file://").removeprefix("./")
                if self.assets_base is None:
                    lost(
                        "it is a local file and [source] has no assets_base (where the "
                        f"export's files are served): {local!r}"
                    )
                    return None
                return f"{self.assets_base}/{local}"
            return location
        asset = obj.get("asset")
        ref = asset.get("_ref") if isinstance(asset, dict) else None
        if not isinstance(ref, str):
            lost(f"the {obj.get('_type')} has no asset: {obj.get('_key') or ''}".rstrip(": "))
            return None
        if ref in index.assets:
            return index.assets[ref]
        if self.project_id and self.dataset:
            base = f"https://cdn.sanity.io/%s/{self.project_id}/{self.dataset}/"
            if m := _IMAGE_ID.fullmatch(ref):
                return base % "images" + f"{m[1]}-{m[2]}.{m[3]}"
            if m := _FILE_ID.fullmatch(ref):
                return base % "files" + f"{m[1]}.{m[2]}"
        lost(f"it is not in the export (set project_id and dataset in [source]): {ref!r}")
        return None

    # --- inspect -------------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        summary = summarize(self.name, self.records())
        summary["skipped"] = list(self.stats.notes)
        return summary

    def scaffold(self, kind: str) -> Scaffold:
        """A starter mapping for documents of ``_type`` ``kind``, from their values."""
        return sanity_describe.scaffold(self, kind)


def _with_warning(record: Record, warning: str) -> Record:
    return Record(
        record.identity, record.kind, record.data, record.location, (*record.warnings, warning)
    )
