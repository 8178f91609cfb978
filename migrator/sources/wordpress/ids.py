"""Keys seen so far in one pass over a WXR export (post ids, guids), in bounded memory
whatever their shape.

WordPress numbers posts from 1, so most ids fit a bitmap of one bit each; a merged or
imported site's ids (above ``IdSet.MAX_BIT``) and keys that are no number (guids) go to
a temporary SQLite file (``migrator.seen.SeenKeys``, bounded page cache), opened only
when the first such key comes.
"""

from __future__ import annotations

from typing import Any

from migrator.seen import SeenKeys


class Keys:
    """``SeenKeys`` opened when first written to (most exports never need one)."""

    def __init__(self) -> None:
        self._db: SeenKeys | None = None

    def first_seen(self, key: str, where: Any = "") -> str | None:
        """Remember ``key`` as seen at ``where``; if it was seen before, return where."""
        if self._db is None:
            self._db = SeenKeys()
        return self._db.first_seen(key, where)

    def get(self, key: str) -> str | None:
        return None if self._db is None else self._db.get(key)

    def put(self, key: str, value: str) -> None:
        if self._db is None:
            self._db = SeenKeys()
        self._db.put(key, value)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class IdSet:
    """Post ids seen so far: a bitmap for ids below ``MAX_BIT`` (1 MiB at most), any
    other id on disk."""

    MAX_BIT = 1 << 23

    def __init__(self) -> None:
        self.bits = bytearray()
        self.other = Keys()

    def add(self, post_id: str) -> bool:
        """Remember ``post_id``; True if it was already there."""
        if post_id.isdecimal() and len(post_id) < 10:
            n = int(post_id)
            if n >= self.MAX_BIT:
                return self.other.first_seen(str(n)) is not None  # "012" is 12, as below
            byte, bit = divmod(n, 8)
            if byte >= len(self.bits):
                grown = min(max(byte + 1, 2 * len(self.bits)), self.MAX_BIT // 8)
                self.bits.extend(bytes(grown - len(self.bits)))
            seen = bool(self.bits[byte] & (1 << bit))
            self.bits[byte] |= 1 << bit
            return seen
        return self.other.first_seen(post_id) is not None

    def close(self) -> None:
        self.other.close()
