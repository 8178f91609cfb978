"""The hostile inputs of issue 12 through ``migrator inspect``, each in its own process
to measure its peak memory: a clear error naming the file and position, the exit code
of any other bad input, and memory that stays small (these took 22 GB, 10.6 GB and a
traceback, and 360 MB before ``sources.limits``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

# Runs the CLI, then reports the process's peak RSS (KiB) on its last stderr line.
_RUN = f"""
import atexit, sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from fuzz_worker import peak_rss_kib
atexit.register(lambda: print(peak_rss_kib(), file=sys.stderr))
from migrator.cli import main
sys.argv = ["migrator", *sys.argv[1:]]
main()
"""
MAX_RSS_MB = 100
pytestmark = pytest.mark.timeout(60)


def inspect(*args: str | Path) -> tuple[int, str, int]:
    """(exit code, stdout + stderr without the RSS line, peak RSS in MiB)."""
    done = subprocess.run(
        [sys.executable, "-c", _RUN, "inspect", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    *errors, rss = done.stderr.rstrip("\n").split("\n")
    return done.returncode, done.stdout + "\n".join(errors), int(rss) // 1024


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[" * 100_000 + "]" * 100_000, "byte 128"),  # 22.6 GB after 60 s before
        ('{"a":' * 100_000 + "1" + "}" * 100_000, "byte 640"),  # 10.6 GB, then a TypeError
        ('{"a":' * 1_000 + "1" + "}" * 1_000, "byte 640"),  # a RecursionError traceback
    ],
)
def test_deep_json_is_an_error_at_its_byte_in_little_memory(
    tmp_path: Path, text: str, where: str
) -> None:
    deep = tmp_path / "d.json"
    deep.write_text(text)
    truncated = tmp_path / "t.json"
    truncated.write_text('[{"a": 1}, {"a": ')
    code, output, rss = inspect(deep, "--json")
    assert f"d.json@{where}: nested deeper than 128 levels" in output
    assert "Traceback" not in output
    # The same exit code as another broken JSON file: the error is in the summary.
    assert code == inspect(truncated)[0] == 0
    assert rss < MAX_RSS_MB, f"{rss} MiB"


def test_a_deep_ndjson_line_is_an_error_for_that_line(tmp_path: Path) -> None:
    path = tmp_path / "d.ndjson"
    path.write_text('{"a": 1}\n' + "[" * 5_000 + "]" * 5_000 + '\n{"a": 2}\n')
    code, output, rss = inspect(path, "--format", "ndjson", "--json")
    assert code == 0, output
    assert '"records": 2' in output
    assert "d.ndjson:2: nested deeper than 128 levels at column 129" in output
    assert rss < MAX_RSS_MB, f"{rss} MiB"


def test_a_2_mb_csv_header_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    columns = [f"c{i}" for i in range(250_000)]  # 360 MB and 6.5 s before
    path.write_text(",".join(columns) + "\n" + ",".join("x" * len(columns)) + "\n")
    code, output, rss = inspect(path)
    assert code == 2
    assert (
        "error: " + str(path) + ":1: the header row has 250,000 columns, more than 16,384"
    ) in output
    assert rss < MAX_RSS_MB, f"{rss} MiB"


def test_a_csv_line_longer_than_32_mib_is_refused_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_bytes(b"id,body\n1,ok\n2," + b"x" * (33 * 1024 * 1024) + b"\n3,fine\n")
    code, output, rss = inspect(path)
    assert code == 2
    assert f"error: {path}:3: a line longer than 32 MiB" in output
    assert rss < 150, f"{rss} MiB"  # the 32 MiB line itself is held, once


@pytest.mark.parametrize(
    ("piece", "what"),
    [
        (b"<![CDATA[" + b"<p>x</p>" * (4 * 1024 * 1024 + 1) + b"]]>", "a CDATA section"),
        (b"x" * (32 * 1024 * 1024 + 1), "text"),
    ],
)
def test_a_wxr_text_node_longer_than_32_mib_is_refused(
    tmp_path: Path, piece: bytes, what: str
) -> None:
    # lxml would hold it whole (huge_tree is on, for long posts) and reading copies it:
    # 100 MB of CDATA took more than 20 s and 450 MB before.
    path = tmp_path / "big.xml"
    head = (
        b'<?xml version="1.0"?>\n<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"'
        b' xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>\n'
        b"<wp:wxr_version>1.2</wp:wxr_version>\n<item><title>Big</title>\n<content:encoded>"
    )
    path.write_bytes(head + piece + b"</content:encoded></item></channel></rss>\n")
    # Named from where the node starts: the CDATA section, or the element holding the text.
    start = len(head) if what != "text" else head.rindex(b"<")
    code, output, rss = inspect(path, "--format", "wxr")
    assert code == 2
    assert f"error: {path}: {what} longer than 32 MiB from about byte {start}:" in output
    assert rss < 150, f"{rss} MiB"
