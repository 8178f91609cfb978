"""Big ledgers stream in bounded memory; failures group by reason."""

import gc
import sys
import tracemalloc
from pathlib import Path

import pytest

from migrator.ledger import CheckpointLedger, FailureExample, LedgerState

ROWS = 100_000
TRACED = 2_000  # the rows (two pages) read under tracemalloc


@pytest.mark.memory
def test_iterating_100k_rows_keeps_memory_bounded(ledger_path: Path):
    with CheckpointLedger(ledger_path, batch_size=10_000) as ledger:
        for i in range(ROWS):
            ledger.plan(
                "collection:people",
                f"person-{i:06d}",
                payload_hash=f"{i:064x}",
                slug=f"person-{i}",
                lookup=("email", f"person-{i}@example.com"),
                source=f"people.csv:{i + 2}",
            )
        ledger.flush()

        # What is alive is counted every 100 rows, all the way (pymalloc's blocks: exact);
        # tracemalloc, which also sees what a page costs while it is being read but slows
        # every allocation down (this test took four times as long), watches two pages.
        gc.collect()
        before = sys.getallocatedblocks()
        most = peak = 0
        tracemalloc.start()
        try:
            seen = 0
            last = ""
            for entry in ledger.entries(state=LedgerState.PLANNED):
                assert entry.identity > last  # key order, each row once
                last = entry.identity
                seen += 1
                if seen % 100 == 0:
                    most = max(most, sys.getallocatedblocks() - before)
                if seen == TRACED:
                    _, peak = tracemalloc.get_traced_memory()
                    tracemalloc.stop()
        finally:
            tracemalloc.stop()
    assert seen == ROWS
    # 100k LedgerEntry objects at once would take well over 50 MB; a page is ~1000.
    assert peak < 5 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB while iterating"
    # A page of 1000 entries is ~11,000 blocks; 100k of them at once, over a million.
    assert most < 30_000, f"{most:,} more blocks alive while iterating"


def test_rows_can_be_settled_while_iterating_in_flight(ledger_path: Path):
    with CheckpointLedger(ledger_path, batch_size=500) as ledger:
        for i in range(2500):
            ledger.begin("post", f"p{i:05d}", payload_hash="h", slug=None, lookup=None, source=None)
        settled = []
        for entry in ledger.entries(state=LedgerState.IN_FLIGHT):
            ledger.mark_accepted(entry.target, entry.identity, payload_hash="h")
            settled.append(entry.identity)
        assert len(settled) == len(set(settled)) == 2500
        assert list(ledger.entries(state=LedgerState.IN_FLIGHT)) == []


def test_failures_group_by_reason_biggest_first_with_a_few_examples(ledger_path: Path):
    with CheckpointLedger(ledger_path) as ledger:
        for i in range(7):
            ledger.mark_failed("post", f"a{i}", "rejected: title is required", source=f"x:{i}")
        for i in range(2):
            ledger.mark_failed("page:landing", f"b{i}", "gave up after 6 attempts: 503")
        ledger.mark_failed("post", "c0", "")
        ledger.mark_failed("post", "ok", "transient")
        ledger.begin("post", "ok", payload_hash="h", slug="ok", lookup=None, source="x:99")
        ledger.mark_accepted("post", "ok", payload_hash="h")  # no longer failed

        groups = ledger.failures_by_reason()
        assert [(g.reason, g.total) for g in groups] == [
            ("rejected: title is required", 7),
            ("gave up after 6 attempts: 503", 2),
            ("(no reason given)", 1),
        ]
        assert groups[0].examples == (
            FailureExample("post", "a0", "x:0"),
            FailureExample("post", "a1", "x:1"),
            FailureExample("post", "a2", "x:2"),
        )
        assert [e.identity for e in groups[1].examples] == ["b0", "b1"]
        assert len(ledger.failures_by_reason(limit=1)) == 1
        reason, total, examples = groups[0]  # still a plain tuple
        assert reason.startswith("rejected") and total == 7 and len(examples) == 3
