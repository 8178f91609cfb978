"""PHP ``unserialize`` for WordPress post, term and comment meta, without running PHP.

WordPress stores arrays and objects in meta as PHP-serialized strings
(``a:1:{s:3:"foo";s:3:"bar";}``). ``s:N`` counts **UTF-8 bytes**, not characters, so
the value is decoded as bytes. Arrays become a ``list`` when their keys are 0..n-1 in
order, otherwise a ``dict`` (integer keys kept as ints); an object becomes a ``dict``
of its properties with its class name under ``"__class__"``. Nothing is instantiated
and nothing is executed: this only reads data.

``maybe_unserialize(text)`` returns ``(value, problem)``: the decoded value, or the
text unchanged with a problem message when it looks serialized but is not valid
(a byte count that does not match after a search-and-replace on the database is the
classic case). Text that does not look serialized comes back unchanged, no problem.
"""

from __future__ import annotations

import re
from typing import Any

# Deep enough for any real meta value; a hostile one cannot recurse the stack away.
MAX_DEPTH = 64
# Meta values bigger than this are kept as text rather than parsed.
MAX_BYTES = 16 * 1024 * 1024
_LOOKS_SERIALIZED = re.compile(r"^(?:[aO]:\d+:|[sCE]:\d+:\"|[idb]:[^;]*;|N;)", re.S)
_INT = re.compile(rb"[+-]?\d+")
# A string's length and opening quote, an integer, an array's size and brace.
_USUAL = re.compile(rb'(?:s:(?P<s>\d+):"|i:(?P<i>[+-]?\d+);|a:(?P<a>\d+):\{)')
_FLOAT = re.compile(rb"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|INF|NAN)")


class PhpError(ValueError):
    """Not a valid PHP-serialized value; the message says where."""


def looks_serialized(text: str) -> bool:
    text = text.strip()
    return bool(text) and text[-1] in ";}" and _LOOKS_SERIALIZED.match(text) is not None


def maybe_unserialize(text: str) -> tuple[Any, str | None]:
    """``(value, None)`` if ``text`` is serialized PHP; ``(text, problem)`` if it looks
    serialized but is not valid; ``(text, None)`` if it is plain text."""
    if not looks_serialized(text):
        return text, None
    data = text.strip().encode("utf-8")
    if len(data) > MAX_BYTES:
        return text, f"serialized value of {len(data):,} bytes kept as text (limit {MAX_BYTES:,})"
    try:
        return unserialize(data), None
    except PhpError as exc:
        return text, f"looks PHP-serialized but is not valid ({exc}); kept as text"


def unserialize(data: bytes) -> Any:
    """Decode one PHP-serialized value; raises ``PhpError``."""
    reader = _Reader(data)
    value = reader.value(0)
    if reader.pos != len(data):
        raise PhpError(f"unexpected data after the value at byte {reader.pos}")
    return value


class _Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def expect(self, token: bytes) -> None:
        if not self.data.startswith(token, self.pos):
            got = self.data[self.pos : self.pos + len(token)]
            raise PhpError(f"expected {token.decode()!r} at byte {self.pos}, got {got!r}")
        self.pos += len(token)

    def until(self, stop: bytes) -> bytes:
        end = self.data.find(stop, self.pos)
        if end < 0:
            raise PhpError(f"missing {stop.decode()!r} after byte {self.pos}")
        chunk = self.data[self.pos : end]
        self.pos = end + len(stop)
        return chunk

    def count(self, stop: bytes) -> int:
        raw = self.until(stop)
        if not _INT.fullmatch(raw) or int(raw) < 0:
            raise PhpError(f"bad length {raw!r} before byte {self.pos}")
        return int(raw)

    def string(self) -> str:
        length = self.count(b':"')
        end = self.pos + length
        if end > len(self.data) or not self.data.startswith(b'";', end):
            raise PhpError(
                f"string of {length} bytes at byte {self.pos} does not end where its "
                "length says (byte counts are UTF-8 bytes)"
            )
        raw = self.data[self.pos : end]
        self.pos = end + 2
        return raw.decode("utf-8", errors="replace")

    def value(self, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise PhpError(f"nested deeper than {MAX_DEPTH} levels")
        # The usual shapes in one match; anything else (or wrong) takes the long way,
        # which says what is wrong.
        m = _USUAL.match(self.data, self.pos)
        if m is not None:
            usual = m.lastgroup
            if usual == "s":
                start = m.end()
                end = start + int(m.group("s"))
                if self.data.startswith(b'";', end):
                    self.pos = end + 2
                    return self.data[start:end].decode("utf-8", errors="replace")
            elif usual == "i":
                self.pos = m.end()
                return int(m.group("i"))
            elif usual == "a":
                self.pos = m.end()
                return self.items(int(m.group("a")), depth)
        kind = self.data[self.pos : self.pos + 2]
        if kind == b"N;":
            self.pos += 2
            return None
        self.pos += 2
        if kind == b"s:":
            return self.string()
        if kind == b"i:":
            raw = self.until(b";")
            if not _INT.fullmatch(raw):
                raise PhpError(f"bad integer {raw!r}")
            return int(raw)
        if kind == b"d:":
            raw = self.until(b";")
            if not _FLOAT.fullmatch(raw):
                raise PhpError(f"bad float {raw!r}")
            return float(raw.decode().replace("INF", "inf").replace("NAN", "nan"))
        if kind == b"b:":
            raw = self.until(b";")
            if raw not in (b"0", b"1"):
                raise PhpError(f"bad boolean {raw!r}")
            return raw == b"1"
        if kind == b"a:":
            return self.array(depth)
        if kind == b"O:":
            class_name = self.string_until_colon()
            properties = self.array(depth)
            if isinstance(properties, list):
                properties = {str(i): v for i, v in enumerate(properties)}
            return {"__class__": class_name, **properties}
        if kind in (b"r:", b"R:"):
            raw = self.until(b";")
            return {"__reference__": int(raw) if _INT.fullmatch(raw) else raw.decode()}
        self.pos -= 2
        raise PhpError(f"unknown type {kind!r} at byte {self.pos}")

    def string_until_colon(self) -> str:
        length = self.count(b':"')
        raw = self.data[self.pos : self.pos + length]
        self.pos += length
        self.expect(b'":')
        return raw.decode("utf-8", errors="replace")

    def array(self, depth: int) -> list[Any] | dict[str, Any]:
        return self.items(self.count(b":{"), depth)

    def items(self, size: int, depth: int) -> list[Any] | dict[str, Any]:
        """An array's ``size`` entries and its ``}``."""
        items: dict[int | str, Any] = {}
        for _ in range(size):
            key = self.value(depth + 1)
            if not isinstance(key, int | str):
                raise PhpError(f"array key must be an integer or a string, got {key!r}")
            items[key] = self.value(depth + 1)
        self.expect(b"}")
        if list(items) == list(range(len(items))):
            return list(items.values())
        # String keys throughout, so the value is JSON as it is (orjson rejects int keys).
        return {str(k): v for k, v in items.items()}
