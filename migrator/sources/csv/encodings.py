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


# Fewer non-ASCII bytes than this in the sample say too little to tell one legacy
# encoding from another (one "\xa9" is © or İ or Š): Windows-1252 then, the most common.
MIN_EVIDENCE = 16
# chardet's confidence below which its answer is noise (a corrupt Shift-JIS sample came
# back as ISO-8859-9 at 0.003; right answers on small files were 0.05 to 0.45).
MIN_CONFIDENCE = 0.01


@dataclass(frozen=True)
class EncodingGuess:
    """An encoding and how it was found: ``bom``, ``utf-8`` (the sample is valid UTF-8),
    ``guessed`` (it is not: detected from the sample, or Windows-1252 with too little to
    go on) or ``configured``."""

    encoding: str
    how: str


def guess_encoding(sample: bytes) -> EncodingGuess:
    """Guess a file's encoding from its first bytes (a bounded sample, never the file):
    a BOM, else UTF-8 if the sample is valid UTF-8, else what chardet detects (ISO-8859-2,
    Shift-JIS, ...), else Windows-1252 (Latin-1 plus the curly quotes Excel writes)."""
    for bom, encoding in _BOMS:
        if sample.startswith(bom):
            return EncodingGuess(encoding, "bom")
    try:
        # Incremental and not final: a character cut in two at the sample's end is fine.
        codecs.getincrementaldecoder("utf-8")("strict").decode(sample, final=False)
    except UnicodeDecodeError:
        return EncodingGuess(_detect(sample), "guessed")
    return EncodingGuess("utf-8", "utf-8")


def _detect(sample: bytes) -> str:
    """chardet's answer when there is enough to go on and the bytes decode as it says
    (line breaks and delimiters must be ASCII), else Windows-1252."""
    if sum(byte >= 0x80 for byte in sample) < MIN_EVIDENCE:
        return WINDOWS_1252
    import chardet  # imported when a sample is not UTF-8, as few are

    # Encodings exports are written in: the web's and ISO-8859's, not Mac, DOS or EBCDIC.
    eras = chardet.EncodingEra.MODERN_WEB | chardet.EncodingEra.LEGACY_ISO
    result = chardet.detect(sample, encoding_era=eras)
    found = result.get("encoding") if (result.get("confidence") or 0) >= MIN_CONFIDENCE else None
    try:
        name = codecs.lookup(found).name if found else None
    except LookupError:
        name = None
    if name is None or name == "cp1252" or not is_ascii_compatible(name):
        return WINDOWS_1252
    try:
        codecs.getincrementaldecoder(name)("strict").decode(sample, final=False)
    except UnicodeDecodeError:
        return WINDOWS_1252
    return name


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


def guessed_lines(
    raw: BinaryIO, path: Path, encoding: str, on_replaced: Callable[[], None]
) -> Lines:
    """A guessed legacy encoding (ISO-8859-2, Shift-JIS, ...): a line it cannot decode
    is read with U+FFFD for the bad bytes and carries a warning (the guess may be wrong
    there; ``encoding=`` says for sure)."""
    for number, line in enumerate(byte_lines(raw, path), 1):
        try:
            yield line.decode(encoding), None
        except UnicodeDecodeError as exc:
            on_replaced()
            bad = line[exc.start : exc.end].hex(" ").upper()
            message = (
                f"line {number}: bytes {bad} are not {encoding} (the guessed encoding); "
                "read as U+FFFD. Set encoding = ... in [source] to be sure"
            )
            yield line.decode(encoding, errors="replace"), (number, False, message)


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
