"""Ledger faults: an error from the ledger's file, said as what it means and what to do.

SQLite reports a damaged page, a read-only file, a full disk or another program's lock as
``sqlite3.Error``, wherever the next statement happens to run: deep in the worker pool, in
the middle of a run. ``reports_faults`` makes every public method of ``CheckpointLedger``
raise one ``LedgerFault`` naming the file and the fault instead, so the engine stops the
run on it (no more sends) and the CLI prints one line, never a traceback.
"""

from __future__ import annotations

import errno
import functools
import inspect
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from migrator.errors import LedgerFault

C = TypeVar("C", bound=type)

_DAMAGED = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
_READ_ONLY = {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN}
_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
_OS_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


def ledger_fault(path: Path, exc: sqlite3.Error | OSError) -> LedgerFault:
    return LedgerFault(describe(path, exc), file=path)


def describe(path: Path, exc: sqlite3.Error | OSError) -> str:
    writable = (
        f"make the file and its folder {path.parent} writable (chattr -i, a read-write "
        "mount, permissions): SQLite keeps its -wal and -shm files beside it"
    )
    if isinstance(exc, OSError):
        said = f"{exc.strerror}: {exc.filename}" if exc.filename else str(exc.strerror)
        if exc.errno in _OS_READ_ONLY:
            return f"cannot be written ({said}); {writable}"
        if exc.errno == errno.ENOSPC:
            return f"the disk is full ({said}); free space on it and run again"
        return f"cannot be used ({said})"
    said = str(exc)
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF  # the primary code
    if code in _DAMAGED:
        return (
            f"the file is damaged ({said}); restore it from a backup (or try "
            f"`sqlite3 {path} .recover`) — a fresh ledger would create every record this one "
            "knew a second time"
        )
    if code == sqlite3.SQLITE_FULL:
        return f"the disk is full ({said}); free space where {path.parent} is and run again"
    if code in _READ_ONLY:
        return f"cannot be written ({said}); {writable}"
    if code in _BUSY:
        return (
            f"locked by another program for more than 5 s ({said}): not a migrator run, "
            "those are refused by the ledger's lock; close the program that holds it (an "
            "sqlite3 shell, a database browser) and run again"
        )
    if code == sqlite3.SQLITE_IOERR:
        return f"the disk failed to read or write it ({said}); check the disk, then run again"
    return f"SQLite failed on it ({said})"


def reports_faults(cls: C) -> C:
    """Every public method of ``cls`` raises ``LedgerFault`` for a ``sqlite3.Error`` (the
    instance's ``path`` named), and keeps the first one in ``instance.fault``."""
    for name, method in list(vars(cls).items()):
        if not name.startswith("_") and inspect.isfunction(method):
            setattr(cls, name, _guarded(method))
    return cls


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    def convert(self: Any, exc: sqlite3.Error) -> LedgerFault:
        fault = ledger_fault(self.path, exc)
        if self.fault is None:
            self.fault = fault
        return fault

    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def pages(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                yield from method(self, *args, **kwargs)
            except sqlite3.Error as exc:
                raise convert(self, exc) from exc

        return pages

    @functools.wraps(method)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise convert(self, exc) from exc

    return call
