"""Identities seen so far in one pass over an export, kept on disk.

Catching a duplicate key needs every key seen before, and an export with ten million
rows would hold ten million keys. SQLite's private temporary database (the empty file
name) keeps that out of memory: its page cache is bounded and the rest spills to a file
that SQLite unlinks as soon as it opens it. Memory stays flat however large the export
is, at a few microseconds a key, and a killed run leaves nothing behind (a named
temporary file did: one per SIGKILL, left in /tmp).

Those microseconds are SQLite's B-tree, batched or not (executemany of 256 keys: 3.4 µs a
key, as much as one INSERT each; 6-9 µs when a run's few tables take turns). A reader
that checks every key it reads (the CSV source, the plan's identity and slug checks) keeps
its first ``memory_keys`` keys in a dict instead, ~120 bytes each: those
cost no SQLite call at all. They stay there; later keys go to SQLite as without it, with
one dict lookup more (50 ns; moving the dict to SQLite when full cost 3.3 µs a key).
"""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Any

# SQLite page cache for this table, in KiB (negative = KiB in SQLite's PRAGMA).
_CACHE_KIB = 4096

# The first keys such a reader keeps in memory before they go to SQLite: 7.6 MiB (a slug
# claim's value is longer: ~10.5 MiB), and an export of up to this many records is checked
# without SQLite at all.
MEMORY_KEYS = 65_536


class SeenKeys:
    def __init__(self, memory_keys: int = 0) -> None:
        # digest -> its value (a line number kept as an int: half the memory of its text);
        # a digest is here or in SQLite, never both.
        self._memory: dict[bytes, Any] = {}
        self._memory_keys = memory_keys
        self._db = sqlite3.connect("", isolation_level=None)
        # A scratch table: no journal, no fsync; it is thrown away at the end.
        self._db.executescript(
            f"""
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA cache_size = -{_CACHE_KIB};
            CREATE TABLE seen (digest BLOB PRIMARY KEY, first TEXT) WITHOUT ROWID;
            BEGIN;
            """
        )

    def first_seen(self, key: str, where: Any) -> str | None:
        """Remember ``key`` as seen at ``where``; if it was seen before, return where."""
        digest = _digest(key)
        memory = self._memory
        if memory:
            first = memory.get(digest)
            if first is not None:
                return str(first)
        if len(memory) < self._memory_keys:
            memory[digest] = where if type(where) is int else str(where)
            return None
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO seen (digest, first) VALUES (?, ?)", (digest, str(where))
        )
        if cursor.rowcount:
            return None
        return self._stored(digest)

    def put(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``, replacing what was there."""
        digest = _digest(key)
        memory = self._memory
        # Until the dict is full, SQLite holds nothing.
        if digest in memory or len(memory) < self._memory_keys:
            memory[digest] = value
            return
        self._db.execute(
            "INSERT OR REPLACE INTO seen (digest, first) VALUES (?, ?)", (digest, value)
        )

    def get(self, key: str) -> str | None:
        """Where ``key`` was first seen (the value stored with it), or None."""
        digest = _digest(key)
        found = self._memory.get(digest)
        if found is None and len(self._memory) >= self._memory_keys:
            return self._stored(digest)  # (until the dict is full, SQLite holds nothing)
        return None if found is None else str(found)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        return self.get(key) is not None

    def _stored(self, digest: bytes) -> str | None:
        row = self._db.execute("SELECT first FROM seen WHERE digest = ?", (digest,)).fetchone()
        return None if row is None else str(row[0])

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SeenKeys:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        # Generators abandoned mid-way are closed by the garbage collector; clean up then too.
        if getattr(self, "_db", None) is not None:
            try:
                self.close()
            except Exception:
                pass


def _digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).digest()
