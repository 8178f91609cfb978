"""What every source is, and the small byte-level helpers sources share.

A source turns one export file into a stream of ``Record`` (or ``RecordError`` for a
record it could not read). Sources stream: they hold one record at a time, never the file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol, runtime_checkable

from migrator.errors import RecordError, SourceError
from migrator.records import Record

# How much of a file is looked at to guess its encoding (and, for CSV, its delimiter).
SAMPLE_SIZE = 64 * 1024
# Read size while streaming; memory per source is a small multiple of this.
CHUNK_SIZE = 64 * 1024


@runtime_checkable
class Source(Protocol):
    """One export file, read as a stream of records."""

    @property
    def name(self) -> str:
        """The format name this source is registered under (``csv``, ``wxr``...)."""
        ...

    @property
    def path(self) -> Path: ...

    def records(self) -> Iterator[Record | RecordError]:
        """Yield every record in file order; a bad one is yielded as a ``RecordError``.

        Raises ``SourceError`` only when the file cannot be read at all.
        """
        ...


@dataclass
class SourceStats:
    """Counts for the run summary, filled in while ``records()`` is iterated."""

    records: int = 0  # Records yielded
    errors: int = 0  # RecordErrors yielded
    warned: int = 0  # Records yielded with at least one warning
    # File-level notes (a renamed column, a guessed encoding) for the summary.
    notes: list[str] = field(default_factory=list)

    def count(self, item: Any) -> Any:
        """Tally a yielded ``Record`` or ``RecordError``; returns it, to yield."""
        if isinstance(item, RecordError):
            self.errors += 1
        else:
            self.records += 1
            self.warned += bool(item.warnings)
        return item


# --- opening files -----------------------------------------------------------------------


def open_binary(path: Path) -> BinaryIO:
    """Open ``path`` for reading bytes, turning OS errors into a ``SourceError``."""
    try:
        if path.is_dir():
            raise SourceError("is a directory, not an export file", file=path)
        return path.open("rb")
    except FileNotFoundError:
        raise SourceError("file not found", file=path) from None
    except OSError as exc:
        raise SourceError(f"cannot open: {exc.strerror or exc}", file=path) from None


def as_path(path: str | os.PathLike[str]) -> Path:
    return path if isinstance(path, Path) else Path(path)


# --- physical lines ----------------------------------------------------------------------


def byte_lines(raw: BinaryIO, path: Path, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Split a binary stream into physical lines, each keeping its ending.

    A line ends at LF, CRLF or a lone CR (classic Mac), like ``bytes.splitlines``; only
    for ASCII-compatible encodings. Reads ``chunk_size`` bytes at a time, so memory stays
    flat however big the file is (one line must still fit).
    """
    pending = b""
    while True:
        try:
            chunk = raw.read(chunk_size)
        except OSError as exc:
            raise SourceError(f"read failed: {exc.strerror or exc}", file=path) from None
        if not chunk:
            break
        lines = (pending + chunk if pending else chunk).splitlines(keepends=True)
        pending = lines.pop()
        yield from lines
        # A trailing CR may be the first half of a CRLF split across chunks: keep it.
        if pending.endswith(b"\n"):
            yield pending
            pending = b""
    if pending:
        yield pending


# --- the inspect mini-protocol -----------------------------------------------------------
#
# `migrator inspect EXPORT` works with any source class that has some of these (all
# optional; the command says which one is missing):
#
#   @classmethod
#   def sniff(cls, path: Path, head: bytes) -> bool
#       True when the file (its path, its first 64 KiB) looks like this format; used when
#       --format is not given. Cheap and side-effect free: no full read.
#   def describe(self) -> dict[str, Any]
#       A nested summary (plain dicts, lists, str/int/None) for a person writing a
#       mapping: what kinds of records there are and how many, their fields or columns,
#       sample values, and what could not be read. Reads the whole file (streaming).
#   def scaffold(self, kind: str) -> str | Scaffold
#       A starter mapping (TOML text) for one record kind; `load_mapping` must accept it
#       against the shipped content model where the kind's target exists there. Raises
#       ValueError for an unknown kind. The JSON sources return a `Scaffold`
#       (the mapping and the content model tables it assumes: `inspect --model-out`).
