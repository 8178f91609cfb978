"""Reading export files as bytes: opening them, splitting them into lines, an export
given as several files (a folder, a zip: ``export_parts``). Every source streams: memory
stays a small multiple of ``CHUNK_SIZE`` whatever the file's size."""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, cast

from migrator.errors import SourceError
from migrator.sources.limits import (
    MAX_LINE,
    MAX_UNZIPPED,
    MAX_ZIP_MEMBERS,
    MAX_ZIP_RATIO,
    size_text,
)

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


# --- an export in several files -----------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One file of an export: the file itself, a file in a folder, or a zip's member.
    ``name`` is what messages and record locations say: ``export.zip/posts-1.xml``."""

    name: str
    path: Path
    member: str | None = None

    def open(self) -> BinaryIO:
        if self.member is None:
            return open_binary(self.path)
        return cast(BinaryIO, _Member(self))


def export_parts(path: Path, suffixes: tuple[str, ...]) -> list[Part]:
    """The files an export at ``path`` is made of, in name order: a folder's files (not
    its sub-folders) and a zip's members that end in one of ``suffixes``; any other path
    is one file. A zip is checked before anything is read: member names that climb out
    (``../``, absolute), encrypted members, more than ``MAX_ZIP_MEMBERS`` files, more than
    ``MAX_UNZIPPED`` bytes inflated or a file inflating ``MAX_ZIP_RATIO`` times (a zip
    bomb) are a ``SourceError``. macOS's ``__MACOSX/`` and ``._*`` companions are skipped."""
    if path.is_dir():
        files = sorted(
            p for p in path.iterdir() if p.is_file() and _wanted(p.name, suffixes)
        )  # fmt: skip
        if not files:
            raise SourceError(f"no {'/'.join(suffixes)} file in this folder", file=path)
        return [Part(str(p), p) for p in files]
    if path.suffix.lower() != ".zip":
        return [Part(str(path), path)]
    try:
        with open_binary(path) as raw, zipfile.ZipFile(raw) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise SourceError(f"not a readable zip file: {exc}", file=path) from None
    members = sorted((i for i in infos if not i.is_dir() and _wanted(i.filename, suffixes)),
                     key=lambda i: i.filename)  # fmt: skip
    if not members:
        raise SourceError(f"no {'/'.join(suffixes)} file in this zip", file=path)
    if len(members) > MAX_ZIP_MEMBERS:
        raise SourceError(
            f"{len(members):,} files in this zip, more than {MAX_ZIP_MEMBERS:,}: not one export",
            file=path,
        )
    total = 0
    for info in members:
        where = f"{path}/{info.filename}"
        name = PurePosixPath(info.filename.replace("\\", "/"))
        if name.is_absolute() or ".." in name.parts or ":" in info.filename:
            raise SourceError("refused: a zip member whose name leaves the zip", file=where)
        if info.flag_bits & 0x1:
            raise SourceError("encrypted: unzip it with its password first", file=where)
        if info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1) and (
            info.file_size > 1024 * 1024
        ):
            raise SourceError(
                f"refused: {size_text(info.compress_size)} inflating to "
                f"{info.file_size:,} bytes, more than {MAX_ZIP_RATIO} times (a zip bomb)",
                file=where,
            )
        total += info.file_size
    if total > MAX_UNZIPPED:
        raise SourceError(
            f"refused: {total:,} bytes once inflated, more than {size_text(MAX_UNZIPPED)}",
            file=path,
        )
    return [Part(f"{path}/{i.filename}", path, i.filename) for i in members]


def _wanted(name: str, suffixes: tuple[str, ...]) -> bool:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return (
        name.lower().endswith(suffixes)
        and not base.startswith("._")
        and not name.startswith("__MACOSX/")
    )


class _Member(io.RawIOBase):
    """A zip member read as a stream (never extracted), its archive closed with it; a
    corrupt member is a ``SourceError`` naming it. Never more than its declared size:
    ``zipfile`` stops there and checks the CRC."""

    def __init__(self, part: Part) -> None:
        self.part = part
        self._raw = open_binary(part.path)
        try:
            self._archive = zipfile.ZipFile(self._raw)
            self._stream = self._archive.open(str(part.member))
        except (zipfile.BadZipFile, zlib.error, KeyError, NotImplementedError) as exc:
            self._raw.close()
            raise SourceError(f"cannot read this zip member: {exc}", file=part.name) from None

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        try:
            return self._stream.read(size)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise SourceError(f"corrupt zip member: {exc}", file=self.part.name) from None

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._stream.close()
            self._archive.close()
            self._raw.close()
        super().close()
