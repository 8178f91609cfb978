"""The ledger's SQLite schema, its statements, and row → ``LedgerEntry``."""

from __future__ import annotations

import time
import zlib
from datetime import UTC, datetime
from typing import Any

import orjson

from migrator.ledger.types import LedgerEntry, LedgerState

SCHEMA_VERSION = 3

STATES = ", ".join(f"'{s.value}'" for s in LedgerState)
RECORDS_TABLE = f"""
CREATE TABLE {{name}} (
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
    accepted_hash TEXT,             -- v2: what ButterCMS last accepted; NULL = not in Butter
    pending_refs  TEXT,             -- v2: JSON references still to patch in (see engine.refs)
    sent          BLOB,             -- v3: the body Butter last accepted, zlib(JSON): what an
                                    --     edit made in Butter is found against (engine.edits)
    PRIMARY KEY (target, identity)
) WITHOUT ROWID;
"""
INDEXES = """
-- Holds (state, target, identity): entries(state=...) pages through a state in key order.
CREATE INDEX records_by_state ON records (state);
CREATE INDEX failed_by_reason ON records (reason) WHERE state = 'failed';
"""
# v2: ids of collection items learnt by reading back, for references (engine.refs).
REF_IDS_TABLE = """
CREATE TABLE ref_ids (
    collection  TEXT NOT NULL,
    match_field TEXT NOT NULL,
    value       TEXT NOT NULL,
    butter_id   TEXT NOT NULL,
    PRIMARY KEY (collection, match_field, value)
) WITHOUT ROWID;
"""
SCHEMA = (
    "CREATE TABLE schema_version (version INTEGER NOT NULL);"
    + RECORDS_TABLE.format(name="records")
    + INDEXES
    + REF_IDS_TABLE
    + """
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
)

_V1_COLUMNS = (
    "target, identity, slug, lookup, payload_hash, state, attempts, reason, source, "
    "butter_id, first_seen, updated_at"
)
# v1 → v3 in place, in one transaction: the state CHECK gains 'deleted' (a CHECK cannot be
# altered, so the table is rebuilt), three columns and the ref_ids table are added. A row
# accepted or verified in v1 was accepted with its payload_hash; what was sent is unknown.
UPGRADE_V1 = (
    "BEGIN IMMEDIATE;"
    + RECORDS_TABLE.format(name="records_v2")
    + f"""
INSERT INTO records_v2 ({_V1_COLUMNS}, accepted_hash)
    SELECT {_V1_COLUMNS},
           CASE WHEN state IN ('accepted', 'verified') THEN payload_hash END
    FROM records;
DROP TABLE records;
ALTER TABLE records_v2 RENAME TO records;
"""
    + INDEXES
    + REF_IDS_TABLE
    + f"UPDATE schema_version SET version = {SCHEMA_VERSION}; COMMIT;"
)
# v2 → v3 in place: one column, NULL for every row (sent before migrator kept it: the next
# update of such a record cannot be checked for edits made in Butter, and says so).
UPGRADE_V2 = (
    "BEGIN IMMEDIATE; ALTER TABLE records ADD COLUMN sent BLOB;"
    f"UPDATE schema_version SET version = {SCHEMA_VERSION}; COMMIT;"
)
# A v1 ledger opened read-only (``status`` or a dry run during an upgrade window) is read
# through temporary objects that show it in the v2 shape; the file is not touched.
READONLY_V1 = f"""
CREATE TEMP VIEW records AS SELECT {_V1_COLUMNS},
    CASE WHEN state IN ('accepted', 'verified') THEN payload_hash END AS accepted_hash,
    NULL AS pending_refs, NULL AS sent
    FROM main.records;
CREATE TEMP TABLE ref_ids (collection TEXT, match_field TEXT, value TEXT, butter_id TEXT);
"""
READONLY_V2 = "CREATE TEMP VIEW records AS SELECT *, NULL AS sent FROM main.records;"
READONLY = {1: READONLY_V1, 2: READONLY_V2}
UPGRADE = {1: UPGRADE_V1, 2: UPGRADE_V2}

COLUMNS = (
    "target, identity, state, slug, lookup, payload_hash, attempts, reason, source, "
    "butter_id, first_seen, updated_at, accepted_hash, pending_refs"
)


# A 16 KiB window, not zlib's 32 KiB: setting up the larger one was most of the cost of
# packing a body of a few KB (one per accepted record), for the same size.
PACK_WBITS = 14


def pack(body: Any) -> bytes | None:
    """A body as the ledger keeps it: compressed JSON (HTML bodies shrink 3-5 times)."""
    return None if body is None else zlib.compress(orjson.dumps(body), 6, PACK_WBITS)


def unpack(blob: bytes | None) -> Any:
    # The default window reads any smaller one: bodies packed with 32 KiB read too.
    return None if blob is None else orjson.loads(zlib.decompress(blob))


# The current second, formatted once: a run stamps thousands of rows a second.
_second: tuple[int, str] = (-1, "")


def now() -> str:
    """UTC now in ISO 8601 to the millisecond, as ``datetime.isoformat`` writes it."""
    global _second
    stamp = time.time()
    second = int(stamp)
    if _second[0] != second:
        _second = (second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S"))
    millis = int((stamp - second) * 1000)
    return f"{_second[1]}.{millis:03d}+00:00"


def refs_params(refs: Any) -> tuple[bool, str | None]:
    """The two parameters of a ``CASE WHEN ? THEN ? ELSE pending_refs END``: ``...``
    keeps the row's pending references, None or [] clears them, a list sets them."""
    if refs is ...:
        return False, None
    return True, orjson.dumps(refs).decode() if refs else None


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
        accepted_hash=row[12],
        pending_refs=orjson.loads(row[13]) if row[13] else None,
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
# pending_refs: set when the first of its two parameters is true, else kept (``REFS``).
ACCEPT_SQL = """
UPDATE records SET state = 'accepted', payload_hash = ?, accepted_hash = ?, sent = ?,
                   reason = NULL, butter_id = coalesce(?, butter_id), updated_at = ?,
                   pending_refs = CASE WHEN ? THEN ? ELSE pending_refs END
WHERE target = ? AND identity = ?"""

# An update (PATCH) was accepted: the row was never in flight (a lost update is simply
# sent again, PATCH being idempotent), and the slug stays the one Butter knows.
UPDATED_SQL = """
UPDATE records SET state = 'accepted', payload_hash = ?, accepted_hash = ?, sent = ?,
                   lookup = ?, source = coalesce(?, source), reason = NULL, updated_at = ?,
                   pending_refs = CASE WHEN ? THEN ? ELSE pending_refs END
WHERE target = ? AND identity = ?"""

# A record can fail before it was ever begun (say, refused by migrator's own checks).
# An update's failure names the payload Butter refused (its row was never begun).
FAIL_SQL = """
INSERT INTO records (target, identity, state, attempts, reason, source, payload_hash,
                     first_seen, updated_at)
VALUES (?, ?, 'failed', 0, ?, ?, ?, ?, ?)
ON CONFLICT (target, identity) DO UPDATE SET
    state = 'failed', reason = excluded.reason,
    source = coalesce(excluded.source, records.source),
    payload_hash = coalesce(excluded.payload_hash, records.payload_hash),
    updated_at = excluded.updated_at"""
