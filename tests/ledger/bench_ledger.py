"""Marks per second, batched commits vs a commit per mark. Prints; asserts nothing.

.venv/bin/python tests/ledger/bench_ledger.py
"""

import tempfile
import time
from pathlib import Path

from migrator.ledger import CheckpointLedger

N = 20_000


def _begin_all(ledger: CheckpointLedger) -> None:
    for i in range(N):
        ledger.begin("post", f"r{i}", payload_hash="h", slug=f"s{i}", lookup=None, source=None)


def marks_only(path: Path, batch_size: int) -> float:
    with CheckpointLedger(path, batch_size=batch_size) as ledger:
        _begin_all(ledger)
        started = time.perf_counter()
        for i in range(N):
            ledger.mark_accepted("post", f"r{i}", payload_hash="h")
        ledger.flush()
        return N / (time.perf_counter() - started)


def begin_then_mark(path: Path, batch_size: int) -> float:
    """The engine's pattern: a durable begin, then the answer's mark, per record."""
    with CheckpointLedger(path, batch_size=batch_size) as ledger:
        started = time.perf_counter()
        for i in range(N):
            ledger.begin("post", f"r{i}", payload_hash="h", slug=f"s{i}", lookup=None, source=None)
            ledger.mark_accepted("post", f"r{i}", payload_hash="h")
        ledger.flush()
        return N / (time.perf_counter() - started)


def main() -> None:
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        for name, bench in (("mark_accepted only", marks_only), ("begin + mark", begin_then_mark)):
            batched = bench(Path(tmp) / f"{bench.__name__}-batched.sqlite", 256)
            single = bench(Path(tmp) / f"{bench.__name__}-single.sqlite", 1)
            print(
                f"{name:20} batched (256 / 0.2 s): {batched:>9,.0f}/s   "
                f"commit per mark: {single:>9,.0f}/s   ratio {batched / single:.1f}x"
            )


if __name__ == "__main__":
    main()
