"""The one check every JSON reader's bytes pass before a parser sees them: nesting depth,
key length and value size (``migrator.sources.limits``).

Parsers cannot be trusted with hostile input: ijson keeps each level's path, so a
100,000-deep array costs gigabytes before the first event, yajl buffers a string or
number whole however long it is, and deep values crash the recursive code that meets
them later (orjson, rich-text rendering). ``JsonGuard.check`` runs on each chunk, at C
speed (regular expressions and ``bytes`` methods; Python only walks the chunk where a
limit is crossed, to say at which byte), and keeps across chunks whether it is inside a
string and how deep it is:

    guard = JsonGuard()
    guard.check(chunk, offset)    # raises TooBig(offset, detail) at the first bad byte

A document streamed (``stream.CountingReader``) and an NDJSON line (``stream.loads``)
go through the same check. On valid JSON it is exact; on broken JSON the parser reports
the break itself (the bytes before a ``TooBig`` are still parsed).
"""

from __future__ import annotations

import itertools
import re

from migrator.sources.limits import MAX_DEPTH, MAX_KEY, MAX_NUMBER, MAX_VALUE, size_text

# A complete string, escapes included.
_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"', re.S)
# The rest of a string's body: up to its closing quote, or to a backslash that is the
# chunk's last byte, or to the chunk's end.
_BODY = re.compile(rb'[^"\\]*+(?:\\.[^"\\]*+)*+', re.S)
# An object key longer than MAX_KEY: plain characters between two quotes, the second
# followed by a colon, can only be a key. A key with escapes is not seen here (unless it
# spans chunks: ``_in_string`` sees that one). Found from the quotes before a colon (a
# few a record), not by trying every quote of the chunk.
_KEY_END = re.compile(rb'"\s*:')
# A complete string or a bracket: the slow walk that finds the byte of a too-deep level.
_TOKEN = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"|[\[\]{}]', re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_NUMBER_BYTES = b"0123456789+-.eE"
_PIECE = 64 * 1024  # what check_text hands the guard at a time (a read's worth)
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class TooBig(Exception):
    """Input past a limit at byte ``offset`` (of the file, or of the line checked)."""

    def __init__(self, offset: int, detail: str):
        self.offset = offset
        self.detail = detail
        super().__init__(f"byte {offset}: {detail}")


class JsonGuard:
    """Checks JSON bytes chunk by chunk; see the module docstring."""

    def __init__(self) -> None:
        self.depth = 0
        self.string_start: int | None = None  # the opening quote of the string we are in
        self.escaped = False  # the last chunk ended on a backslash inside a string
        self.number_run = 0  # number bytes at the end of the last chunk
        self.long_string: int | None = None  # where a string too long for a key began

    def check(self, data: bytes, offset: int = 0) -> None:
        """Check ``data``, the bytes that start at ``offset``; raise ``TooBig`` at the first
        byte past a limit."""
        start = 0
        if self.string_start is not None:
            start = self._in_string(data, 0, offset)
            if self.string_start is not None:
                return
        rest = data[start:] if start else data
        base = offset + start
        if self.long_string is not None:
            after = rest.lstrip()[:1]
            if after == b":":
                raise TooBig(self.long_string, f"an object key longer than {size_text(MAX_KEY)}")
            if after:
                self.long_string = None
        key = _long_key(rest)
        if key is not None:
            raise TooBig(base + key, f"an object key longer than {size_text(MAX_KEY)}")
        # A string that goes on in the next chunk is cut off first: the search for
        # complete strings would try each quote in it as a start, to the chunk's end.
        plain = _escapes_blanked(rest)
        opening = plain.rfind(b'"') if plain.count(b'"') % 2 else None
        body = rest if opening is None else rest[:opening]
        outside = _outside_strings(body, plain if opening is None else plain[:opening])
        self._count_brackets(outside, body, base)
        if opening is not None:
            self.string_start = base + opening
            self._in_string(rest, opening + 1, base)
        self._count_number(outside, base + len(rest))

    def _in_string(self, data: bytes, pos: int, offset: int) -> int:
        """Go on through a string from ``data[pos]``; the index after its closing quote,
        or ``len(data)`` when it goes on past this chunk."""
        assert self.string_start is not None
        if self.escaped and pos < len(data):
            pos += 1
        self.escaped = False
        end = _BODY.match(data, pos).end()  # type: ignore[union-attr]  # matches ""
        length = offset + end - self.string_start - 1  # its characters so far
        if length > MAX_VALUE:
            raise TooBig(self.string_start, f"a string longer than {size_text(MAX_VALUE)}")
        if end < len(data) and data[end] == ord('"'):
            if length > MAX_KEY:
                self.long_string = self.string_start  # a key, if a colon follows
            self.string_start = None
            return end + 1
        self.escaped = end < len(data)  # stopped at a backslash, the chunk's last byte
        return len(data)

    def _count_brackets(self, outside: bytes, body: bytes, base: int) -> None:
        brackets = outside.translate(None, _NOT_BRACKETS)
        opens = brackets.count(b"[") + brackets.count(b"{")
        if self.depth + opens > MAX_DEPTH:
            deepest = max(itertools.accumulate(map(_STEP.__getitem__, brackets), initial=0))
            if self.depth + deepest > MAX_DEPTH:
                where = self._too_deep_at(body, base)
                raise TooBig(where, f"nested deeper than {MAX_DEPTH} levels")
        # Below 0 only in broken JSON, which the parser reports.
        self.depth = max(0, self.depth + 2 * opens - len(brackets))

    def _too_deep_at(self, body: bytes, base: int) -> int:
        depth = self.depth
        for token in _TOKEN.finditer(body):
            step = _STEP.get(token[0][0], 0) if len(token[0]) == 1 else 0
            depth += step
            if depth > MAX_DEPTH:
                return base + token.start()
        return base  # not reached: the brackets counted are the ones walked

    def _count_number(self, outside: bytes, end: int) -> None:
        """A number that goes on across chunks is buffered whole by the parser: bound it.
        (Only the digits at a chunk's end are counted, so it is seen once it spans one.)"""
        if self.string_start is not None:
            self.number_run = 0
            return
        trailing = len(outside) - len(outside.rstrip(_NUMBER_BYTES))
        if trailing == len(outside):
            self.number_run += trailing
        else:
            self.number_run = trailing
        if self.number_run > MAX_NUMBER:
            raise TooBig(end - self.number_run, f"a number longer than {size_text(MAX_NUMBER)}")


def _long_key(data: bytes) -> int | None:
    """The opening quote of the first run of more than MAX_KEY bytes, neither quote nor
    backslash, between two quotes the second of which a colon follows."""
    for end in _KEY_END.finditer(data):
        start = data.rfind(b'"', 0, end.start())
        long = start >= 0 and end.start() - start > MAX_KEY + 1
        if long and data.find(b"\\", start + 1, end.start()) < 0:
            return start
    return None


def _escapes_blanked(data: bytes) -> bytes:
    """``data`` with each backslash pair and escaped quote as two NULs (the same length): its
    quotes are then the unescaped ones, at their own offsets. Backslashes pair up from the
    left of each run, as the escapes do."""
    if b"\\" not in data:
        return data
    return data.replace(b"\\\\", b"\0\0").replace(b'\\"', b"\0\0")


def _outside_strings(body: bytes, plain: bytes) -> bytes:
    """``body`` (whose strings all end in it) without its strings: what ``_STRING.sub``
    gives, by ``bytes`` methods (a substitution costs a Python object a string, and HTML in
    JSON is thousands of them a chunk). ``plain`` is ``_escapes_blanked(body)``: between
    its quotes, strings and the rest alternate. A backslash or NUL left outside them is not
    JSON, and the quotes may then pair up otherwise: the substitution decides."""
    outside = b"".join(plain.split(b'"')[::2])
    if b"\\" in outside or b"\0" in outside:
        return _STRING.sub(b"", body)
    return outside


def check_text(data: bytes) -> None:
    """Check one complete JSON text (an NDJSON line, a JSON string inside JSON), a read's
    worth at a time: ``re.sub`` over a whole 32 MiB line of ``""`` would build millions
    of pieces at once."""
    guard = JsonGuard()
    for at in range(0, len(data), _PIECE):
        guard.check(data[at : at + _PIECE], at)
