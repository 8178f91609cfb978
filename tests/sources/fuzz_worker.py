"""One batch of the fuzz test (``test_fuzz.py``), run in its own process so that its peak
memory is its own: ``python fuzz_worker.py SEED START COUNT FOLDER`` mutates the seed
exports, reads each mutant with its source and ``inspect``'s describe path, and prints
one JSON line: how many inputs, the unexpected exceptions and hangs, the peak RSS.
"""

from __future__ import annotations

import json
import random
import resource
import signal
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from migrator.errors import MigratorError
from migrator.inspect.command import detect_format
from migrator.sources import open_source

REALDATA = Path(__file__).resolve().parents[3] / "shared" / "realdata"

# (format, file): one or two small real exports of each family.
SEEDS = [
    ("wxr", "wxr/wpimporter--wxr-simple.xml"),
    ("wxr", "wxr/ghost-mgwpxml--sample.xml"),
    ("contentful", "json/contentful-import--mock-content-file.json"),
    ("ghost", "json/ghost-migrate--ghost-export-db-wrapped.json"),
    ("ghost", "json/ghost-migrate--ghost-content-api-posts.json"),
    ("strapi", "json/strapi-import-export-entries--data-create.json"),
    ("sanity", "json/sanity-import--references.ndjson"),
    ("ndjson", "json/sanity-import--duplicate-ids.ndjson"),
    ("json", "json/ghost-migrate--wp-rest-api-single-post.json"),
    ("csv", "csv/ghost-migrate--substack-posts.csv"),
    ("csv", "csv/csvspectrum--quotes_and_newlines.csv"),
]

# Seconds one input may take (records + describe); more is a hang.
PER_INPUT_SECONDS = 10


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data))]


def _flip_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _insert(data: bytes, rng: random.Random, piece: bytes) -> bytes:
    at = rng.randrange(len(data))
    return data[:at] + piece + data[at:]


def _nuls(data: bytes, rng: random.Random) -> bytes:
    return _insert(data, rng, b"\x00" * rng.randint(1, 64))


def _bad_utf8(data: bytes, rng: random.Random) -> bytes:
    return _insert(data, rng, rng.choice([b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"\x80" * 9]))


def _huge_line(data: bytes, rng: random.Random) -> bytes:
    piece = rng.choice([b"x", b"a,", b'"', b"1", b"\\", b"<p>"]) * rng.randint(500_000, 1_500_000)
    return _insert(data, rng, piece)


def _deep(data: bytes, rng: random.Random) -> bytes:
    n = rng.choice([200, 1_000, 50_000, 100_000])
    opener = rng.choice([b"[", b'{"a":', b"<div>", b'{"children":['])
    return _insert(data, rng, opener * n)


def _splice(data: bytes, rng: random.Random) -> bytes:
    a, b = sorted(rng.randrange(len(data)) for _ in range(2))
    return data[:a] + data[b:] if rng.random() < 0.5 else data[:b] + data[a:]


MUTATIONS: list[Callable[[bytes, random.Random], bytes]] = [
    _truncate,
    _flip_bytes,
    _nuls,
    _bad_utf8,
    _huge_line,
    _deep,
    _splice,
]


class Hang(BaseException):
    """An input took longer than PER_INPUT_SECONDS (a BaseException: no reader catches it)."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise Hang


def _read(fmt: str, path: Path) -> None:
    """What a run and ``migrator inspect`` do with the file: every record, then the
    describe path (the format sniffed, the summary)."""
    for _ in open_source(fmt, path).records():
        pass
    try:
        sniffed = detect_format(path)
    except MigratorError:
        sniffed = fmt
    source: Any = open_source(sniffed, path)
    source.describe()


def run(seed: int, start: int, count: int, folder: Path) -> dict[str, Any]:
    signal.signal(signal.SIGALRM, _on_alarm)
    failures: list[dict[str, Any]] = []
    refused: dict[str, int] = {}  # MigratorError class -> inputs it ended
    slowest = 0.0
    peak, raised_peak = peak_rss_kib(), []  # the inputs that raised the peak by 10+ MiB
    for i in range(start, start + count):
        rng = random.Random(seed * 1_000_003 + i)
        fmt, name = SEEDS[i % len(SEEDS)]
        mutation = MUTATIONS[(i // len(SEEDS)) % len(MUTATIONS)]
        path = folder / f"{i}-{Path(name).name}"
        path.write_bytes(mutation((REALDATA / name).read_bytes(), rng))
        began = time.monotonic()
        signal.alarm(PER_INPUT_SECONDS)
        try:
            _read(fmt, path)
        except MigratorError as exc:
            refused[type(exc).__name__] = refused.get(type(exc).__name__, 0) + 1
        except Hang:
            failures.append({"input": path.name, "mutation": mutation.__name__, "error": "hang"})
        except Exception as exc:
            failures.append(
                {
                    "input": path.name,
                    "mutation": mutation.__name__,
                    "error": f"{type(exc).__name__}: {exc}"[:300],
                    "traceback": traceback.format_exc()[-1500:],
                }
            )
        finally:
            signal.alarm(0)
        slowest = max(slowest, time.monotonic() - began)
        if peak_rss_kib() > peak + 10 * 1024:
            raised_peak.append(f"{path.name} ({mutation.__name__}): {peak_rss_kib() // 1024} MiB")
        peak = max(peak, peak_rss_kib())
        path.unlink()
    return {
        "inputs": count,
        "failures": failures,
        "refused": refused,
        "raised_peak": raised_peak,
        "slowest_seconds": round(slowest, 2),
        "max_rss_mb": peak_rss_kib() // 1024,
    }


def peak_rss_kib() -> int:
    """This process's peak RSS since it started. Not ``ru_maxrss``: on Linux that keeps
    the high-water mark of the process it was forked from (pytest's, hundreds of MB)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])


if __name__ == "__main__":
    seed, start, count = (int(a) for a in sys.argv[1:4])
    print(json.dumps(run(seed, start, count, Path(sys.argv[4]))))
