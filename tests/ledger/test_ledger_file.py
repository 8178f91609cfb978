"""A ledger is created only where no file is; an existing file that is not a ledger, an
empty one included, is refused (never taken as new: that re-creates every record)."""

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from migrator.errors import ConfigError
from migrator.ledger import CheckpointLedger

T = "collection:team_members"
MIGRATOR = str(Path(sys.executable).with_name("migrator"))


def _filled(path: Path) -> Path:
    with CheckpointLedger(path) as ledger:
        ledger.begin(T, "a", payload_hash="h", slug=None, lookup=None, source="team.csv:2")
        ledger.mark_accepted(T, "a", payload_hash="h")
    return path


def test_an_emptied_ledger_is_refused_for_a_run_and_for_status(ledger_path: Path):
    _filled(ledger_path).write_bytes(b"")  # what `: > x.ledger.sqlite` does
    with pytest.raises(ConfigError) as refused:
        CheckpointLedger(ledger_path)
    message = str(refused.value)
    assert f"ledger {ledger_path} is empty (0 bytes)" in message
    assert "Restore it from a backup" in message and "another --ledger" in message
    assert ledger_path.stat().st_size == 0, "left as it was found"
    status = subprocess.run(
        [MIGRATOR, "status", "--ledger", str(ledger_path)], capture_output=True, text=True
    )
    assert status.returncode == 2, status.stdout + status.stderr
    assert status.stderr.startswith(f"error: ledger {ledger_path} is empty (0 bytes)")
    assert len(status.stderr.splitlines()) == 1, "one line, no traceback"


def test_a_sqlite_file_without_the_ledger_schema_is_refused_not_filled_in(ledger_path: Path):
    conn = sqlite3.connect(ledger_path)
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.commit()
    conn.close()
    empty_sqlite = ledger_path.with_name("blank.sqlite")
    sqlite3.connect(empty_sqlite).execute("PRAGMA user_version = 1").connection.close()
    for path in (ledger_path, empty_sqlite):
        with pytest.raises(ConfigError, match=r"not a migrator ledger \(no schema_version"):
            CheckpointLedger(path)
    tables = sqlite3.connect(ledger_path).execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == [("notes",)], "nothing was added to it"


def test_a_new_ledger_is_whole_and_leaves_no_temporary_file(ledger_path: Path):
    with CheckpointLedger(ledger_path) as ledger:
        assert ledger.counts()["accepted"] == 0
    names = sorted(p.name for p in ledger_path.parent.iterdir())
    assert names == [ledger_path.name, ledger_path.name + ".lock"]
    _filled(ledger_path)  # and it is opened again as an existing ledger
    with CheckpointLedger(ledger_path, readonly=True) as reader:
        assert reader.counts()["accepted"] == 1


def test_no_new_ledger_beside_the_write_ahead_log_of_a_deleted_one(start_script, ledger_path: Path):
    # A run killed before SQLite copied its log into the file leaves the -wal beside it;
    # deleting only the ledger leaves the log with the last records it knew.
    proc = start_script(
        """
        import os, signal, sys
        from migrator.ledger import CheckpointLedger
        ledger = CheckpointLedger(sys.argv[1])
        ledger.begin("post", "a", payload_hash="h", slug="a", lookup=None, source=None)
        os.kill(os.getpid(), signal.SIGKILL)
        """,
        str(ledger_path),
    )
    proc.communicate(timeout=30)
    wal = ledger_path.with_name(ledger_path.name + "-wal")
    assert wal.stat().st_size > 0
    ledger_path.unlink()
    with pytest.raises(ConfigError, match=r"no ledger at .*, but there is its write-ahead log"):
        CheckpointLedger(ledger_path)
    assert not ledger_path.exists() and wal.stat().st_size > 0, "nothing was touched"
