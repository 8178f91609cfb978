"""Guessing and checking encodings (migrator.sources.csv.encodings)."""

from __future__ import annotations

import pytest

from migrator.sources.csv.encodings import decode_windows_1252, guess_encoding, is_ascii_compatible


@pytest.mark.parametrize(
    ("sample", "encoding", "how"),
    [
        (b"\xef\xbb\xbfa,b\n", "utf-8-sig", "bom"),
        (b"\xff\xfea\x00", "utf-16", "bom"),
        (b"\xfe\xff\x00a", "utf-16", "bom"),
        (b"\xff\xfe\x00\x00a\x00\x00\x00", "utf-32", "bom"),
        (b"caf\xc3\xa9", "utf-8", "utf-8"),
        (b"caf\xc3", "utf-8", "utf-8"),  # cut mid-character by the sample's end
        (b"caf\xe9,", "windows-1252", "fallback"),
        (b"", "utf-8", "utf-8"),
    ],
)
def test_guess_encoding(sample: bytes, encoding: str, how: str) -> None:
    guess = guess_encoding(sample)
    assert (guess.encoding, guess.how) == (encoding, how)


def test_windows_1252_never_fails() -> None:
    assert decode_windows_1252(b"\x80 \x93hi\x94 \x81\xe9") == "€ “hi” \x81é"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", True),
        ("utf-8-sig", True),
        ("cp1252", True),
        ("utf-16", False),
        ("utf-32-le", False),
    ],
)
def test_is_ascii_compatible(encoding: str, expected: bool) -> None:
    assert is_ascii_compatible(encoding) is expected
