"""Plan: source records → payloads → what to do with each, given the ledger.

A synchronous generator shared by dry runs and real runs, so a dry run shows exactly
what a real run would do:

- ``send``        new (or never applied): create it
- ``update``      in ButterCMS with another payload: PATCH it (a failed update too)
- ``settle``      maybe sent by a run that died: read back before sending
- ``unchanged``   accepted with this very payload: no API call
- ``skip_failed`` refused before with this very payload (``--retry-failed`` sends it)
- ``invalid``, ``filtered``

Every identity read goes into ``seen`` (on disk), which ``--prune`` uses afterwards to
find the records gone from the source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from migrator.engine.slugs import SlugClaims
from migrator.errors import RecordError
from migrator.ledger import Classification, LedgerEntry, LedgerView, classification
from migrator.mapping import Mapping, Payload
from migrator.records import Record
from migrator.seen import MEMORY_KEYS, SeenKeys

# A mapping compiled for a run: a record → its payload, or None when filtered out.
Compiled = Callable[[Record], Payload | None]

Action = Literal[
    "send", "update", "settle", "unchanged", "skip_failed", "invalid", "filtered", "delete", "refs"
]
# What each ledger classification means for the record ("failed" depends on more).
_ACTIONS: dict[Classification, Action] = {
    "new": "send",
    "changed": "update",
    "in_flight": "settle",
    "unchanged": "unchanged",
    "failed": "send",
}
# Key under which an invalid record's identity is marked seen: it is still in the source,
# so --prune must not delete it, whatever its target.
INVALID_SEEN = "?"


@dataclass(slots=True, unsafe_hash=True)  # one per record: frozen's __init__ costs 3x
class Planned:
    action: Action
    payload: Payload | None = None
    error: RecordError | None = None
    entry: LedgerEntry | None = None  # when the ledger knows the record


def target_key(payload: Payload) -> str:
    """The ledger's name for a payload's target: ``page:<type>``, ``collection:<key>``, ``post``."""
    return payload.kind if payload.target is None else f"{payload.kind}:{payload.target}"


def split_target(target: str) -> tuple[str, str | None]:
    """``page:landing_page`` → (``page``, ``landing_page``); ``post`` → (``post``, None)."""
    kind, _, name = target.partition(":")
    return kind, name or None


def mapping_target_key(mapping: Mapping) -> str:
    """The ledger target every payload of ``mapping`` goes to."""
    t = mapping.target
    return t.kind if t.name is None else f"{t.kind}:{t.name}"


def seen_key(target: str, identity: str) -> str:
    return f"{target}\x00{identity}"


def was_seen(seen: SeenKeys, target: str, identity: str) -> bool:
    return seen_key(target, identity) in seen or seen_key(INVALID_SEEN, identity) in seen


def plan_items(
    records: Iterable[Record | RecordError],
    compile_record: Compiled,
    ledger: LedgerView,
    *,
    retry_failed: bool,
    seen: SeenKeys | None = None,
    unique_slugs: str = "report",
    unique_identities: bool = False,
) -> Iterator[Planned]:
    """``seen``: the caller's, to ask afterwards what was read (for ``--prune``);
    ``unique_slugs``: the mapping's ``[target] unique_slugs`` (``report`` or ``suffix``);
    ``unique_identities``: the source already refuses a record whose identity it yielded
    before (``Source.unique_identities``), and ``seen`` is not asked afterwards: a payload
    keeping its record's identity is then not looked up in ``seen`` again."""
    with SeenKeys(memory_keys=MEMORY_KEYS) as claims:
        slugs = SlugClaims(ledger, claims, suffix=unique_slugs == "suffix")
        if seen is not None:
            yield from _plan(
                records, compile_record, ledger, seen, slugs, retry_failed, unique_identities
            )
            return
        with SeenKeys(memory_keys=MEMORY_KEYS) as own:
            yield from _plan(
                records, compile_record, ledger, own, slugs, retry_failed, unique_identities
            )


def _plan(
    records: Iterable[Record | RecordError],
    compile_record: Compiled,
    ledger: LedgerView,
    seen: SeenKeys,
    slugs: SlugClaims,
    retry_failed: bool,
    unique_identities: bool = False,
) -> Iterator[Planned]:
    for record in records:
        if isinstance(record, RecordError):
            _seen_invalid(seen, record)
            yield Planned("invalid", error=record)
            continue
        try:
            payload = compile_record(record)
        except RecordError as exc:
            _seen_invalid(seen, exc)
            yield Planned("invalid", error=exc)
            continue
        if payload is None:
            yield Planned("filtered")
            continue
        target = target_key(payload)
        if unique_identities and payload.identity == record.identity:
            first = None  # the source checked it (SQLite's cost per record, saved once)
        else:
            first = seen.first_seen(seen_key(target, payload.identity), record.location)
        if first is not None:
            # Two source records with one identity would overwrite each other's ledger row.
            yield Planned(
                "invalid",
                error=RecordError(
                    f"duplicate identity {payload.identity!r}, first seen at {first}",
                    file=record.location.file,
                    line=record.location.line,
                    identity=payload.identity,
                ),
            )
            continue
        # One read of the row: the slug claim and the classification both come from it.
        entry = ledger.get(target, payload.identity)
        try:
            # Before classifying: a slug numbered to be unique is part of the payload.
            payload = slugs.claim(target, payload, entry)
        except RecordError as exc:
            yield Planned("invalid", error=exc)
            continue
        state = (
            "new"
            if entry is None
            else classification(entry.state, entry.payload_hash, payload.hash)
        )
        action: Action = _ACTIONS[state]
        if state == "failed":
            # A failed record whose input changed is worth sending again without being asked;
            # one that Butter has (a failed update) is updated, never created a second time.
            same = entry is not None and entry.payload_hash == payload.hash
            in_butter = entry is not None and entry.accepted_hash is not None
            if same and not retry_failed:
                action = "skip_failed"
            else:
                action = "update" if in_butter else "send"
        yield Planned(action, payload=payload, entry=entry)


def _seen_invalid(seen: SeenKeys, error: RecordError) -> None:
    if error.identity is not None:
        seen.first_seen(seen_key(INVALID_SEEN, error.identity), "")
    else:
        # An unidentified record might be any ledger row: --prune cannot run safely.
        seen.first_seen(seen_key(INVALID_SEEN, "\x00unidentified"), "")


def has_unidentified(seen: SeenKeys) -> bool:
    return seen_key(INVALID_SEEN, "\x00unidentified") in seen
