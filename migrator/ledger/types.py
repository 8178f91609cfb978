"""What the ledger stores and hands back: states, rows, run summaries, and its Protocol."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import EllipsisType
from typing import Any, Literal, NamedTuple, Protocol


class LedgerState(StrEnum):
    """Where one record stands with ButterCMS.

    ``planned``   known, not sent (or known not to have been applied)
    ``in_flight`` a request may have left: it was about to be sent, or was sent and no
                  answer came back. Only a read-back can tell whether it was applied.
    ``accepted``  ButterCMS answered 202 for exactly ``payload_hash``
    ``failed``    ButterCMS (or migrator) refused it; ``reason`` says why
    ``skipped``   deliberately not sent this time
    ``verified``  read back through the Read API and found equal to what was sent
    ``deleted``   deleted from ButterCMS by ``run --prune`` (gone from the source)
    """

    PLANNED = "planned"
    IN_FLIGHT = "in_flight"
    ACCEPTED = "accepted"
    FAILED = "failed"
    SKIPPED = "skipped"
    VERIFIED = "verified"
    DELETED = "deleted"


Classification = Literal["new", "unchanged", "changed", "failed", "in_flight"]


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One ledger row: a (target, identity) pair and what happened to it last."""

    target: str  # "collection:team_members", "page:landing_page", "post"
    identity: str  # the source record's stable identity
    state: LedgerState
    slug: str | None  # what was sent; posts and pages are found again by it
    lookup: tuple[str, str] | None  # (field, value) that finds a collection item
    payload_hash: str | None
    attempts: int  # how many times a request was begun
    reason: str | None  # the last failure (or skip) reason
    source: str | None  # "file:line" in the export
    butter_id: str | None  # the collection item id, once learnt
    first_seen: datetime
    updated_at: datetime
    # The hash ButterCMS last accepted for this record: set means the record exists in
    # Butter (a failed update, say, is sent as an update again, never as a create).
    accepted_hash: str | None = None
    pending_refs: list[dict[str, Any]] | None = None  # references not yet patched in


class FailureExample(NamedTuple):
    target: str
    identity: str
    source: str | None


class FailureGroup(NamedTuple):
    """Failed records sharing one reason: how many, and a few to look at first."""

    reason: str
    total: int  # ("count" would hide tuple.count)
    examples: tuple[FailureExample, ...]


@dataclass(frozen=True, slots=True)
class RunInfo:
    """One ``migrator run`` as the ledger remembers it."""

    run_id: int
    started_at: datetime
    finished_at: datetime | None  # None: still going, or killed before it could finish
    mapping: str | None
    source: str | None
    counts: Mapping[str, Any] = field(default_factory=dict)
    exit_code: int | None = None
    pid: int | None = None


def classification(state: str, known_hash: str | None, payload_hash: str) -> Classification:
    """What a run should do about a payload whose row is in ``state`` with ``known_hash``
    (``classify``; the planner derives it from the row it read anyway)."""
    if state in (LedgerState.ACCEPTED, LedgerState.VERIFIED):
        return "unchanged" if known_hash == payload_hash else "changed"
    if state == LedgerState.FAILED:
        return "failed"
    if state == LedgerState.IN_FLIGHT:
        return "in_flight"
    return "new"  # planned or skipped: never applied


class Ledger(Protocol):
    """What the engine needs from a checkpoint store (``CheckpointLedger`` is the SQLite one)."""

    def get(self, target: str, identity: str) -> LedgerEntry | None: ...

    def classify(self, target: str, identity: str, payload_hash: str) -> Classification: ...

    def plan(
        self,
        target: str,
        identity: str,
        *,
        payload_hash: str,
        slug: str | None,
        lookup: tuple[str, str] | None,
        source: str | None,
    ) -> None: ...

    def begin(
        self,
        target: str,
        identity: str,
        *,
        payload_hash: str,
        slug: str | None,
        lookup: tuple[str, str] | None,
        source: str | None,
    ) -> None: ...

    def stage_begin(
        self,
        target: str,
        identity: str,
        *,
        payload_hash: str,
        slug: str | None,
        lookup: tuple[str, str] | None,
        source: str | None,
    ) -> None: ...

    def mark_accepted(
        self,
        target: str,
        identity: str,
        *,
        payload_hash: str,
        butter_id: str | None = None,
        sent: dict[str, Any] | None = None,
        pending_refs: list[dict[str, Any]] | EllipsisType | None = ...,
    ) -> None: ...

    def mark_failed(
        self,
        target: str,
        identity: str,
        reason: str,
        *,
        source: str | None = None,
        payload_hash: str | None = None,
    ) -> None: ...

    def set_butter_id(self, target: str, identity: str, butter_id: str) -> None: ...

    def mark_updated(
        self,
        target: str,
        identity: str,
        *,
        payload_hash: str,
        lookup: tuple[str, str] | None,
        source: str | None,
        sent: dict[str, Any] | None = None,
        pending_refs: list[dict[str, Any]] | EllipsisType | None = ...,
    ) -> None: ...

    def last_sent(self, target: str, identity: str) -> dict[str, Any] | None: ...

    def set_sent(self, target: str, identity: str, sent: dict[str, Any]) -> None: ...

    def mark_verified(
        self, target: str, identity: str, *, butter_id: str | None = None
    ) -> None: ...

    def mark_missing(self, target: str, identity: str, reason: str) -> None: ...

    def mark_deleted(self, target: str, identity: str) -> None: ...

    def set_pending_refs(
        self, target: str, identity: str, refs: list[dict[str, Any]] | None
    ) -> None: ...

    def ref_id(self, collection: str, match_field: str, value: str) -> str | None: ...

    def with_pending_refs(self, target: str) -> Iterator[LedgerEntry]: ...

    def remember_ref_id(
        self, collection: str, match_field: str, value: str, butter_id: str
    ) -> None: ...

    def entries(
        self, target: str | None = None, state: LedgerState | str | None = None
    ) -> Iterator[LedgerEntry]: ...

    def flush(self) -> None: ...

    def commit_staged(self) -> Callable[[], None]: ...

    def failed(self) -> Iterator[LedgerEntry]: ...


class LedgerView(Protocol):
    """The read half of a ledger: all a plan needs. A dry run on an export never migrated
    before plans against an empty one (``EmptyLedger``)."""

    def get(self, target: str, identity: str) -> LedgerEntry | None: ...

    def classify(self, target: str, identity: str, payload_hash: str) -> Classification: ...

    def entries(
        self, target: str | None = None, state: LedgerState | str | None = None
    ) -> Iterator[LedgerEntry]: ...

    def ref_id(self, collection: str, match_field: str, value: str) -> str | None: ...

    def last_sent(self, target: str, identity: str) -> dict[str, Any] | None: ...


class EmptyLedger:
    """A ledger with nothing in it: everything is new, nothing is written."""

    def get(self, target: str, identity: str) -> LedgerEntry | None:
        return None

    def classify(self, target: str, identity: str, payload_hash: str) -> Classification:
        return "new"

    def entries(
        self, target: str | None = None, state: LedgerState | str | None = None
    ) -> Iterator[LedgerEntry]:
        return iter(())

    def ref_id(self, collection: str, match_field: str, value: str) -> str | None:
        return None

    def last_sent(self, target: str, identity: str) -> dict[str, Any] | None:
        return None
