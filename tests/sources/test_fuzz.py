"""Hostile inputs: mutated real exports never crash a reader, hang or exhaust memory.

Each seed export (``fuzz_worker.SEEDS``: WXR, Contentful, Ghost, Strapi, Sanity,
NDJSON, generic JSON, CSV) is truncated, has bytes flipped, NULs and invalid UTF-8
inserted, a 0.5-1.5 MB line, a deep nesting (up to 100,000 levels) or a splice. Every
mutant is read the way ``migrator run`` reads it (every record) and the way ``migrator
inspect`` does (format sniffed, then ``describe``): the only exceptions allowed are
``MigratorError``s. Batches run in subprocesses that report their own peak RSS.

``MIGRATOR_FUZZ_INPUTS=5000 pytest tests/sources/test_fuzz.py`` (or ``make fuzz``) runs
a longer variant; ``MIGRATOR_FUZZ_SEED`` picks other mutants.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from shared_data import REALDATA, needs_realdata

WORKER = Path(__file__).with_name("fuzz_worker.py")
INPUTS = int(os.environ.get("MIGRATOR_FUZZ_INPUTS", "1001"))
SEED = int(os.environ.get("MIGRATOR_FUZZ_SEED", "20261201"))
WORKERS = 2  # one per core on a small CI machine
# Inputs per process: the peak RSS measured is then what one hostile input costs, not
# the heap fragmentation thousands of them leave behind in one process.
BATCH = 160
MAX_RSS_MB = 200
BATCH_SECONDS = 60


def _batch(start: int, count: int, folder: Path) -> dict[str, Any]:
    folder.mkdir()
    done = subprocess.run(
        [sys.executable, str(WORKER), str(SEED), str(start), str(count), str(folder)],
        capture_output=True,
        text=True,
        timeout=BATCH_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@needs_realdata(REALDATA / "wxr", REALDATA / "json", REALDATA / "csv")
@pytest.mark.timeout(BATCH_SECONDS * (1 + INPUTS // BATCH // WORKERS) + 30)
def test_mutated_exports_fail_cleanly_in_bounded_memory_and_time(tmp_path: Path) -> None:
    size = min(BATCH, -(-INPUTS // WORKERS))
    starts = range(0, INPUTS, size)
    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(
            pool.map(
                lambda s: _batch(s, min(size, INPUTS - s), tmp_path / str(s)),
                starts,
            )
        )
    failures = [f for r in results for f in r["failures"]]
    assert sum(r["inputs"] for r in results) == INPUTS
    assert failures == [], "\n\n".join(
        f"{f['input']} ({f['mutation']}): {f['error']}\n{f.get('traceback', '')}"
        for f in failures[:5]
    )
    peak = max(r["max_rss_mb"] for r in results)
    assert peak < MAX_RSS_MB, f"peak RSS {peak} MB: " + str([r["raised_peak"] for r in results])
    # The readers did read: most mutants are read to the end (their bad records
    # reported as record errors); only a few are refused as a whole (SourceError...).
    refused = sum(n for r in results for n in r["refused"].values())
    assert refused < INPUTS // 2, [r["refused"] for r in results]
