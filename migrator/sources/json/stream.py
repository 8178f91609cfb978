"""Streaming JSON for the JSON sources: items under a path, positions, broken documents.

Every JSON source reads its file with ijson (the C yajl2 backend), one record at a time,
so memory holds one record plus whatever small index a format needs for its joins —
never the document. Every byte a parser gets has passed ``guard.JsonGuard`` (depth, key
and value size limits), so a hostile file is a ``JsonBroken`` at the byte where it goes
too far, not an exhausted memory or a crash. Helpers here:

- ``stream_items(path, prefix)``: the values under an ijson prefix (``entries.item``),
  each with its index, C-speed. A broken document ends the stream with ``JsonBroken``
  carrying the byte position (exact for a truncated file, else the 64 KiB read window
  the parser choked in, plus yajl's own excerpt of the text around the problem).
- ``scan(path, on_event)``: every parse event, for a first pass that builds an index
  without building the records (``Builder`` turns a sub-tree into an object when needed).
- ``json_file(path)``/``parse_events(reader)``: the file opened for a parser, its events.
- ``ndjson_lines(path)``: NDJSON / JSON Lines, one parsed line at a time with its number;
  ``loads(text)``: one JSON text, checked then parsed.
- ``head_events``/``head_lines``: what ``sniff`` looks at (the first 64 KiB only).
- ``summarize``: the ``describe()`` summary every JSON source returns.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import ijson
import orjson

from migrator.errors import RecordError, SourceError
from migrator.records import Record
from migrator.sources.base import SourceStats
from migrator.sources.files import CHUNK_SIZE, byte_lines, open_binary
from migrator.sources.json.guard import JsonGuard, TooBig, check_text

Event = tuple[str, str, Any]  # ijson (prefix, event, value)


class JsonBroken(Exception):
    """The document stops being JSON at ``position``; nothing after it can be read."""

    def __init__(self, position: str, detail: str):
        self.position = position
        self.detail = detail
        super().__init__(f"{position}: {detail}")


def cut_off(stats: SourceStats, file: str, broken: JsonBroken, what: str) -> RecordError:
    """The error a document that breaks part-way ends with (noted in ``stats``; counted
    as it is yielded): the ``what`` (entries, posts...) after ``broken.position`` were not
    read."""
    stats.notes.append(f"{file}@{broken.position}: {broken.detail}")
    return RecordError(
        f"{broken.detail}; the {what} after this point were not read",
        file=f"{file}@{broken.position}",
    )


class CountingReader:
    """A binary file that remembers which bytes the parser has been given, and checks
    them first (``guard.JsonGuard``): the parser gets the bytes before a limit is crossed,
    then the next read raises ``JsonBroken`` at that byte."""

    def __init__(self, raw: BinaryIO, path: Path):
        self.raw = raw
        self.path = path
        self.start = 0  # first byte of the last chunk read
        self.end = 0  # bytes read so far
        self.eof = False
        self.guard = JsonGuard()
        self._too_big: JsonBroken | None = None

    def read(self, size: int = -1) -> bytes:
        if self._too_big is not None:
            raise self._too_big
        try:
            chunk = self.raw.read(size)
        except OSError as exc:
            raise SourceError(f"read failed: {exc.strerror or exc}", file=self.path) from None
        try:
            self.guard.check(chunk, self.end)
        except TooBig as exc:
            self._too_big = JsonBroken(f"byte {exc.offset}", exc.detail)
            chunk = chunk[: exc.offset - self.end]
            if not chunk:
                raise self._too_big from None
        if size != 0:
            self.start, self.end = self.end, self.end + len(chunk)
            self.eof = self.eof or not chunk
        return chunk

    def broken(self, exc: Exception) -> JsonBroken:
        lines = [line for line in str(exc).splitlines() if line.strip()]
        reason = lines[0].removeprefix("parse error: ") if lines else str(exc)
        excerpt = lines[1].strip() if len(lines) > 2 else ""
        if "premature EOF" in reason or (self.eof and not excerpt):
            return JsonBroken(
                f"byte {self.end}", "the file ends in the middle of the JSON (truncated?)"
            )
        where = f"bytes {self.start}-{self.end}"
        detail = f"not valid JSON: {reason}" + (f", near: {excerpt}" if excerpt else "")
        return JsonBroken(where, detail)


@contextmanager
def json_file(path: Path) -> Iterator[CountingReader]:
    """``path`` opened for a JSON parser: counted and guarded (``CountingReader``)."""
    with open_binary(path) as raw:
        yield CountingReader(raw, path)


def parse_events(reader: CountingReader) -> Iterator[Event]:
    """ijson's ``(prefix, event, value)`` events of ``reader``; a break raises
    ``JsonBroken`` (after the events before it)."""
    try:
        yield from ijson.parse(reader, use_float=True, buf_size=CHUNK_SIZE)
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        raise reader.broken(exc) from None


def stream_items(path: Path, prefix: str) -> Iterator[tuple[int, Any]]:
    """``(index, value)`` for every value at ``prefix`` (``""`` is the root value).

    Raises ``SourceError`` when the file cannot be opened and ``JsonBroken`` where the
    document stops being JSON; the items before it have been yielded.
    """
    with json_file(path) as reader:
        items = ijson.items(reader, prefix, use_float=True, buf_size=CHUNK_SIZE)
        index = 0
        while True:
            try:
                value = next(items)
            except StopIteration:
                return
            except (ijson.JSONError, UnicodeDecodeError) as exc:
                raise reader.broken(exc) from None
            yield index, value
            index += 1


def scan(path: Path, on_event: Callable[[str, str, Any], None]) -> JsonBroken | None:
    """Feed every parse event to ``on_event``; returns the break, if the JSON has one."""
    with json_file(path) as reader:
        try:
            for prefix, event, value in parse_events(reader):
                on_event(prefix, event, value)
        except JsonBroken as broken:
            return broken
    return None


class Builder:
    """Builds the object whose ``start_*`` event it is given first, from parse events."""

    def __init__(self, event: str, value: Any):
        self._builder = ijson.ObjectBuilder()
        self._builder.event(event, value)
        self.depth = 1

    def feed(self, event: str, value: Any) -> bool:
        """Feed one event; True when the object is complete (``value`` is then ready)."""
        self._builder.event(event, value)
        if event in ("start_map", "start_array"):
            self.depth += 1
        elif event in ("end_map", "end_array"):
            self.depth -= 1
        return self.depth == 0

    @property
    def value(self) -> Any:
        return self._builder.value


class Collector:
    """Builds every object found at one of ``prefixes`` and hands it to ``on_item``.

    Use as a ``scan`` callback: only the selected sub-trees become Python objects.
    """

    def __init__(self, prefixes: Iterable[str], on_item: Callable[[str, Any], None]):
        self.prefixes = frozenset(prefixes)
        self.on_item = on_item
        self._builder: Builder | None = None
        self._prefix = ""

    def __call__(self, prefix: str, event: str, value: Any) -> None:
        if self._builder is not None:
            if self._builder.feed(event, value):
                self.on_item(self._prefix, self._builder.value)
                self._builder = None
        elif prefix in self.prefixes:
            if event in ("start_map", "start_array"):
                self._builder, self._prefix = Builder(event, value), prefix
            elif event not in ("end_map", "end_array", "map_key"):
                self.on_item(prefix, value)


# --- NDJSON ------------------------------------------------------------------------------


# The warning a line holding U+FFFD is read with.
REPLACEMENT_WARNING = "contains U+FFFD replacement characters: text was mis-decoded before export"


@dataclass(frozen=True)
class Line:
    number: int
    value: Any = None
    error: str | None = None
    replacement_chars: bool = False  # U+FFFD in the line: mis-decoded before export


def ndjson_lines(path: Path) -> Iterator[Line]:
    """Every non-blank line of an NDJSON / JSON Lines file, parsed (or its error)."""
    with open_binary(path) as raw:
        for number, line in enumerate(byte_lines(raw, path), 1):
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            text = line.strip()
            if not text:
                continue
            try:
                value = loads(text)
            except TooBig as exc:
                yield Line(number, error=f"{exc.detail} at column {exc.offset + 1}")
                continue
            except orjson.JSONDecodeError as exc:
                yield Line(number, error=f"not valid JSON: {exc.msg} at column {exc.colno}")
                continue
            yield Line(number, value, replacement_chars=b"\xef\xbf\xbd" in text)


def loads(text: bytes | str) -> Any:
    """One complete JSON text (an NDJSON line, a document inside a JSON string), parsed
    after the guard's check: raises ``TooBig`` past a limit, else what ``orjson.loads``
    raises."""
    check_text(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    return orjson.loads(text)


# --- sniffing ----------------------------------------------------------------------------


# Sniffing looks at the top few levels only (``db.item.data``, ``posts.item.uuid``).
_SNIFF_LEVELS = 4


def head_events(head: bytes) -> list[Event]:
    """The parse events in ``head`` (a file's first bytes) down to ``_SNIFF_LEVELS``
    deep, up to where it is cut off, breaks or is too deep."""
    events: list[Event] = []
    reader = CountingReader(io.BytesIO(head.removeprefix(b"\xef\xbb\xbf")), Path("<head>"))
    try:
        for event in parse_events(reader):
            if event[0].count(".") < _SNIFF_LEVELS:
                events.append(event)
    except JsonBroken:
        pass
    return events


def top_keys(events: list[Event]) -> list[str]:
    return [v for p, e, v in events if p == "" and e == "map_key"]


def head_lines(head: bytes, limit: int = 5) -> list[Any]:
    """The first complete lines of ``head`` parsed as JSON; empty if one is not JSON."""
    out: list[Any] = []
    lines = head.removeprefix(b"\xef\xbb\xbf").splitlines()
    if len(head) >= CHUNK_SIZE and lines:
        lines.pop()  # maybe cut off
    for line in lines:
        if not line.strip():
            continue
        try:
            out.append(loads(line))
        except TooBig:
            continue  # a line too deep or too long is still a line: the reader reports it
        except orjson.JSONDecodeError:
            return []
        if len(out) >= limit:
            break
    return out


# --- identity ----------------------------------------------------------------------------


def identity_text(value: Any) -> str | None:
    """A scalar id as text (``12`` → ``"12"``); None for missing, empty or structured ids."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str | int | float):
        text = str(value).strip()
        return text or None
    return None


# --- describe ----------------------------------------------------------------------------

SAMPLE_CHARS = 80


def summarize(
    format: str,
    items: Iterable[Record | RecordError],
    fields_of: Callable[[Record], dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The ``describe()`` summary: types with counts and, per field, how many records
    have it, its JSON types and a short sample value; the first errors."""
    types: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    error_count = records = 0
    for item in items:
        if isinstance(item, RecordError):
            error_count += 1
            if len(errors) < 20:
                errors.append(str(item))
            continue
        records += 1
        entry = types.setdefault(item.kind, {"count": 0, "fields": {}})
        entry["count"] += 1
        data = fields_of(item) if fields_of else dict(item.data)
        for name, value in data.items():
            f = entry["fields"].setdefault(name, {"count": 0, "types": [], "sample": None})
            f["count"] += 1
            kind = _json_type(value)
            if kind not in f["types"]:
                f["types"].append(kind)
            if f["sample"] is None and value not in (None, "", [], {}):
                f["sample"] = _sample(value)
    return {
        "format": format,
        "records": records,
        "errors": error_count,
        "first_errors": errors,
        "types": dict(sorted(types.items())),
        **extra,
    }


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _sample(value: Any) -> str:
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return text if len(text) <= SAMPLE_CHARS else text[: SAMPLE_CHARS - 1] + "…"


def https(url: Any) -> Any:
    """Protocol-relative ``//host/x`` → ``https://host/x``; anything else unchanged."""
    if isinstance(url, str) and url.startswith("//"):
        return "https:" + url
    return url
