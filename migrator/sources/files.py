"""Reading export files as bytes: opening them, splitting them into lines. Every source
streams: memory stays a small multiple of ``CHUNK_SIZE`` whatever the file's size."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from migrator.errors import SourceError
from migrator.sources.limits import MAX_LINE, size_text

# How much of a file is looked at to guess its format, its encoding (and, for CSV, its
# delimiter).
SAMPLE_SIZE = 64 * 1024
# Read size while streaming; memory per source is a small multiple of this.
CHUNK_SIZE = 64 * 1024


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


def byte_lines(
    raw: BinaryIO, path: Path, chunk_size: int = CHUNK_SIZE, max_line: int = MAX_LINE
) -> Iterator[bytes]:
    """Split a binary stream into physical lines, each keeping its ending.

    A line ends at LF, CRLF or a lone CR (classic Mac), like ``bytes.splitlines``; only
    for ASCII-compatible encodings. Reads ``chunk_size`` bytes at a time, so memory stays
    flat however big the file is; a line longer than ``max_line`` is a ``SourceError``
    naming it (it would have to be held whole).
    """
    pending: list[bytes] = []  # the line read so far, in pieces (joined once, not per chunk)
    size = 0
    number = 0  # lines yielded
    while True:
        try:
            chunk = raw.read(chunk_size)
        except OSError as exc:
            raise SourceError(f"read failed: {exc.strerror or exc}", file=path) from None
        if not chunk:
            break
        if b"\n" in chunk or b"\r" in chunk or (pending and pending[-1].endswith(b"\r")):
            lines = b"".join([*pending, chunk]).splitlines(keepends=True)
            last = lines.pop()
            number += len(lines)
            yield from lines
            # A trailing CR may be the first half of a CRLF split across chunks: keep it.
            if last.endswith(b"\n"):
                number += 1
                yield last
                last = b""
            pending, size = [last], len(last)
        else:
            pending.append(chunk)
            size += len(chunk)
        if size > max_line:
            raise SourceError(
                f"a line longer than {size_text(max_line)}: not an export migrator can read "
                "(a line is held whole while it is parsed)",
                file=path,
                line=number + 1,
            )
    if size:
        yield b"".join(pending)
