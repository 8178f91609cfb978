"""Keys seen so far in one pass over a WXR export (post ids, guids), in bounded memory
whatever their shape.

Post ids are numbers in runs (WordPress counts from 1; a merged or imported site's are
a run far above), so they fit a sparse bitmap of one bit each; keys that are no number
(guids), and numbers scattered past the bitmap's budget, go to a temporary SQLite file
(``migrator.seen.SeenKeys``, bounded page cache), opened only when the first such key
comes.
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
    """Post ids seen so far: numbers in a sparse bitmap (blocks of ``BLOCK`` ids, one bit
    each, 1 MiB of them at most: a site's ids are runs of numbers, a merged site's far
    above the others), any other id, and numbers past that budget, on disk."""

    BLOCK = 1 << 16  # ids a block holds (8 KiB)
    MAX_BLOCKS = 128

    def __init__(self) -> None:
        self.blocks: dict[int, bytearray] = {}
        self.other = Keys()

    def add(self, post_id: str) -> bool:
        """Remember ``post_id``; True if it was already there."""
        if post_id.isdecimal() and len(post_id) < 10:
            n = int(post_id)  # "012" is 12, as WordPress reads it
            block = self.blocks.get(n // self.BLOCK)
            if block is None:
                if len(self.blocks) >= self.MAX_BLOCKS:
                    return self.other.first_seen(str(n)) is not None
                block = self.blocks[n // self.BLOCK] = bytearray(self.BLOCK // 8)
            byte, bit = divmod(n % self.BLOCK, 8)
            seen = bool(block[byte] & (1 << bit))
            block[byte] |= 1 << bit
            return seen
        return self.other.first_seen(post_id) is not None

    def __contains__(self, post_id: object) -> bool:
        if not isinstance(post_id, str):
            return False
        if post_id.isdecimal() and len(post_id) < 10:
            n = int(post_id)
            block = self.blocks.get(n // self.BLOCK)
            if block is not None:
                byte, bit = divmod(n % self.BLOCK, 8)
                return bool(block[byte] & (1 << bit))
            if len(self.blocks) < self.MAX_BLOCKS:
                return False  # never sent to disk
            post_id = str(n)
        return self.other.get(post_id) is not None

    def close(self) -> None:
        self.other.close()
