"""Guessing and checking encodings (migrator.sources.csv.encodings)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from csv_helpers import read_all

from migrator.cli import cli
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
        (b"caf\xe9,", "windows-1252", "guessed"),  # too little to go on: the common one
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


# --- whole files: guessed, said so, and an explicit encoding always wins --------------------
# Small cases of our own: real Polish and Japanese sentences, written in each encoding.

POLISH = (
    "imię,nazwisko,miasto,opis\n"
    "Jan,Łódź,Kraków,Zażółć gęślą jaźń\n"
    "Anna,Świętochowska,Gdańsk,Źdźbło trawy na łące\n"
    "Piotr,Wąsik,Poznań,Pchnąć w tę łódź jeża lub ośm skrzyń fig\n"
)
JAPANESE = (
    "名前,メール,住所,メモ\n"
    "山田太郎,taro@example.jp,東京都新宿区,よろしくお願いします\n"
    "鈴木花子,hanako@example.jp,大阪府大阪市,ソフトウェア開発者です\n"
    "佐藤次郎,jiro@example.jp,北海道札幌市,表示と能力\n"
)
FRENCH = "nom,ville,note\nRené,Orléans,“très” bien – déjà vu\nZoë,Besançon,naïve café à 5 €\n"


def _expected(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize(
    ("text", "codec", "named"),
    [
        (POLISH, "iso-8859-2", "iso8859-2"),
        (POLISH, "cp1250", "cp1250"),
        (JAPANESE, "shift_jis", "cp932"),  # CP932 is Microsoft's Shift-JIS, a superset
        (FRENCH, "cp1252", "windows-1252"),
    ],
)
def test_a_legacy_encoding_is_guessed_read_right_and_said_to_be_a_guess(
    tmp_path: Path, text: str, codec: str, named: str
) -> None:
    path = tmp_path / f"{codec}.csv"
    path.write_bytes(text.encode(codec))
    records, errors, source = read_all(path)
    assert errors == [] and [r.data for r in records] == _expected(text)
    assert (source.stats.encoding, source.stats.encoding_how) == (named, "guessed")
    summary = source.stats.summary()
    assert summary[0].startswith(f"{path}: not UTF-8; read as {named}, guessed")
    assert f'Set encoding = "{named}"' in summary[0]

    shown = CliRunner().invoke(cli, ["inspect", str(path)])
    assert shown.exit_code == 0, shown.output
    assert f'encoding: {named} (guessed; set encoding = "{named}" in [source]' in shown.output


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig"])
def test_utf8_with_or_without_bom_is_not_a_guess(tmp_path: Path, codec: str) -> None:
    path = tmp_path / "pl.csv"
    path.write_bytes(POLISH.encode(codec))
    records, errors, source = read_all(path)
    assert errors == [] and [r.data for r in records] == _expected(POLISH)
    assert source.stats.encoding == codec and source.stats.summary() == []
    shown = CliRunner().invoke(cli, ["inspect", str(path)])
    assert f"encoding: {codec}\n" in shown.output and "guessed" not in shown.output


def test_an_explicit_encoding_wins_over_the_guess(tmp_path: Path) -> None:
    # cp1250 and ISO-8859-2 differ on ś, ź, Ś, Ź, ą: the option decides.
    path = tmp_path / "pl.csv"
    path.write_bytes(POLISH.encode("iso-8859-2"))
    records, errors, source = read_all(path, encoding="cp1250")
    assert (source.stats.encoding, source.stats.encoding_how) == ("cp1250", "configured")
    assert (
        records[0].data["opis"]
        == POLISH.encode("iso-8859-2").decode("cp1250").split("\n")[1].split(",")[3]
    )
    assert not any("guessed" in line for line in source.stats.summary())
    records, errors, source = read_all(path, encoding="iso-8859-2")
    assert errors == [] and [r.data for r in records] == _expected(POLISH)


def test_a_late_line_the_guess_cannot_decode_is_kept_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "sjis.csv"
    body = JAPANESE.encode("shift_jis")
    rows = body.split(b"\n", 1)[1] * (90_000 // len(body))  # past the 64 KiB sample
    # 0x81 starts a two-byte character; "," cannot end one: not CP932.
    path.write_bytes(body + rows + b"\x81,y,z,w\n")
    records, errors, source = read_all(path)
    assert source.stats.encoding == "cp932" and errors == []
    assert records[0].data == _expected(JAPANESE)[0]
    last = records[-1]
    assert last.data == {"名前": "\ufffd", "メール": "y", "住所": "z", "メモ": "w"}
    assert last.location.line == len(path.read_bytes().splitlines())
    assert "not cp932 (the guessed encoding)" in last.warnings[0]
    replaced, note, *_ = source.stats.summary()
    assert replaced.startswith("1 line not valid cp932 (the guessed encoding)")
    assert "read as cp932, guessed from its first 64 KiB" in note


def test_a_corrupt_sample_is_not_guessed_as_something_exotic(tmp_path: Path) -> None:
    path = tmp_path / "sjis.csv"
    path.write_bytes(JAPANESE.encode("shift_jis") + b"\x81,y,z,w\n")
    _, _, source = read_all(path)
    # chardet finds nothing sure (the bytes are not CP932): the common default, said so.
    assert (source.stats.encoding, source.stats.encoding_how) == ("windows-1252", "guessed")


def test_the_sample_is_bounded_not_the_whole_file(tmp_path: Path) -> None:
    # 64 KiB of ASCII, then Polish: the guess looks at the first 64 KiB only (valid
    # UTF-8), so the late lines are read as Windows-1252 with a warning each.
    path = tmp_path / "late.csv"
    filler = b"".join(b"%d,a,b,c\n" % n for n in range(9000))
    path.write_bytes(b"id,x,y,z\n" + filler + POLISH.encode("iso-8859-2").split(b"\n", 1)[1])
    records, errors, source = read_all(path)
    assert source.stats.encoding_how == "utf-8" and source.stats.fallback_lines == 3
    assert errors == [] and len(records) == 9003 and records[-1].warnings
