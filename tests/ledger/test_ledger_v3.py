"""Schema v3: the body Butter last accepted, kept (compressed) to find edits made there;
v2 ledgers upgraded in place, v1 ledgers straight to v3."""

import sqlite3
from pathlib import Path

from migrator.ledger import SCHEMA_VERSION, CheckpointLedger
from tests.ledger.test_ledger_v2 import T, make_v1

BODY = {"key": "team_members", "status": "published", "fields": [{"bio": "<p>" + "x" * 5000}]}


def make_v2(path: Path) -> None:
    """A ledger as a schema-2 migrator left it: made from v1 by that migrator's upgrade."""
    make_v1(path)
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        BEGIN;
        ALTER TABLE records ADD COLUMN accepted_hash TEXT;
        ALTER TABLE records ADD COLUMN pending_refs TEXT;
        UPDATE records SET accepted_hash = payload_hash WHERE state = 'accepted';
        CREATE TABLE ref_ids (collection TEXT NOT NULL, match_field TEXT NOT NULL,
            value TEXT NOT NULL, butter_id TEXT NOT NULL,
            PRIMARY KEY (collection, match_field, value)) WITHOUT ROWID;
        UPDATE schema_version SET version = 2;
        COMMIT;
        """
    )
    conn.close()


def version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    finally:
        conn.close()


def test_the_body_sent_is_kept_compressed_and_cleared_when_gone(tmp_path: Path):
    path = tmp_path / "l.sqlite"
    with CheckpointLedger(path) as ledger:
        ledger.begin(T, "a", payload_hash="h1", slug=None, lookup=("email", "a@x"), source="s:2")
        assert ledger.last_sent(T, "a") is None
        ledger.mark_accepted(T, "a", payload_hash="h1", sent=BODY)
        assert ledger.last_sent(T, "a") == BODY
        changed = {**BODY, "status": "draft"}
        ledger.mark_updated(T, "a", payload_hash="h2", lookup=("email", "a@x"), source=None,
                            sent=changed)  # fmt: skip
        assert ledger.last_sent(T, "a") == changed
        ledger.set_sent(T, "a", BODY)
        assert ledger.last_sent(T, "a") == BODY
        ledger.mark_missing(T, "a", "not in Butter")
        assert ledger.last_sent(T, "a") is None
    conn = sqlite3.connect(path)
    (size,) = conn.execute("SELECT length(sent) FROM records").fetchone() or (None,)
    conn.close()
    assert size is None  # cleared with the record
    with CheckpointLedger(path) as ledger:
        ledger.mark_updated(T, "a", payload_hash="h3", lookup=None, source=None, sent=BODY)
    conn = sqlite3.connect(path)
    (size,) = conn.execute("SELECT length(sent) FROM records").fetchone()
    conn.close()
    assert size < 200, "a 5 KB body is kept compressed"


def test_a_v2_ledger_is_upgraded_in_place_and_read_only_left_alone(tmp_path: Path):
    path = tmp_path / "v2.ledger.sqlite"
    make_v2(path)
    before = path.read_bytes()
    with CheckpointLedger(path, readonly=True) as reader:
        a = reader.get(T, "a")
        assert a is not None and a.accepted_hash == "h-a"
        assert reader.last_sent(T, "a") is None
    assert path.read_bytes() == before and version(path) == 2

    with CheckpointLedger(path) as ledger:
        assert ledger.classify(T, "a", "h-a") == "unchanged"
        assert ledger.last_sent(T, "a") is None, "sent by an older migrator: unknown"
        ledger.mark_updated(T, "a", payload_hash="h2", lookup=None, source=None, sent=BODY)
        assert ledger.last_sent(T, "a") == BODY
    assert version(path) == SCHEMA_VERSION == 3
    with CheckpointLedger(path) as again:  # an upgraded ledger is opened as it is
        assert again.last_sent(T, "a") == BODY and again.counts()["failed"] == 1


def test_a_v1_ledger_goes_straight_to_v3(tmp_path: Path):
    path = tmp_path / "v1.ledger.sqlite"
    make_v1(path)
    with CheckpointLedger(path, readonly=True) as reader:
        assert reader.last_sent(T, "a") is None
    with CheckpointLedger(path) as ledger:
        assert ledger.last_sent(T, "a") is None
        ledger.mark_accepted(T, "a", payload_hash="h-a", sent=BODY)
        assert ledger.last_sent(T, "a") == BODY
    assert version(path) == 3


def test_bodies_packed_with_the_old_32k_window_and_the_new_one_both_read():
    import zlib

    import orjson

    from migrator.ledger.schema import pack, unpack

    body = {"fields": {"body": "<p>" + "words and more words " * 2000 + "</p>", "n": 1}}
    old = zlib.compress(orjson.dumps(body), 6)  # how ledgers before the 16 KiB window packed
    assert unpack(old) == body
    assert unpack(pack(body)) == body
    assert pack(body)[0] >> 4 == 6, "zlib's header: a 16 KiB window (2 ** (6 + 8))"
