"""One run per ledger: an OS file lock on a sidecar ``<ledger>.lock``.

``flock`` belongs to the open file, so the kernel drops it when the holder exits in any
way, kill -9 included: there is no stale lock to clean up by hand. The lock file itself
is never deleted (deleting it would let two processes lock two different files of the
same name); the holder writes its pid and start time into it for the "in use" message,
and blanks it again on a clean release.
"""

from __future__ import annotations

import fcntl
import os
import socket
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from migrator.errors import LedgerLocked


def lock_path_for(ledger: Path) -> Path:
    # Resolved, so a symlink or another spelling of the path finds the same lock.
    ledger = ledger.resolve()
    return ledger.with_name(ledger.name + ".lock")


class LedgerLock:
    """Held from ``acquire`` until ``release``; raises ``LedgerLocked`` when taken."""

    def __init__(self, path: Path, fd: int):
        self.path = path
        self._fd = fd

    @classmethod
    def acquire(cls, ledger: Path) -> LedgerLock:
        path = lock_path_for(ledger)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd, wait=True)
            os.close(fd)
            raise LedgerLocked(
                f"ledger {ledger} is in use by another migrator run ({_describe(holder)}); "
                "wait for it or use another --ledger"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, orjson.dumps(holder), 0)
        return cls(path, fd)

    def release(self) -> None:
        if self._fd < 0:
            return
        fd, self._fd = self._fd, -1
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def read_holder(ledger: Path) -> dict[str, Any] | None:
    """Who wrote the lock file last: the live holder, or one killed before it could
    release (the kernel freed its lock, but the text stays). ``None`` after a clean exit."""
    try:
        fd = os.open(lock_path_for(ledger), os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        return _read_holder(fd, wait=False)
    finally:
        os.close(fd)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_holder(fd: int, *, wait: bool) -> dict[str, Any] | None:
    # The holder writes its details just after taking the lock; give it a moment.
    for _ in range(5 if wait else 1):
        raw = os.pread(fd, 4096, 0)
        if raw:
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError:
                return None
            return data if isinstance(data, dict) else None
        if wait:
            time.sleep(0.02)
    return None


def _describe(holder: dict[str, Any] | None) -> str:
    if not holder:
        return "pid unknown"
    where = f"pid {holder.get('pid', '?')}"
    host = holder.get("host")
    if host and host != socket.gethostname():
        where += f" on {host}"
    return f"{where}, started at {holder.get('started_at', '?')}"
