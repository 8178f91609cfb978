"""A run killed with SIGKILL never leaves the ledger ahead of reality, and loses no begin."""

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from migrator.ledger import CheckpointLedger, LedgerState

# Begins records, accepts every other one just after the next begin, then accepts the
# last three with no begin after them (so they are still in an uncommitted batch), and
# kills itself. A line is printed only after the ledger call has returned.
SELF_KILL = """
import os, signal, sys
from migrator.ledger import CheckpointLedger

ledger = CheckpointLedger(sys.argv[1], batch_size=10_000, max_delay=3600)
for i in range(200):
    ledger.begin("post", f"r{i}", payload_hash=f"h{i}", slug=f"s{i}", lookup=None,
                 source=f"wp.xml:{i + 10}")
    print(f"begun r{i}", flush=True)
    if i % 2 == 1:
        ledger.mark_accepted("post", f"r{i - 1}", payload_hash=f"h{i - 1}")
        print(f"accepted r{i - 1}", flush=True)
for i in (197, 198, 199):
    ledger.mark_accepted("post", f"r{i}", payload_hash=f"h{i}")
    print(f"accepted r{i}", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""

# Runs until killed from outside, at whatever instant the kill lands. "accepting" is
# printed before mark_accepted is called: nothing may be accepted without it.
KILLED_FROM_OUTSIDE = """
import sys
from migrator.ledger import CheckpointLedger

ledger = CheckpointLedger(sys.argv[1], batch_size=7, max_delay=0.001)
i = 0
while True:
    ledger.begin("post", f"r{i}", payload_hash="h", slug=f"s{i}", lookup=None, source=None)
    print(f"begun r{i}", flush=True)
    if i % 3:
        print(f"accepting r{i}", flush=True)
        ledger.mark_accepted("post", f"r{i}", payload_hash="h")
    else:
        ledger.mark_failed("post", f"r{i}", "rejected")
    i += 1
"""


def _said(lines: list[str], verb: str) -> set[str]:
    return {line.split()[1] for line in lines if line.startswith(verb + " ")}


def _states(path: Path) -> dict[str, LedgerState]:
    with CheckpointLedger(path) as ledger:
        return {e.identity: e.state for e in ledger.entries()}


def test_begin_survives_kill_9_and_nothing_is_accepted_ahead(start_script, ledger_path: Path):
    proc = start_script(SELF_KILL, str(ledger_path))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL, err
    lines = out.splitlines()
    begun, accepted = _said(lines, "begun"), _said(lines, "accepted")
    assert len(begun) == 200

    states = _states(ledger_path)
    # Every begun record is there: in flight (maybe sent) or accepted. None lost.
    assert set(states) == begun
    assert all(s in (LedgerState.IN_FLIGHT, LedgerState.ACCEPTED) for s in states.values())
    # Nothing is accepted that the process had not been told was accepted.
    in_ledger = {i for i, s in states.items() if s is LedgerState.ACCEPTED}
    assert in_ledger <= accepted
    # Marks followed by a begin were committed with it; the last ones were still batched
    # when the process died, so they stay in flight, to be settled by a read-back.
    assert in_ledger == accepted - {"r197", "r198", "r199"}
    assert {states[i] for i in ("r197", "r198", "r199")} == {LedgerState.IN_FLIGHT}


def test_a_kill_at_any_instant_leaves_the_ledger_behind_never_ahead(
    start_script, ledger_path: Path
):
    proc = start_script(KILLED_FROM_OUTSIDE, str(ledger_path))
    assert proc.stdout is not None
    lines: list[str] = []
    while len(lines) < 1500:
        line = proc.stdout.readline()
        assert line, proc.communicate()[1]
        lines.append(line)
    proc.kill()  # SIGKILL, mid-call most likely
    # Read the rest through the same buffered stream: communicate() would skip whatever
    # readline() had already buffered.
    lines += proc.stdout.read().splitlines()
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    begun, accepting = _said(lines, "begun"), _said(lines, "accepting")
    states = _states(ledger_path)
    assert begun <= set(states)
    for identity, state in states.items():
        if state is LedgerState.ACCEPTED:
            assert identity in accepting
        else:
            assert state in (LedgerState.IN_FLIGHT, LedgerState.FAILED), (identity, state)


# Marks its calls on stdout, so a trace of its system calls shows which of them synced.
SYNC_TRACED = """
import os, sys
from migrator.ledger import CheckpointLedger

ledger = CheckpointLedger(sys.argv[1], batch_size=10_000, max_delay=3600)
ledger.begin("post", "warm", payload_hash="h", slug="warm", lookup=None, source=None)
os.write(1, b"begin>\\n")
ledger.begin("post", "a", payload_hash="h", slug="a", lookup=None, source=None)
os.write(1, b"<begin\\n")
os.write(1, b"mark>\\n")
ledger.mark_accepted("post", "a", payload_hash="h")  # batched: no commit yet
os.write(1, b"<mark\\n")
os.write(1, b"stage>\\n")
for name in ("b", "c", "d"):  # a group of begins: staged, then made durable together
    ledger.stage_begin("post", name, payload_hash="h", slug=name, lookup=None, source=None)
os.write(1, b"<stage\\n")
os.write(1, b"flush>\\n")
ledger.flush()
os.write(1, b"<flush\\n")
os.write(1, b"commit>\\n")  # the group commit in two halves: commit on the loop, then sync
ledger.stage_begin("post", "e", payload_hash="h", slug="e", lookup=None, source=None)
sync = ledger.commit_staged()
os.write(1, b"<commit\\n")
os.write(1, b"sync>\\n")
sync()
os.write(1, b"<sync\\n")
os._exit(0)
"""


def _synced_between(trace: list[str], start: str, end: str) -> list[str]:
    inside = False
    synced = []
    for line in trace:
        if f'"{start}\\n"' in line:
            inside = True
        elif f'"{end}\\n"' in line:
            inside = False
        elif inside and ("fsync(" in line or "fdatasync(" in line):
            synced.append(line)
    return synced


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
def test_a_begin_is_synced_to_disk_before_it_returns(tmp_path: Path, ledger_path: Path):
    # A power cut (not just the process dying) must not lose the "in flight" mark a create
    # was sent under: the commit in begin() syncs the WAL to disk before returning.
    script = tmp_path / "traced.py"
    script.write_text(SYNC_TRACED)
    trace = tmp_path / "trace.txt"
    done = subprocess.run(
        ["strace", "-f", "-y", "-e", "trace=write,fsync,fdatasync", "-o", str(trace),
         sys.executable, str(script), str(ledger_path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    if done.returncode and "ptrace" in done.stderr:
        pytest.skip(f"strace cannot trace here: {done.stderr.strip()}")
    assert done.stdout.split() == [
        "begin>", "<begin", "mark>", "<mark", "stage>", "<stage", "flush>", "<flush",
        "commit>", "<commit", "sync>", "<sync",
    ], done.stderr  # fmt: skip
    lines = trace.read_text().splitlines()
    begin_syncs = _synced_between(lines, "begin>", "<begin")
    assert any(f"{ledger_path.name}-wal>" in line for line in begin_syncs), begin_syncs
    assert _synced_between(lines, "mark>", "<mark") == [], "a batched mark waits its commit"
    assert _synced_between(lines, "stage>", "<stage") == [], "staged begins wait for flush()"
    group_syncs = _synced_between(lines, "flush>", "<flush")
    assert any(f"{ledger_path.name}-wal>" in line for line in group_syncs), group_syncs
    # commit_staged commits without syncing; the sync it returns is what makes it durable.
    assert _synced_between(lines, "commit>", "<commit") == [], "the sync is the second half"
    thread_syncs = _synced_between(lines, "sync>", "<sync")
    assert any(f"{ledger_path.name}-wal>" in line for line in thread_syncs), thread_syncs


def test_the_ledger_connection_leaves_the_syncs_to_the_ledger(ledger_path: Path):
    # NORMAL, not FULL: SQLite's COMMIT does not sync; the ledger syncs the -wal file
    # after each commit that must be durable (the strace test above shows where), so the
    # fsync of a group of begins can run outside the event loop. Not OFF: SQLite still
    # syncs before and after each checkpoint.
    with CheckpointLedger(ledger_path) as ledger:
        ledger.begin("post", "a", payload_hash="h", slug="a", lookup=None, source=None)
        assert ledger.synchronous == "NORMAL", "read back from SQLite, not our setting"
