"""Edits made in ButterCMS, kept: a re-import does not overwrite them silently.

Once a site lives in Butter its editors change things. Before a changed record is updated,
what Butter holds is read and compared with what migrator last sent (the ledger keeps that
body, ``CheckpointLedger.last_sent``); a field that differs was edited in Butter. The
comparison is ``verify``'s (it knows how Butter stores what it was sent: media on its CDN,
references as objects, dates...), handed in as an ``EditCheck`` (``verify.EditCheck``), as
the canary's is.

- an edit in a field migrator owns → a conflict: the record is not updated, and the
  failures file names it and its fields (``--overwrite-edits`` updates anyway, unread)
- ``[target] update_fields = [...]``: only those fields are migrator's; the PATCH sends
  only them, and edits anywhere else are kept without a word
- not in Butter any more (deleted there) → reported, never created again silently
- no body in the ledger (sent before it kept one) → updated as before, and counted
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from migrator.butter import ButterClient, Retrier
from migrator.engine.report import JsonlWriter
from migrator.ledger import Ledger, LedgerEntry
from migrator.mapping import Payload
from migrator.records import JsonObject


@dataclass(frozen=True)
class Edits:
    """What a read of one record found against what migrator last sent."""

    fields: tuple[str, ...] = ()  # edited in Butter ("headline", "body", "headline (es)")
    gone: bool = False  # not in Butter any more: deleted there
    unsure: str | None = None  # could not tell: why (its text before " (" is a short note)
    butter_id: str | None = None  # a collection item's id, learnt by the read


class EditCheck(Protocol):
    async def __call__(
        self,
        payload: Payload,
        entry: LedgerEntry,
        sent: JsonObject,
        *,
        ledger: Ledger,
        client: ButterClient,
        retrier: Retrier,
        failures: JsonlWriter,
    ) -> Edits:
        """Compare what Butter holds for ``entry`` with ``sent`` (what migrator last sent),
        reading under the run's ``retrier``. Raises what the retrier raises."""
        ...


@dataclass(frozen=True)
class EditPolicy:
    """How a run treats edits made in Butter. ``check`` None: not checked (the library
    without ``verify``); ``owned``: the mapping's ``update_fields`` (None: every field)."""

    check: EditCheck | None = None
    overwrite: bool = False
    owned: frozenset[str] | None = None
    multi_locale: bool = False  # fields nest by locale ({"en": {...}})

    @property
    def reads(self) -> bool:
        """Whether an update is read first."""
        return self.check is not None and not self.overwrite


def field_name(field: str) -> str:
    """``headline (es)`` → ``headline``: the name ``update_fields`` uses."""
    return field.split(" (", 1)[0]


def owned_body(
    kind: str, body: JsonObject, owned: frozenset[str] | None, multi: bool
) -> JsonObject:
    """An update body (``butter.update_body``) with only the fields migrator owns."""
    if owned is None:
        return body
    if kind == "post":
        keep = set(owned)
        if "body" in owned:
            keep.add("upload_images_to_media_library")
        return {k: v for k, v in body.items() if k in keep}
    out: JsonObject = {}
    if "status" in owned and "status" in body:
        out["status"] = body["status"]
    fields = body.get("fields")
    if isinstance(fields, dict):
        if multi:
            out["fields"] = {
                loc: {k: v for k, v in values.items() if k in owned}
                for loc, values in fields.items()
                if isinstance(values, dict)
            }
        else:
            out["fields"] = {k: v for k, v in fields.items() if k in owned}
    return out


def merge_patch(sent: JsonObject, kind: str, fields: JsonObject) -> JsonObject:
    """``sent`` (a create body) with a reference patched in afterwards (``fields``: what
    the patch's ``fields`` held), so the next edit check compares with what Butter got."""
    target = sent.get("fields")
    if kind == "collection" and isinstance(target, list) and target:
        target = target[0]
    if isinstance(target, dict):
        _merge(target, fields)
    return sent


def _merge(into: JsonObject, patch: JsonObject) -> None:
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
