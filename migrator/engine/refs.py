"""References to collection items: source keys → ButterCMS item ids.

A mapping field with ``ref = "email"`` leaves a ``RefHook`` in the payload: the items of
the referenced collection whose ``email`` is one of the hook's keys. Butter wants their
ids, which it only reveals on reading back. So, for each key:

1. this ledger already knows the id (``ref_ids``, or a row of the referenced collection
   migrated into the same ledger whose lookup matches) — no API call;
2. else one read ``GET /v2/content/<key>/?fields.<match>=<value>``, and the id is kept
   in the ledger (``ref_ids``) for every later record and run;
3. else the item does not exist (yet): the record is written without that reference and
   the hook is kept in the ledger row as *pending*; at the end of the run, once Butter
   had time to apply this run's creates, a second pass resolves it again and PATCHes the
   reference in. What is still missing then is reported, and retried by the next run.

Cycles (A references B, B references A, within one run or across mappings) therefore
never deadlock: whatever cannot be resolved on the way is patched in afterwards. To need
no second pass at all, run the referenced mapping first.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Protocol, TypeVar

from migrator.butter import ButterClient
from migrator.ledger import Ledger
from migrator.mapping import Payload, RefHook
from migrator.records import JsonObject, JsonValue

T = TypeVar("T")


class ReadCall(Protocol):
    """The caller's paced, retried request (``Submitter.call``, verify's reads)."""

    async def __call__(self, request: Callable[[], Awaitable[T]]) -> T: ...


def hook_to_dict(hook: RefHook, locale: str | None) -> JsonObject:
    """A hook as stored in the ledger; ``query_locale`` is the payload's ``?locale=``."""
    return {**asdict(hook), "keys": list(hook.keys), "query_locale": locale}


def hook_from_dict(data: JsonObject) -> tuple[RefHook, str | None]:
    hook = RefHook(
        field=data["field"],
        locale=data.get("locale"),
        collection=data["collection"],
        match_field=data["match_field"],
        keys=tuple(data["keys"]),
        many=bool(data["many"]),
    )
    return hook, data.get("query_locale")


def id_value(butter_id: str) -> int | str:
    """Butter's item ids are numbers; the ledger keeps text."""
    return int(butter_id) if butter_id.isdigit() else butter_id


def ref_value(hook: RefHook, ids: list[int | str]) -> JsonValue:
    if hook.many:
        return ids
    return ids[0] if ids else None


def place(kind: str, body: JsonObject, hook: RefHook, value: JsonValue) -> None:
    """Put ``value`` where the hook's field lives in a create body (modified in place)."""
    fields = body["fields"]
    if kind == "collection":
        fields = fields[0]
    if hook.locale is not None and isinstance(fields.get(hook.locale), dict):
        fields = fields[hook.locale]
    fields[hook.field] = value


def patch_fields(hook: RefHook, value: JsonValue) -> JsonObject:
    """The ``fields`` of an update that sets only this reference."""
    if hook.locale is not None:
        return {hook.locale: {hook.field: value}}
    return {hook.field: value}


class RefResolver:
    """Resolves hooks through the ledger and, when needed, paced read-backs."""

    def __init__(self, client: ButterClient, ledger: Ledger, read: ReadCall):
        self.client = client
        self.ledger = ledger
        self._read = read  # the submitter's paced, retried call

    async def item_id(self, collection: str, match_field: str, value: str) -> str | None:
        known = self.ledger.ref_id(collection, match_field, value)
        if known is not None or not self.client.can_read:
            return known
        items = await self._read(
            lambda: self.client.find_items(collection, (match_field, value), limit=1)
        )
        meta = items[0].get("meta") if items else None
        found = meta.get("id") if isinstance(meta, dict) else None
        if found is None:
            return None
        self.ledger.remember_ref_id(collection, match_field, value, str(found))
        return str(found)

    async def resolve_hook(self, hook: RefHook) -> tuple[list[int | str], list[str]]:
        """(ids found, keys not found)."""
        ids: list[int | str] = []
        missing: list[str] = []
        for key in hook.keys:
            found = await self.item_id(hook.collection, hook.match_field, key)
            if found is None:
                missing.append(key)
            else:
                ids.append(id_value(found))
        return ids, missing

    async def resolve(self, payload: Payload) -> tuple[JsonObject, list[JsonObject]]:
        """The body to send, references filled in, and the hooks left pending."""
        if not payload.refs:
            return payload.body, []
        body = copy.deepcopy(payload.body)
        pending: list[JsonObject] = []
        for hook in payload.refs:
            ids, missing = await self.resolve_hook(hook)
            if ids:  # otherwise the body keeps the field's empty value
                place(payload.kind, body, hook, ref_value(hook, ids))
            if missing:
                pending.append(hook_to_dict(hook, payload.locale))
        return body, pending


def describe_missing(hook: RefHook, missing: list[str]) -> str:
    shown = ", ".join(repr(k) for k in missing[:5]) + (" ..." if len(missing) > 5 else "")
    return (
        f"reference {hook.field}: no {hook.collection} item with {hook.match_field} = {shown} "
        "among the records migrated (the ledger) nor in ButterCMS yet. Migrate it with the "
        f"{hook.collection} collection's mapping (give both mappings to one `migrator run`, or "
        "run again after it: the reference is patched in), or correct the value in the export"
    )
