"""Every attachment of a WXR export, by post id and by parent, kept on disk.

A featured image may point at an attachment further down the file, so the first pass
remembers them all. Sites keep far more media than posts (a million attachments is an
ordinary 1 GB export), so they go to SQLite's private temporary database, not to
a dict: memory stays flat at a few microseconds a lookup.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from migrator.sources.wordpress.ids import IdSet

# SQLite page cache for this table, in KiB.
_CACHE_KIB = 4096
_COLUMNS = "id, url, alt, title, caption, description"


class AttachmentIndex:
    def __init__(self) -> None:
        # SQLite's private temporary database: the cache is bounded, the rest spills to a
        # file SQLite unlinks at once, so a killed run leaves nothing in /tmp.
        self._db: sqlite3.Connection | None = sqlite3.connect("", isolation_level=None)
        # The parents that have attachments: most items have none, and are answered
        # without a query.
        self._parents = IdSet()
        # A scratch table: no journal, no fsync. One open transaction: this connection
        # reads its own writes, and nothing else ever reads the file.
        self._db.executescript(
            f"""
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA cache_size = -{_CACHE_KIB};
            CREATE TABLE media (
                id TEXT PRIMARY KEY, parent TEXT, url TEXT, alt TEXT, title TEXT, caption TEXT,
                description TEXT
            );
            CREATE INDEX media_parent ON media (parent);
            BEGIN;
            """
        )

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("the attachment index is closed")
        return self._db

    def add(
        self,
        post_id: str,
        *,
        url: str,
        alt: str,
        title: str,
        caption: str,
        parent: str | None,
        description: str = "",
    ) -> None:
        if parent is not None:
            self._parents.add(parent)
        # A repeated id: the later item wins (and moves to the end of its parent's list:
        # REPLACE deletes the old row and gives the new one a new rowid). One statement.
        self.db.execute(
            f"INSERT OR REPLACE INTO media (parent, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (parent, post_id, url, alt, title, caption, description),
        )

    def get(self, post_id: str) -> dict[str, Any] | None:
        """``{id, url, alt, title, caption, description}``, or None when the export has no
        such item."""
        row = self.db.execute(f"SELECT {_COLUMNS} FROM media WHERE id = ?", (post_id,))
        found = row.fetchone()
        return None if found is None else _as_dict(found)

    def children(self, parent: str) -> list[dict[str, Any]]:
        """The attachments whose parent is ``parent``, in the export's order."""
        if parent not in self._parents:
            return []
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM media WHERE parent = ? ORDER BY rowid", (parent,)
        )
        return [_as_dict(r) for r in rows]

    def close(self) -> None:
        self._parents.close()
        if self._db is not None:
            self._db.close()
            self._db = None

    def __del__(self) -> None:
        # A records() generator abandoned mid-way is closed by the garbage collector.
        try:
            self.close()
        except Exception:
            pass


def _as_dict(row: tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip(("id", "url", "alt", "title", "caption", "description"), row, strict=True))
