"""The ledger's SQLite schema, its statements, and row → ``LedgerEntry``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from migrator.ledger.types import LedgerEntry, LedgerState

SCHEMA_VERSION = 1

STATES = ", ".join(f"'{s.value}'" for s in LedgerState)
SCHEMA = f"""
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE records (
    target       TEXT NOT NULL,
    identity     TEXT NOT NULL,
    slug         TEXT,
    lookup       TEXT,              -- JSON [field, value], collection items only
    payload_hash TEXT,
    state        TEXT NOT NULL CHECK (state IN ({STATES})),
    attempts     INTEGER NOT NULL DEFAULT 0,
    reason       TEXT,
    source       TEXT,              -- file:line in the export
    butter_id    TEXT,
    first_seen   TEXT NOT NULL,     -- ISO 8601, UTC
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (target, identity)
) WITHOUT ROWID;
-- Holds (state, target, identity): in_flight()/failed() page through a state in key order.
CREATE INDEX records_by_state ON records (state);
CREATE INDEX failed_by_reason ON records (reason) WHERE state = 'failed';
CREATE TABLE runs (
    run_id      INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    mapping     TEXT,
    source      TEXT,
    counts      TEXT,               -- JSON object
    exit_code   INTEGER,
    pid         INTEGER
);
"""

COLUMNS = (
    "target, identity, state, slug, lookup, payload_hash, attempts, reason, source, "
    "butter_id, first_seen, updated_at"
)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def lookup_json(lookup: tuple[str, str] | None) -> str | None:
    return None if lookup is None else orjson.dumps(list(lookup)).decode()


def entry_from_row(row: tuple[Any, ...]) -> LedgerEntry:
    lookup = orjson.loads(row[4]) if row[4] is not None else None
    return LedgerEntry(
        target=row[0],
        identity=row[1],
        state=LedgerState(row[2]),
        slug=row[3],
        lookup=(lookup[0], lookup[1]) if lookup else None,
        payload_hash=row[5],
        attempts=row[6],
        reason=row[7],
        source=row[8],
        butter_id=row[9],
        first_seen=datetime.fromisoformat(row[10]),
        updated_at=datetime.fromisoformat(row[11]),
    )


# A request is about to leave: in flight, one more attempt, with what is being sent.
BEGIN_SQL = """
INSERT INTO records (target, identity, slug, lookup, payload_hash, state, attempts, source,
                     first_seen, updated_at)
VALUES (?, ?, ?, ?, ?, 'in_flight', 1, ?, ?, ?)
ON CONFLICT (target, identity) DO UPDATE SET
    slug = excluded.slug, lookup = excluded.lookup, payload_hash = excluded.payload_hash,
    state = 'in_flight', attempts = records.attempts + 1, source = excluded.source,
    updated_at = excluded.updated_at"""

# Known, not sent. A row already in ButterCMS keeps its state.
PLAN_SQL = """
INSERT INTO records (target, identity, slug, lookup, payload_hash, state, attempts, source,
                     first_seen, updated_at)
VALUES (?, ?, ?, ?, ?, 'planned', 0, ?, ?, ?)
ON CONFLICT (target, identity) DO UPDATE SET
    slug = excluded.slug, lookup = excluded.lookup, payload_hash = excluded.payload_hash,
    state = 'planned', source = excluded.source, updated_at = excluded.updated_at
WHERE records.state NOT IN ('accepted', 'verified')"""

# butter_id is kept when the answer does not carry one (a 202 usually does not).
ACCEPT_SQL = """
UPDATE records SET state = 'accepted', payload_hash = ?, reason = NULL,
                   butter_id = coalesce(?, butter_id), updated_at = ?
WHERE target = ? AND identity = ?"""

# A record can fail before it was ever begun (say, refused by migrator's own checks).
FAIL_SQL = """
INSERT INTO records (target, identity, state, attempts, reason, source, first_seen, updated_at)
VALUES (?, ?, 'failed', 0, ?, ?, ?, ?)
ON CONFLICT (target, identity) DO UPDATE SET
    state = 'failed', reason = excluded.reason,
    source = coalesce(excluded.source, records.source), updated_at = excluded.updated_at"""

# Skipping never hides a row that is, or may be, in ButterCMS.
SKIP_SQL = """
INSERT INTO records (target, identity, state, attempts, reason, source, first_seen, updated_at)
VALUES (?, ?, 'skipped', 0, ?, ?, ?, ?)
ON CONFLICT (target, identity) DO UPDATE SET
    state = 'skipped', reason = excluded.reason,
    source = coalesce(excluded.source, records.source), updated_at = excluded.updated_at
WHERE records.state IN ('planned', 'failed', 'skipped')"""
