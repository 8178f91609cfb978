"""Plan: source records → payloads → what to do with each, given the ledger.

A synchronous generator shared by dry runs and real runs, so a dry run shows exactly
what a real run would do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from migrator.errors import RecordError
from migrator.records import Record
from migrator.seen import SeenKeys

Action = Literal["send", "settle", "unchanged", "changed", "skip_failed", "invalid", "filtered"]


@dataclass(frozen=True, slots=True)
class Planned:
    action: Action
    payload: Any = None  # migrator.mapping.Payload
    error: RecordError | None = None
    entry: Any = None  # migrator.ledger.LedgerEntry, when the ledger knows the record


def target_key(payload: Any) -> str:
    """The ledger's name for a payload's target: ``page:<type>``, ``collection:<key>``, ``post``."""
    return payload.kind if payload.target is None else f"{payload.kind}:{payload.target}"


def plan_items(
    records: Iterable[Record | RecordError],
    compile_record: Callable[[Record], Any],
    ledger: Any,
    *,
    retry_failed: bool,
) -> Iterator[Planned]:
    with SeenKeys() as seen:
        yield from _plan(records, compile_record, ledger, seen, retry_failed=retry_failed)


def _plan(
    records: Iterable[Record | RecordError],
    compile_record: Callable[[Record], Any],
    ledger: Any,
    seen: SeenKeys,
    *,
    retry_failed: bool,
) -> Iterator[Planned]:
    for record in records:
        if isinstance(record, RecordError):
            yield Planned("invalid", error=record)
            continue
        try:
            payload = compile_record(record)
        except RecordError as exc:
            yield Planned("invalid", error=exc)
            continue
        if payload is None:
            yield Planned("filtered")
            continue
        target = target_key(payload)
        first = seen.first_seen(f"{target}\x00{payload.identity}", record.location)
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
        state = ledger.classify(target, payload.identity, payload.hash)
        entry = ledger.get(target, payload.identity) if state != "new" else None
        if state == "failed":
            # A failed record whose input changed is worth sending again without being asked.
            same = entry is not None and entry.payload_hash == payload.hash
            state = "skip_failed" if same and not retry_failed else "send"
        elif state == "new":
            state = "send"
        elif state == "in_flight":
            state = "settle"
        yield Planned(state, payload=payload, entry=entry)
