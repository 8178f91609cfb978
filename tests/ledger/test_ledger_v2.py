"""Schema v2: updates, verification, deletion, references; v1 ledgers upgraded in place."""

import sqlite3
from pathlib import Path

from migrator.ledger import SCHEMA_VERSION, CheckpointLedger, LedgerState

T = "collection:team_members"

# The schema a migrator of schema version 1 wrote, verbatim.
V1_SCHEMA = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE records (
    target TEXT NOT NULL, identity TEXT NOT NULL, slug TEXT, lookup TEXT, payload_hash TEXT,
    state TEXT NOT NULL CHECK (state IN
        ('planned', 'in_flight', 'accepted', 'failed', 'skipped', 'verified')),
    attempts INTEGER NOT NULL DEFAULT 0, reason TEXT, source TEXT, butter_id TEXT,
    first_seen TEXT NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (target, identity)
) WITHOUT ROWID;
CREATE INDEX records_by_state ON records (state);
CREATE INDEX failed_by_reason ON records (reason) WHERE state = 'failed';
CREATE TABLE runs (run_id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,
    mapping TEXT, source TEXT, counts TEXT, exit_code INTEGER, pid INTEGER);
INSERT INTO schema_version (version) VALUES (1);
INSERT INTO records VALUES
    ('collection:team_members', 'a', NULL, '["email","a@x.com"]', 'h-a', 'accepted', 1, NULL,
     't.csv:2', '17', '2024-01-01T00:00:00.000+00:00', '2024-01-01T00:00:00.000+00:00'),
    ('collection:team_members', 'b', NULL, '["email","b@x.com"]', 'h-b', 'failed', 1, 'no',
     't.csv:3', NULL, '2024-01-01T00:00:00.000+00:00', '2024-01-01T00:00:00.000+00:00'),
    ('post', 'p', 'hello', NULL, 'h-p', 'in_flight', 1, NULL,
     'w.xml:9', NULL, '2024-01-01T00:00:00.000+00:00', '2024-01-01T00:00:00.000+00:00');
"""


def make_v1(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    conn.commit()
    conn.close()


def test_a_v1_ledger_reads_read_only_without_being_changed(tmp_path: Path):
    path = tmp_path / "old.ledger.sqlite"
    make_v1(path)
    before = path.read_bytes()
    with CheckpointLedger(path, readonly=True) as reader:
        a = reader.get(T, "a")
        assert a is not None and a.accepted_hash == "h-a" and a.butter_id == "17"
        b = reader.get(T, "b")
        assert b is not None and b.accepted_hash is None
        assert reader.counts()["accepted"] == 1 and reader.counts()["deleted"] == 0
        assert reader.ref_id("team_members", "email", "a@x.com") == "17"
    assert path.read_bytes() == before


def test_a_v1_ledger_is_upgraded_in_place_when_opened_for_a_run(tmp_path: Path):
    path = tmp_path / "old.ledger.sqlite"
    make_v1(path)
    with CheckpointLedger(path) as ledger:
        a = ledger.get(T, "a")
        assert a is not None and a.state is LedgerState.ACCEPTED and a.accepted_hash == "h-a"
        assert ledger.classify(T, "a", "h-a") == "unchanged"
        assert ledger.classify("post", "p", "h-p") == "in_flight"
        ledger.mark_deleted(T, "a")  # the new state is allowed by the rebuilt table
        assert ledger.get(T, "a").state is LedgerState.DELETED  # type: ignore[union-attr]
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 3
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"records_by_state", "failed_by_reason"} <= indexes
    conn.close()
    assert SCHEMA_VERSION == 3
    with CheckpointLedger(path) as again:  # opening an upgraded ledger changes nothing more
        assert again.counts()["deleted"] == 1 and again.counts()["in_flight"] == 1


def test_update_verify_missing_delete_and_refs(tmp_path: Path):
    with CheckpointLedger(tmp_path / "l.sqlite") as ledger:
        ledger.begin(T, "a", payload_hash="h1", slug=None, lookup=("email", "a@x"), source="s:2")
        ledger.mark_accepted(T, "a", payload_hash="h1")
        assert ledger.get(T, "a").accepted_hash == "h1"  # type: ignore[union-attr]

        ledger.mark_updated(T, "a", payload_hash="h2", lookup=("email", "a2@x"), source="s:3")
        a = ledger.get(T, "a")
        assert a is not None and a.state is LedgerState.ACCEPTED and a.attempts == 1
        assert (a.payload_hash, a.accepted_hash, a.lookup) == ("h2", "h2", ("email", "a2@x"))

        # A failed update keeps what Butter has: the row is still in Butter.
        ledger.mark_failed(T, "a", "rejected")
        assert ledger.get(T, "a").accepted_hash == "h2"  # type: ignore[union-attr]
        ledger.mark_verified(T, "a")  # only accepted rows can be verified
        assert ledger.get(T, "a").state is LedgerState.FAILED  # type: ignore[union-attr]
        ledger.mark_updated(T, "a", payload_hash="h2", lookup=("email", "a2@x"), source=None)
        ledger.mark_verified(T, "a", butter_id="5")
        a = ledger.get(T, "a")
        assert a is not None and a.state is LedgerState.VERIFIED and a.butter_id == "5"
        assert a.source == "s:3"
        assert ledger.ref_id("team_members", "email", "a2@x") == "5"
        assert ledger.ref_id("team_members", "email", "nobody") is None

        ledger.mark_missing(T, "a", "missing after acceptance")
        a = ledger.get(T, "a")
        assert a is not None and a.state is LedgerState.FAILED
        assert a.accepted_hash is None and a.butter_id is None

        ledger.remember_ref_id("team_members", "name", "Ann", "9")
        ledger.remember_ref_id("team_members", "name", "Ann", "10")
        assert ledger.ref_id("team_members", "name", "Ann") == "10"

        refs = [{"field": "team", "keys": ["a@x"]}]
        ledger.set_pending_refs(T, "a", refs)
        assert [e.pending_refs for e in ledger.with_pending_refs(T)] == [refs]
        ledger.set_pending_refs(T, "a", None)
        assert list(ledger.with_pending_refs(T)) == []

        ledger.mark_deleted(T, "a")
        assert ledger.classify(T, "a", "h2") == "new"  # back in the source: created again
