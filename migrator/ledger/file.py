"""The ledger's file: a new one created whole, an existing one opened and checked.

A new ledger is created only where no file exists, and whole or not at all: it is built
under a temporary name beside its path, then linked into place. So a file at a ledger's
path is always one a run made, with its schema. One that is empty, or is not a ledger,
has lost what it recorded (truncated, overwritten, the wrong file): taken as new, it
would have every record already in ButterCMS created a second time. It is refused, and
the message says what to do.

SQLite keeps two files beside a ledger in WAL mode: ``-wal`` (commits not yet copied into
the ledger) and ``-shm`` (an index of it, rebuilt at will). A ``-wal`` without its ledger
holds the last records that ledger knew, so no new ledger is made beside one.

``synchronous=NORMAL``, and the ledger syncs the ``-wal`` file itself after the commits
that must be on disk (``CheckpointLedger._sync``): together, what ``FULL`` does, but the
fsync can run in a worker thread while the event loop goes on. The commit that matters is
a ``begin()``'s, which must be on disk before its create is sent: unsynced, a power cut
(not a crash) could lose it, and the create be sent again.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from migrator.errors import ConfigError
from migrator.ledger.fault import ledger_fault
from migrator.ledger.schema import READONLY, SCHEMA, SCHEMA_VERSION, UPGRADE

SYNCHRONOUS = "NORMAL"  # the syncs are the ledger's own: see above
BUSY_TIMEOUT_MS = 5000  # another program's lock is waited for this long, then a fault


def create(path: Path) -> None:
    """A new, empty ledger at ``path``, where no file is."""
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise ConfigError(
            f"there is no ledger at {path}, but there is its write-ahead log {wal.name}, "
            "which holds the last records that ledger knew: the ledger was deleted or moved "
            f"without it. Put the ledger back beside it. To start afresh, delete {wal.name} "
            "too, knowing that records already in ButterCMS will then be created again."
        )
    temporary = path.with_name(f".{path.name}.new-{os.getpid()}")
    try:
        conn = sqlite3.connect(temporary, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")  # kept in the file's header
            conn.executescript(
                f"BEGIN IMMEDIATE; {SCHEMA}"
                f"INSERT INTO schema_version (version) VALUES ({SCHEMA_VERSION}); COMMIT;"
            )
        finally:
            conn.close()  # the last connection: its WAL is copied in and removed
        os.link(temporary, path)  # refuses to replace a file that appeared meanwhile
        _sync_folder(path.parent)
    except FileExistsError:
        pass  # someone made one meanwhile: it is opened and checked like any other
    except (sqlite3.Error, OSError) as exc:
        raise ledger_fault(path, exc) from None
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            temporary.with_name(temporary.name + suffix).unlink(missing_ok=True)


def connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    """Open the existing ledger at ``path``: ``ConfigError`` if it is not one,
    ``LedgerFault`` if SQLite cannot use it."""
    try:
        empty = path.stat().st_size == 0
    except OSError as exc:
        raise ledger_fault(path, exc) from None
    if empty:
        raise ConfigError(
            f"ledger {path} is empty (0 bytes). A ledger a run made is never empty: this "
            "one was truncated or overwritten, and what it recorded is lost. Restore it "
            "from a backup. Starting afresh would create again every record already in "
            "ButterCMS; only if that is what you want, delete it (or pass another --ledger "
            "path) and run again."
        )
    try:
        return _open(path, readonly=readonly)
    except sqlite3.Error as exc:
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if code == sqlite3.SQLITE_NOTADB:
            raise ConfigError(
                f"{path} is not a migrator ledger ({exc}): pass the ledger's own path"
            ) from None
        wal = path.with_name(path.name + "-wal")
        if not (readonly and code == sqlite3.SQLITE_CANTOPEN and not wal.exists()):
            raise ledger_fault(path, exc) from None
    # Read-only, on a read-only medium: SQLite cannot make the -shm index a WAL reader
    # needs. With no -wal there is nothing to index: the file is read as it is.
    try:
        return _open(path, readonly=True, immutable=True)
    except sqlite3.Error as exc:
        raise ledger_fault(path, exc) from None


def _open(path: Path, *, readonly: bool, immutable: bool = False) -> sqlite3.Connection:
    if readonly:
        uri = f"file:{path.resolve()}?mode=ro" + ("&immutable=1" if immutable else "")
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    else:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")
        _check_schema(conn, path, readonly=readonly)
    except BaseException:
        conn.close()
        raise
    return conn


def wal_path(conn: sqlite3.Connection) -> Path:
    """The ``-wal`` file of ``conn``'s ledger, where SQLite keeps it: beside the file it
    opened, symlinks resolved."""
    name = conn.execute("PRAGMA database_list").fetchone()[2]
    return Path(name + "-wal")


def _check_schema(conn: sqlite3.Connection, path: Path, *, readonly: bool) -> None:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "schema_version" not in tables:
        raise ConfigError(
            f"{path} is not a migrator ledger (no schema_version table): pass the ledger's "
            "own path; if it is the ledger and was emptied, restore it from a backup"
        )
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    version = row[0] if row else None
    if version in UPGRADE:
        # Upgraded in place when opened for a run; read through a view of the current
        # shape when opened read-only (the file is then left exactly as it was).
        conn.executescript(READONLY[version] if readonly else UPGRADE[version])
        return
    if version != SCHEMA_VERSION:
        newer = isinstance(version, int) and version > SCHEMA_VERSION
        raise ConfigError(
            f"ledger {path} has schema version {version}, this migrator reads version "
            f"{SCHEMA_VERSION}" + ("; upgrade migrator to use it" if newer else "")
        )


def _sync_folder(folder: Path) -> None:
    # The new name is on disk too, not only the file's pages.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
