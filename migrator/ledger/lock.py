"""One run per ledger file: OS file locks (``flock``) that the kernel drops when the holder
exits in any way, kill -9 included, so there is no stale lock to clean up by hand.

Two locks, both refused at once when taken:

- on the database file itself: it belongs to the file (device and inode), not to a name,
  so a hard link, a bind mount or any other path to the same ledger is refused too. (SQLite
  locks the same file with POSIX record locks, which are independent of ``flock``.)
- on a sidecar ``<ledger>.lock`` beside the resolved path: it keeps two runs from creating
  a new ledger at one path at once, and holds the holder's pid and start time for the "in
  use" message and ``migrator status``. It is never deleted (deleting it would let two
  processes lock two different files of the same name); a clean release blanks it.

Closing *any* descriptor of a file drops every POSIX lock the process holds on it,
SQLite's included, so the descriptor held for the lock is closed only when no other one of
this process has the file open; otherwise it stays open until the process ends.
"""

from __future__ import annotations

import fcntl
import os
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from migrator.errors import LedgerLocked
from migrator.ledger.fault import ledger_fault

# Descriptors that could not be closed without dropping SQLite's locks (see above).
_KEPT_OPEN: list[int] = []


def lock_path_for(ledger: Path) -> Path:
    # Resolved, so a symlink or another spelling of the path finds the same lock.
    ledger = ledger.resolve()
    return ledger.with_name(ledger.name + ".lock")


class LedgerLock:
    """Held from ``acquire`` until ``release``; raises ``LedgerLocked`` when taken."""

    def __init__(self, path: Path, fd: int, file_fd: int):
        self.path = path
        self._fd = fd
        self._file_fd = file_fd

    @classmethod
    def acquire(cls, ledger: Path, create: Callable[[Path], None]) -> LedgerLock:
        """Lock ``ledger``; where no file exists yet, ``create(resolved path)`` makes it
        first (under the sidecar's lock, so only one run creates it)."""
        path = lock_path_for(ledger)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise ledger_fault(ledger, exc) from None
        try:
            _lock(fd, lambda: _in_use(ledger, _read_holder(fd, wait=True)))
            if not ledger.exists():
                create(ledger.resolve())
            file_fd = _open_file(ledger)
            try:
                _lock(file_fd, lambda: _in_use_elsewhere(ledger, file_fd, fd))
            except BaseException:
                _close(file_fd)
                raise
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
        return cls(path, fd, file_fd)

    def release(self) -> None:
        """Let go; call it only once SQLite has closed the file."""
        if self._fd < 0:
            return
        fd, self._fd = self._fd, -1
        try:
            _close(self._file_fd)
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _open_file(ledger: Path) -> int:
    # Opened for writing, so a read-only file (immutable, a read-only mount) is refused
    # here, before anything is sent, rather than at the first mark.
    try:
        return os.open(ledger, os.O_RDWR | os.O_CLOEXEC)
    except OSError as exc:
        raise ledger_fault(ledger, exc) from None


def _lock(fd: int, refusal: Callable[[], LedgerLocked]) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise refusal() from None


def _in_use(ledger: Path, holder: dict[str, Any] | None) -> LedgerLocked:
    return LedgerLocked(
        f"ledger {ledger} is in use by another migrator run ({_describe(holder)}); "
        "wait for it or use another --ledger"
    )


def _in_use_elsewhere(ledger: Path, file_fd: int, fd: int) -> LedgerLocked:
    """The file is locked but this path's sidecar is not: the holder reached the same file
    by another path. The kernel knows its pid; the sidecar it wrote is elsewhere."""
    pid = _flock_holder(file_fd)
    holder = _read_holder(fd, wait=False)
    if holder is None or holder.get("pid") != pid:
        holder = {"pid": pid if pid is not None else "unknown"}
    return _in_use(ledger, holder | {"via": "another path to the same file (a hard link?)"})


def _flock_holder(fd: int) -> int | None:
    """The pid holding a ``flock`` on ``fd``'s file, from /proc/locks (Linux), if known."""
    st = os.fstat(fd)
    key = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return None
    for line in lines:  # "1: FLOCK  ADVISORY  WRITE 16001 fe:01:2147811 0 EOF"
        parts = line.split()
        if len(parts) > 5 and parts[1] == "FLOCK" and parts[5] == key:
            return int(parts[4])
    return None


def _close(fd: int) -> None:
    """Close ``fd`` unless another descriptor of this process has its file open (see the
    module's docstring): that one's POSIX locks would go with it. Unlocked either way."""
    fcntl.flock(fd, fcntl.LOCK_UN)
    if _open_elsewhere_here(fd):
        _KEPT_OPEN.append(fd)
    else:
        os.close(fd)


def _open_elsewhere_here(fd: int) -> bool:
    st = os.fstat(fd)
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return True  # cannot tell: the safe side
    for name in names:
        try:
            seen = os.stat(f"/proc/self/fd/{name}")
        except OSError:
            continue
        if int(name) != fd and (seen.st_dev, seen.st_ino) == (st.st_dev, st.st_ino):
            return True
    return False


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
    if "started_at" in holder:
        where += f", started at {holder['started_at']}"
    if "via" in holder:
        where += f", through {holder['via']}"
    return where
