"""One run per ledger, and a killed run does not keep it."""

import os
from pathlib import Path

import pytest

from migrator.errors import LedgerLocked
from migrator.ledger import CheckpointLedger
from migrator.ledger.lock import lock_path_for, read_holder

HOLD = """
import sys
from migrator.ledger import CheckpointLedger

with CheckpointLedger(sys.argv[1]):
    print("locked", flush=True)
    sys.stdin.readline()  # hold until told (or killed)
print("released", flush=True)
"""

TRY_OPEN = """
import sys
from migrator.errors import LedgerLocked
from migrator.ledger import CheckpointLedger

try:
    CheckpointLedger(sys.argv[1]).close()
except LedgerLocked as exc:
    print(f"locked: {exc}")
else:
    print("opened")
"""


def test_a_second_run_in_another_process_is_refused_with_the_holder_pid(
    start_script, ledger_path: Path
):
    with CheckpointLedger(ledger_path):
        proc = start_script(TRY_OPEN, str(ledger_path))
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out.startswith(f"locked: ledger {ledger_path} is in use by another migrator run")
    assert f"(pid {os.getpid()}, started at " in out
    assert "wait for it or use another --ledger" in out


def test_the_lock_is_released_when_the_holder_is_killed(start_script, ledger_path: Path):
    proc = start_script(HOLD, str(ledger_path))
    assert proc.stdout is not None and proc.stdout.readline() == "locked\n"
    try:
        with pytest.raises(LedgerLocked, match=rf"pid {proc.pid}, started at \d{{4}}-"):
            CheckpointLedger(ledger_path)
    finally:
        proc.kill()
        proc.communicate(timeout=30)
    # kill -9 left its details in the lock file, but the kernel dropped the lock.
    holder = read_holder(ledger_path)
    assert holder is not None and holder["pid"] == proc.pid
    with CheckpointLedger(ledger_path) as ledger:
        assert ledger.counts()["accepted"] == 0
        assert read_holder(ledger_path)["pid"] == os.getpid()  # type: ignore[index]


def test_a_clean_exit_releases_the_lock_and_blanks_the_holder(start_script, ledger_path: Path):
    proc = start_script(HOLD, str(ledger_path))
    out, err = proc.communicate("\n", timeout=30)
    assert out.splitlines() == ["locked", "released"], err
    assert lock_path_for(ledger_path).exists()  # kept on purpose, see lock.py
    assert read_holder(ledger_path) is None
    CheckpointLedger(ledger_path).close()


def test_a_second_open_in_the_same_process_is_refused_too(ledger_path: Path):
    with CheckpointLedger(ledger_path):
        with pytest.raises(LedgerLocked, match=f"pid {os.getpid()}"):
            CheckpointLedger(ledger_path)
        # Readers (migrator status) do not take the lock.
        with CheckpointLedger(ledger_path, readonly=True) as reader:
            assert reader.counts()["planned"] == 0
    CheckpointLedger(ledger_path).close()


def test_another_spelling_of_the_path_finds_the_same_lock(ledger_path: Path):
    link = ledger_path.with_name("link.sqlite")
    with CheckpointLedger(ledger_path):
        link.symlink_to(ledger_path)
        with pytest.raises(LedgerLocked, match=r"link\.sqlite is in use"):
            CheckpointLedger(link)


@pytest.mark.parametrize("kind", ["hard link", "symlink"])
def test_another_path_to_the_same_file_is_refused_in_another_process(
    start_script, ledger_path: Path, kind: str
):
    # The lock belongs to the file, not to its name: a hard link shares the inode but
    # not the resolved path (nor the sidecar .lock beside it).
    CheckpointLedger(ledger_path).close()
    other = ledger_path.parent / "elsewhere" / "other.ledger.sqlite"
    other.parent.mkdir()
    if kind == "hard link":
        os.link(ledger_path, other)
    else:
        other.symlink_to(ledger_path)
    holder = start_script(HOLD, str(ledger_path))
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        proc = start_script(TRY_OPEN, str(other))
        out, err = proc.communicate(timeout=30)
    finally:
        holder.kill()
        holder.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out.startswith(f"locked: ledger {other} is in use by another migrator run (pid ")
    assert f"pid {holder.pid}" in out, "the holder is named, whichever path it used"
    assert "wait for it or use another --ledger" in out
    # Once the holder is gone, the other path opens the same ledger.
    with CheckpointLedger(other) as ledger:
        ledger.start_run()
    with CheckpointLedger(ledger_path) as ledger:
        assert ledger.last_run() is not None


def _posix_locks_held_here(path: Path) -> list[str]:
    st = path.stat()
    key = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    return [
        line.split()[3]
        for line in Path("/proc/locks").read_text().splitlines()
        if " POSIX " in line and f" {os.getpid()} {key} " in line
    ]


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs Linux's /proc/locks")
def test_a_refused_open_in_the_same_process_keeps_sqlites_own_locks(ledger_path: Path):
    # Closing any descriptor of a file drops the process's POSIX locks on it, SQLite's
    # own (the WAL read lock that tells other connections this one is there): the
    # refused open must not close the descriptor it opened while the holder is open.
    link = ledger_path.with_name("hard.sqlite")
    with CheckpointLedger(ledger_path) as ledger:
        ledger.counts()
        held = _posix_locks_held_here(ledger_path)
        assert held, "SQLite holds a POSIX lock on an open WAL ledger"
        os.link(ledger_path, link)
        with pytest.raises(LedgerLocked, match=rf"pid {os.getpid()}.*another path"):
            CheckpointLedger(link)
        assert _posix_locks_held_here(ledger_path) == held
        ledger.begin("post", "a", payload_hash="h", slug="a", lookup=None, source=None)
    with CheckpointLedger(link) as again:
        assert again.counts()["in_flight"] == 1
