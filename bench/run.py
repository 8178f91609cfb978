"""`make bench`: speed and memory, as ratios measured side by side in one run.

1. Dry-run throughput on a generated 100,000-row CSV (records per second), and peak
   Python memory for 10,000 vs 100,000 rows (flat memory means a ratio near 1, not 10).
2. A real run against the emulator in a separate process at a set --rate R: wall time
   as a ratio of the floor N/R (1.00 is perfect pacing; the gap is our overhead), and the
   canary's cost. ``compare.py`` reuses ``emulator`` and ``real_run``.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scale import scaled  # noqa: E402

from migrator.engine import RunOptions, dry_run  # noqa: E402
from migrator.mapping import load_mapping  # noqa: E402

MAPPING = ROOT / "mappings" / "team_members.toml"
MODEL = ROOT / "mappings" / "content-model.toml"
MIGRATOR = str(Path(sys.executable).with_name("migrator"))


def generate_csv(path: Path, rows: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["name", "email", "position", "bio", "photo", "joined", "active"])
        for i in range(rows):
            w.writerow(
                [
                    f"Person {i}",
                    f"person{i}@example.com",
                    "Engineer",
                    f'Bio of person {i}, who writes "quoted" things,\nover two lines.',
                    "",
                    "03/15/2021",
                    "yes" if i % 2 else "no",
                ]
            )
    return path


def options(tmp: Path, name: str) -> RunOptions:
    return RunOptions(
        ledger_path=tmp / f"{name}.ledger.sqlite",
        failures_path=tmp / f"{name}.failures.jsonl",
        preview_path=tmp / f"{name}.preview.jsonl",
        dry_run=True,
        show_progress=False,
    )


def bench_dry_run(tmp: Path) -> None:
    mapping = load_mapping(MAPPING)
    peaks = {}
    small, large = scaled(10_000), scaled(100_000, minimum=500)
    for rows in (small, large):
        source = generate_csv(tmp / f"rows{rows}.csv", rows)
        tracemalloc.start()
        started = time.perf_counter()
        stats = dry_run(mapping, source, options(tmp, f"dry{rows}"))
        elapsed = time.perf_counter() - started
        peaks[rows] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert stats.plan.to_send == rows, stats
        print(
            f"dry run, {rows:>7,} rows: {rows / elapsed:>9,.0f} records/s "
            f"(traced; peak Python memory {peaks[rows] / 2**20:.1f} MiB)"
        )
    started = time.perf_counter()
    dry_run(mapping, tmp / f"rows{large}.csv", options(tmp, "dry-untraced"))
    elapsed = time.perf_counter() - started
    print(f"dry run, {large:>7,} rows: {large / elapsed:>9,.0f} records/s (untraced)")
    print(
        f"peak memory ratio {large:,}/{small:,} rows: {peaks[large] / peaks[small]:.2f} "
        "(1.0 = flat; 10.0 = grows with the input)"
    )


@contextmanager
def emulator(*args: str) -> Iterator[str]:
    """A ``migrator emulator`` in its own process; yields its API base URL."""
    command = [MIGRATOR, "emulator", "--model", str(MODEL), "--port", "0"]
    command += ["--write-token", "bench-w", "--read-token", "bench-r", *args]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"listening on (\S+)", line)
        assert match, f"emulator did not start: {line!r}"
        yield match.group(1)
    finally:
        process.terminate()
        process.wait(10)


def real_run(
    tmp: Path,
    source: Path,
    base_url: str,
    rate: float,
    concurrency: int,
    extra: tuple[str, ...] = (),
    mapping: Path = MAPPING,
) -> tuple[float, float]:
    """``migrator run`` in its own process against ``base_url``, with a fresh ledger:
    (wall seconds of the whole process, seconds of the run itself)."""
    ledger = Path(tempfile.mkdtemp(dir=tmp)) / "bench.ledger.sqlite"
    env = {
        **os.environ,
        "BUTTER_API_BASE": base_url,
        "BUTTER_WRITE_TOKEN": "bench-w",
        "BUTTER_READ_TOKEN": "bench-r",
    }
    command = [MIGRATOR, "--log-level", "warning", "run", str(mapping), "--source", str(source)]
    command += ["--ledger", str(ledger), "--rate", str(rate)]
    command += ["--concurrency", str(concurrency), "--no-progress", *extra]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stdout + done.stderr
    # The run's own clock (its summary's "time" row) leaves out start-up and imports.
    inner_match = re.search(r"time\s*\S\s*([\d.]+) s", done.stdout)
    assert inner_match, done.stdout
    return elapsed, float(inner_match.group(1))


def bench_real_run(
    tmp: Path, rows: int, rate: float, concurrency: int, extra: tuple[str, ...] = ()
) -> None:
    label = " ".join(extra)
    source = generate_csv(tmp / f"real{rows}-{rate}-{len(extra)}.csv", rows)
    with emulator() as base_url:
        elapsed, inner = real_run(tmp, source, base_url, rate, concurrency, extra)
    floor = rows / rate
    print(
        f"real run, {rows:,} rows at --rate {rate:g} --concurrency {concurrency} {label}: "
        f"{elapsed:.2f} s wall / {floor:.2f} s floor (N/R) = {elapsed / floor:.2f}x; "
        f"the run itself {inner:.2f} s = {inner / floor:.2f}x"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        bench_dry_run(tmp)
        # Throughput without the canary; then the canary's cost: it waits --settle-delay
        # for Butter to apply its records (20 s by default; 1 s here), then reads them back.
        rows = scaled(1_000)
        bench_real_run(tmp, rows=rows, rate=100, concurrency=4, extra=("--canary", "0"))
        bench_real_run(
            tmp, rows=rows, rate=100, concurrency=4, extra=("--canary", "3", "--settle-delay", "1")
        )
        # --rate 200 against its floor is a row of compare.py's table (medians of 3).


if __name__ == "__main__":
    main()
