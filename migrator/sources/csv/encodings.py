"""The text encoding of a CSV export: guessed, checked, and its physical lines decoded.

Lines are ``(text, issue)`` pairs (``rows.Lines``): the issue is a decoding problem found
on that line, an error (its row becomes a ``RecordError``) or a warning.
"""

from __future__ import annotations

import codecs
import contextlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from migrator.errors import SourceError
from migrator.sources.csv.rows import Issue, Lines
from migrator.sources.files import byte_lines

# Checked longest first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

WINDOWS_1252 = "windows-1252"


@dataclass(frozen=True)
class EncodingGuess:
    """An encoding and how it was found: ``bom``, ``utf-8`` (the sample is valid UTF-8),
    ``fallback`` (it is not, so Windows-1252) or ``configured``."""

    encoding: str
    how: str


def guess_encoding(sample: bytes) -> EncodingGuess:
    """Guess a file's encoding from its first bytes: a BOM, else UTF-8 if the sample is
    valid UTF-8, else Windows-1252 (Latin-1 plus the curly quotes Excel writes)."""
    for bom, encoding in _BOMS:
        if sample.startswith(bom):
            return EncodingGuess(encoding, "bom")
    try:
        # Incremental and not final: a character cut in two at the sample's end is fine.
        codecs.getincrementaldecoder("utf-8")("strict").decode(sample, final=False)
    except UnicodeDecodeError:
        return EncodingGuess(WINDOWS_1252, "fallback")
    return EncodingGuess("utf-8", "utf-8")


def is_ascii_compatible(encoding: str) -> bool:
    """True when ASCII bytes (line breaks, delimiters, quotes) mean themselves, so bytes
    can be split into lines before decoding (UTF-8, Latin-1, Windows-1252; not UTF-16)."""
    probe = b'\r\n,;\t|:"az09'
    try:
        return probe.decode(encoding) == probe.decode("ascii")
    except UnicodeDecodeError:
        return False


def _windows_1252_table() -> str:
    # Python's cp1252 leaves five bytes undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D);
    # like browsers, read those as their Latin-1 code points so decoding never fails.
    chars = []
    for byte in range(256):
        try:
            chars.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            chars.append(chr(byte))
    return "".join(chars)


_WINDOWS_1252_TABLE = _windows_1252_table()


def decode_windows_1252(data: bytes) -> str:
    """Decode as Windows-1252 (undefined bytes as Latin-1): never fails."""
    return codecs.charmap_decode(data, "strict", _WINDOWS_1252_TABLE)[0]


def check_encoding(encoding: str) -> str:
    """The codec's canonical name, or ``LookupError`` when Python has no such codec."""
    return codecs.lookup(encoding).name


# --- decoded lines ---------------------------------------------------------------------


def strict_lines(raw: BinaryIO, path: Path, encoding: str) -> Lines:
    """A configured ASCII-compatible encoding: a line that does not decode is an error."""
    for number, line in enumerate(byte_lines(raw, path), 1):
        try:
            yield line.decode(encoding), None
        except UnicodeDecodeError as exc:
            bad = line[exc.start : exc.end].hex(" ").upper()
            message = (
                f"line {number}: bytes {bad} at byte {exc.start + 1} are not valid "
                f"{encoding}; is encoding={encoding!r} right for this file?"
            )
            yield line.decode(encoding, errors="replace"), (number, True, message)


def lenient_lines(raw: BinaryIO, path: Path, *, on_fallback: Callable[[], None] | None) -> Lines:
    """Each line as UTF-8, else as Windows-1252. With ``on_fallback`` (the sample was
    UTF-8, so such a line is a surprise) it is called and the line carries a warning."""
    for number, line in enumerate(byte_lines(raw, path), 1):
        try:
            yield line.decode("utf-8"), None
        except UnicodeDecodeError:
            issue: Issue | None = None
            if on_fallback is not None:
                on_fallback()
                message = f"line {number} is not valid UTF-8; read it as Windows-1252"
                issue = (number, False, message)
            yield decode_windows_1252(line), issue


def text_lines(raw: BinaryIO, path: Path, encoding: str) -> Lines:
    """UTF-16/32: bytes cannot be split at b"\\n" before decoding, so decode a stream;
    a decoding error is a ``SourceError`` (the rest cannot be trusted)."""
    # newline="" keeps line endings as they are, like csv wants.
    text = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")
    number = 0
    try:
        for line in text:
            number += 1
            yield line, None
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"not valid {encoding} after line {number} ({exc.reason}); "
            "set encoding= to the file's encoding",
            file=path,
            line=number + 1,
        ) from None
    finally:
        # Leave the binary file to its owner; without this the wrapper would
        # close it (and warn) whenever it is garbage collected.
        with contextlib.suppress(ValueError):
            text.detach()
