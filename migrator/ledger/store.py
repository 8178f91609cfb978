"""``CheckpointLedger``: the ledger in one SQLite file (WAL), locked to one run at a time.

Commit policy (the reasoning is in the package docstring, ``migrator.ledger``):

- ``begin`` commits before it returns, together with any marks still pending.
  ``stage_begin`` is a begin whose commit is the caller's next ``flush()``: a run stages
  the begins of the creates about to leave, commits once, and only then sends them.
- ``start_run``/``finish_run`` commit at once.
- ``mark_*``, ``plan`` and ``set_butter_id`` run their statement at once (so ``get`` and
  ``classify`` see them) but commit in batches: when ``batch_size`` statements are pending,
  or when the oldest pending one is ``max_delay`` seconds old (checked on the next call),
  and always on ``flush()`` and ``close()``.

Syncs: the connection is ``synchronous=NORMAL`` (a COMMIT writes the WAL, does not sync
it) and the ledger syncs the ``-wal`` file itself (``_sync``), which together is what
``FULL`` does: ``begin``, ``flush``, ``start_run``, ``finish_run`` and ``close`` return
once their commit is on disk, so it survives the machine losing power too, not only the
process dying (``file.py``). ``commit_staged`` is ``flush`` in two halves: the commit now,
and the sync returned to the caller, which runs it in a worker thread and sends the
staged creates only once it returned. A batch of marks is committed (a crash keeps it)
but synced by the next sync, or by the first mark after it is ``max_delay`` old: so a
power cut loses at most the marks of the last ``max_delay`` seconds, which leaves their
rows in flight, the safe direction. Batching keeps the syncs to one per ``begin`` (or
group of staged begins) plus at most one per ``max_delay`` for marks alone.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import astuple
from datetime import datetime
from pathlib import Path
from types import EllipsisType, TracebackType
from typing import TYPE_CHECKING, Any

import orjson

from migrator.errors import ConfigError, LedgerFault
from migrator.ledger import file as ledger_file
from migrator.ledger.fault import ledger_fault, reports_faults
from migrator.ledger.lock import LedgerLock
from migrator.ledger.schema import (
    ACCEPT_SQL,
    BEGIN_SQL,
    COLUMNS,
    FAIL_SQL,
    PLAN_SQL,
    UPDATED_SQL,
    entry_from_row,
    lookup_json,
    now,
    pack,
    refs_params,
    unpack,
)
from migrator.ledger.target import CREATE as CREATE_TARGET
from migrator.ledger.target import Binding, check_binding, new_binding, read_binding
from migrator.ledger.types import (
    Classification,
    FailureExample,
    FailureGroup,
    Ledger,
    LedgerEntry,
    LedgerState,
    RunInfo,
    classification,
)
from migrator.ledger.variables import CREATE as CREATE_VARIABLES
from migrator.ledger.variables import read_variables, storable
from migrator.records import JsonObject

# Rows per page when iterating: bounded memory, and no cursor is held open between pages,
# so the caller may write (settle in-flight rows, say) while it iterates.
_PAGE = 1000


@reports_faults  # a sqlite3.Error from any public method is raised as a LedgerFault
class CheckpointLedger:
    """The checkpoint ledger of one migration, in a SQLite file at ``path``.

    ``with CheckpointLedger(path) as ledger:`` opens (creating it if needed) and locks it
    for this process; a second run gets ``LedgerLocked``. ``readonly=True`` opens an
    existing ledger without the lock, for ``migrator status`` while a run goes on.

    Safe to call from one event loop thread plus worker threads (``anyio.to_thread``):
    every use of the connection holds one lock, and each call is short.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        readonly: bool = False,
        batch_size: int = 256,
        max_delay: float = 0.2,
    ):
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.path = Path(path)
        self.readonly = readonly
        self.batch_size = batch_size
        self.max_delay = max_delay
        self._mutex = threading.RLock()
        self._pending = 0
        self._batch_started = 0.0
        # Commits are synced to disk by ``_sync`` (``synchronous=NORMAL``, see file.py):
        # how many were made, and those not synced yet, oldest first, each as its number
        # and when its first statement ran (the age of its oldest mark).
        self._commits = 0
        self._unsynced: deque[tuple[int, float]] = deque()
        self._lock: LedgerLock | None = None
        self.fault: LedgerFault | None = None  # the first one met (``fault.py``)
        if readonly:
            if not self.path.is_file():
                raise ConfigError(f"no ledger at {self.path}; run `migrator run` first")
        else:
            if not self.path.parent.is_dir():
                raise ConfigError(
                    f"cannot create a ledger at {self.path}: "
                    f"directory {self.path.parent} does not exist"
                )
            self._lock = LedgerLock.acquire(self.path, create=ledger_file.create)
        try:
            self._conn = ledger_file.connect(self.path, readonly=readonly)
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            raise
        # The -wal file ``_sync`` syncs: beside the file SQLite opened (a symlink resolved).
        self._wal = ledger_file.wal_path(self._conn)

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> CheckpointLedger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Commit even when the block failed: every pending mark is a fact (a 202 in hand).
        self.close()

    def close(self) -> None:
        with self._mutex:
            conn = getattr(self, "_conn", None)
            if conn is None:
                return
            try:
                # After a fault, no second try (a lock held by another program would be
                # waited for again): the marks not committed leave their rows in flight.
                if self.fault is None:
                    self._commit()
                self._pending = 0
            finally:
                conn.close()
                self._conn = None  # type: ignore[assignment]
                if self._lock is not None:
                    self._lock.release()
                    self._lock = None

    @property
    def synchronous(self) -> str:
        """SQLite's sync mode on this connection, read back from it: FULL for a run."""
        with self._mutex:
            mode = self._conn.execute("PRAGMA synchronous").fetchone()[0]
        return {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(mode, str(mode))

    @property
    def closed(self) -> bool:
        return getattr(self, "_conn", None) is None

    # ------------------------------------------------------------------ writing

    def _write(self, sql: str, params: tuple[Any, ...]) -> int:
        if self.readonly:
            raise ValueError(f"ledger {self.path} was opened read-only")
        with self._mutex:
            if not self._conn.in_transaction:
                self._conn.execute("BEGIN IMMEDIATE")
                self._batch_started = time.monotonic()
            rowcount = self._conn.execute(sql, params).rowcount
            self._pending += 1
            return rowcount

    def _mark(self, sql: str, params: tuple[Any, ...]) -> int:
        with self._mutex:
            rowcount = self._write(sql, params)
            started = time.monotonic()
            if self._pending >= self.batch_size or started - self._batch_started >= self.max_delay:
                # A batch of marks is committed, not synced: the next group of begins syncs
                # it with theirs (a mark lost to a power cut only leaves its row in flight).
                self._commit_unsynced()
            if self._unsynced and started - self._unsynced[0][1] >= self.max_delay:
                self._sync()  # no group of begins synced it: on disk within max_delay still
            return rowcount

    def _commit_unsynced(self) -> None:
        with self._mutex:
            if self._conn.in_transaction:
                self._conn.execute("COMMIT")
                self._commits += 1
                self._unsynced.append((self._commits, self._batch_started))
            self._pending = 0

    def _commit(self) -> None:
        """Commit, and return once the commit is on disk."""
        with self._mutex:
            self._commit_unsynced()
            if self._unsynced:
                self._sync()

    def _sync(self) -> None:
        """Every commit made so far, synced to disk: what ``synchronous=FULL`` does in each
        COMMIT, done apart so that it can run outside the event loop (``commit_staged``).
        A commit in WAL mode is frames appended to the ``-wal`` file; syncing that file
        makes them durable (SQLite syncs it itself before a checkpoint copies them)."""
        with self._mutex:
            if not self._unsynced:
                return
            upto = self._commits
        try:
            fd = os.open(self._wal, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            fault = ledger_fault(self.path, exc)
            if self.fault is None:
                self.fault = fault
            raise fault from exc
        with self._mutex:
            # Commits made while this sync ran wait for the next one.
            while self._unsynced and self._unsynced[0][0] <= upto:
                self._unsynced.popleft()

    def flush(self) -> None:
        """Commit every pending mark now, durably."""
        if not self.readonly:
            self._commit()

    def commit_staged(self) -> Callable[[], None]:
        """Commit every pending statement now, staged begins included, and return the sync
        that makes the commit durable: ``flush()`` in two halves, so that the slow half
        (the fsync) can run in a worker thread while the event loop goes on. The staged
        begins are durable only once that sync returned; their requests wait for it."""
        if self.readonly:
            raise ValueError(f"ledger {self.path} was opened read-only")
        self._commit_unsynced()
        return self._sync

    def begin(
        self,
        target: str,
        identity: str,
        *,
        payload_hash: str,
        slug: str | None,
        lookup: tuple[str, str] | None,
        source: str | None,
    ) -> None:
        """A request for this record is about to leave. Durable when this returns."""
        with self._mutex:
            self.stage_begin(
                target, identity, payload_hash=payload_hash, slug=slug, lookup=lookup, source=source
            )
            self._commit()

    def stage_begin(
        self,
        target: str,
        identity: str,
        *,
        payload_hash: str,
        slug: str | None,
        lookup: tuple[str, str] | None,
        source: str | None,
    ) -> None:
        """``begin`` without its commit, for a group of begins made durable together: not
        durable until the next ``flush()`` returns, and its request must not leave before."""
        stamp = now()
        self._write(
            BEGIN_SQL,
            (target, identity, slug, lookup_json(lookup), payload_hash, source, stamp, stamp),
        )

    def plan(
        self,
        target: str,
        identity: str,
        *,
        payload_hash: str,
        slug: str | None,
        lookup: tuple[str, str] | None,
        source: str | None,
    ) -> None:
        """Record as planned (not sent). Never touches an accepted or verified row; on an
        in-flight row it is the caller's word that the request was not applied."""
        stamp = now()
        self._mark(
            PLAN_SQL,
            (target, identity, slug, lookup_json(lookup), payload_hash, source, stamp, stamp),
        )

    def mark_accepted(
        self,
        target: str,
        identity: str,
        *,
        payload_hash: str,
        butter_id: str | None = None,
        sent: JsonObject | None = None,
        pending_refs: list[dict[str, Any]] | EllipsisType | None = ...,
    ) -> None:
        """ButterCMS answered 202 for ``payload_hash``. Call only with the answer in hand.
        ``sent``: the body as sent (None: not known, as when a read-back found it).
        ``pending_refs``: as ``set_pending_refs``, in the same statement (``...``: kept)."""
        changed = self._mark(
            ACCEPT_SQL,
            (
                payload_hash,
                payload_hash,
                pack(sent),
                butter_id,
                now(),
                *refs_params(pending_refs),
                target,
                identity,
            ),
        )
        if not changed:
            raise LookupError(
                f"ledger has no row for {target} {identity!r}: begin() must come before "
                "mark_accepted()"
            )

    def mark_failed(
        self,
        target: str,
        identity: str,
        reason: str,
        *,
        source: str | None = None,
        payload_hash: str | None = None,
    ) -> None:
        """This record failed (refused, or given up on). Creates the row if it never began.
        ``payload_hash``: the payload that failed, when it was not begun (an update)."""
        stamp = now()
        self._mark(
            FAIL_SQL,
            (target, identity, reason, source, payload_hash, stamp, stamp),
        )

    def set_butter_id(self, target: str, identity: str, butter_id: str) -> None:
        """Remember the id ButterCMS gave a collection item (found by a read-back)."""
        self._mark(
            "UPDATE records SET butter_id = ?, updated_at = ? WHERE target = ? AND identity = ?",
            (butter_id, now(), target, identity),
        )

    def mark_updated(
        self,
        target: str,
        identity: str,
        *,
        payload_hash: str,
        lookup: tuple[str, str] | None,
        source: str | None,
        sent: JsonObject | None = None,
        pending_refs: list[dict[str, Any]] | EllipsisType | None = ...,
    ) -> None:
        """ButterCMS answered 202 to an update (PATCH) of a record it already had.
        ``sent``: the whole body the update was made from (its create shape).
        ``pending_refs``: as ``set_pending_refs``, in the same statement (``...``: kept)."""
        self._mark(
            UPDATED_SQL,
            (
                payload_hash,
                payload_hash,
                pack(sent),
                lookup_json(lookup),
                source,
                now(),
                *refs_params(pending_refs),
                target,
                identity,
            ),
        )

    def last_sent(self, target: str, identity: str) -> JsonObject | None:
        """The body ButterCMS last accepted for this record (None: not kept, as for a
        record sent before schema v3, or found by a read-back)."""
        with self._mutex:
            row = self._conn.execute(
                "SELECT sent FROM records WHERE target = ? AND identity = ?", (target, identity)
            ).fetchone()
        sent = unpack(row[0]) if row else None
        return sent if isinstance(sent, dict) else None

    def set_sent(self, target: str, identity: str, sent: JsonObject) -> None:
        """What Butter holds from migrator changed without a new payload (a reference
        patched in afterwards)."""
        self._mark(
            "UPDATE records SET sent = ? WHERE target = ? AND identity = ?",
            (pack(sent), target, identity),
        )

    def mark_verified(self, target: str, identity: str, *, butter_id: str | None = None) -> None:
        """Read back through the Read API and found as sent."""
        self._mark(
            """UPDATE records SET state = 'verified', reason = NULL,
                      butter_id = coalesce(?, butter_id), updated_at = ?
               WHERE target = ? AND identity = ? AND state IN ('accepted', 'verified')""",
            (butter_id, now(), target, identity),
        )

    def mark_missing(self, target: str, identity: str, reason: str) -> None:
        """Accepted once, but ButterCMS does not have it: failed, and no longer in Butter
        (so a retry creates it again instead of updating nothing)."""
        self._mark(
            """UPDATE records SET state = 'failed', reason = ?, accepted_hash = NULL,
                      butter_id = NULL, sent = NULL, updated_at = ?
               WHERE target = ? AND identity = ?""",
            (reason, now(), target, identity),
        )

    def mark_deleted(self, target: str, identity: str) -> None:
        """Deleted from ButterCMS (``run --prune``): kept as history; a record that comes
        back in the source is created again."""
        self._mark(
            """UPDATE records SET state = 'deleted', reason = NULL, accepted_hash = NULL,
                      butter_id = NULL, pending_refs = NULL, sent = NULL, updated_at = ?
               WHERE target = ? AND identity = ?""",
            (now(), target, identity),
        )

    def set_pending_refs(
        self, target: str, identity: str, refs: list[dict[str, Any]] | None
    ) -> None:
        """References sent empty because their items were not found yet (None: all done)."""
        self._mark(
            "UPDATE records SET pending_refs = ? WHERE target = ? AND identity = ?",
            (refs_params(refs)[1], target, identity),
        )

    def with_pending_refs(self, target: str) -> Iterator[LedgerEntry]:
        """Rows of ``target`` whose references still wait to be patched in."""
        # Found by SQLite: a run ends with this, and most ledgers have none of them.
        for entry in self._pages(["target = ?", "pending_refs IS NOT NULL"], [target], True):
            if entry.pending_refs:
                yield entry

    def ref_id(self, collection: str, match_field: str, value: str) -> str | None:
        """The id of the ``collection`` item whose ``match_field`` is ``value``, if known:
        learnt by an earlier read-back, or a row of this ledger found by that lookup."""
        with self._mutex:
            row = self._conn.execute(
                """SELECT butter_id FROM ref_ids
                   WHERE collection = ? AND match_field = ? AND value = ?""",
                (collection, match_field, value),
            ).fetchone()
            if row is None:
                row = self._conn.execute(
                    """SELECT butter_id FROM records
                       WHERE target = ? AND lookup = ? AND butter_id IS NOT NULL
                         AND state IN ('accepted', 'verified') LIMIT 1""",
                    (f"collection:{collection}", lookup_json((match_field, value))),
                ).fetchone()
        return str(row[0]) if row else None

    def remember_ref_id(
        self, collection: str, match_field: str, value: str, butter_id: str
    ) -> None:
        self._mark(
            """INSERT INTO ref_ids (collection, match_field, value, butter_id)
               VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET butter_id = excluded.butter_id""",
            (collection, match_field, value, butter_id),
        )

    # ------------------------------------------------------------------ reading

    def get(self, target: str, identity: str) -> LedgerEntry | None:
        with self._mutex:
            row = self._conn.execute(
                f"SELECT {COLUMNS} FROM records WHERE target = ? AND identity = ?",
                (target, identity),
            ).fetchone()
        return entry_from_row(row) if row else None

    def classify(self, target: str, identity: str, payload_hash: str) -> Classification:
        """What a run should do about this payload, given what the ledger remembers."""
        with self._mutex:
            row = self._conn.execute(
                "SELECT state, payload_hash FROM records WHERE target = ? AND identity = ?",
                (target, identity),
            ).fetchone()
        return "new" if row is None else classification(row[0], row[1], payload_hash)

    def entries(
        self, target: str | None = None, state: LedgerState | str | None = None
    ) -> Iterator[LedgerEntry]:
        """Every row (of one target, in one state), in (target, identity) order, a page at
        a time. Rows changed during the iteration are seen as they are when their page is
        read; the caller may write between items."""
        where: list[str] = []
        params: list[Any] = []
        if target is not None:
            where.append("target = ?")
            params.append(target)
        if state is not None:
            where.append("state = ?")
            params.append(LedgerState(state).value)
        # A generator itself, so that reports_faults converts errors met while iterating.
        yield from self._pages(where, params, target is not None)

    def _pages(
        self, where: list[str], params: list[Any], one_target: bool
    ) -> Iterator[LedgerEntry]:
        """The rows ``where`` holds, in key order, a page at a time (see ``entries``).
        ``one_target``: ``where`` names one target."""
        after: tuple[str, str] | None = None
        while True:
            if after is None:
                clauses, page_params = where, params
            elif one_target:  # keeps the search on the primary key's range
                clauses, page_params = [*where, "identity > ?"], [*params, after[1]]
            else:
                clauses, page_params = [*where, "(target, identity) > (?, ?)"], [*params, *after]
            sql = (
                f"SELECT {COLUMNS} FROM records"
                + (f" WHERE {' AND '.join(clauses)}" if clauses else "")
                + " ORDER BY target, identity LIMIT ?"
            )
            with self._mutex:
                rows = self._conn.execute(sql, (*page_params, _PAGE)).fetchall()
            for row in rows:
                yield entry_from_row(row)
            if len(rows) < _PAGE:
                return
            after = (rows[-1][0], rows[-1][1])

    def failed(self) -> Iterator[LedgerEntry]:
        return self.entries(state=LedgerState.FAILED)

    def counts(self) -> dict[str, int]:
        """Rows per state, every state present (zero when none)."""
        result = {s.value: 0 for s in LedgerState}
        with self._mutex:
            for state, n in self._conn.execute(
                "SELECT state, count(*) FROM records GROUP BY state"
            ):
                result[state] = n
        return result

    def failures_by_reason(self, limit: int = 20, *, examples: int = 3) -> list[FailureGroup]:
        """Failed rows grouped by reason, the biggest group first, each with a few examples."""
        with self._mutex:
            groups = self._conn.execute(
                """SELECT reason, count(*) AS n FROM records
                   WHERE state = 'failed' GROUP BY reason ORDER BY n DESC, reason LIMIT ?""",
                (limit,),
            ).fetchall()
            result = []
            for reason, n in groups:
                rows = self._conn.execute(
                    """SELECT target, identity, source FROM records
                       WHERE state = 'failed' AND reason IS ?
                       ORDER BY target, identity LIMIT ?""",
                    (reason, examples),
                ).fetchall()
                examples_ = tuple(FailureExample(*r) for r in rows)
                result.append(FailureGroup(reason or "(no reason given)", n, examples_))
        return result

    # ------------------------------------------------------------------ runs

    # ------------------------------------------------------------------ the target

    def binding(self) -> Binding | None:
        """The ButterCMS this ledger belongs to (None: no run has written to it yet)."""
        with self._mutex:
            return read_binding(self._conn)

    def bind(self, api_base: str, write_token: str | None, *, rebind: bool = False) -> None:
        """Bind a new ledger to its target; refuse another target (``TargetMismatch``).
        ``write_token`` None: check the API base only (verify, which holds no write token).
        ``rebind``: the same account under a new token (or URL): bind it again."""
        with self._mutex:
            bound = read_binding(self._conn)
            if bound is not None and not rebind:
                check_binding(bound, api_base, write_token, str(self.path))
                return
            if write_token is None:
                return
            binding = new_binding(api_base, write_token, now())
            self._conn.execute(CREATE_TARGET)
            self._write("DELETE FROM target", ())
            self._write("INSERT INTO target VALUES (?, ?, ?, ?)", astuple(binding))
            self._commit()

    def start_run(
        self,
        *,
        mapping_path: str | Path | None = None,
        source_path: str | Path | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> int:
        """Note that a run begins; returns its id for ``finish_run``. ``variables``: the
        mapping's, remembered for ``verify`` (those that look like secrets by name only)."""
        with self._mutex:
            self._write(
                "INSERT INTO runs (started_at, mapping, source, pid) VALUES (?, ?, ?, ?)",
                (now(), _str(mapping_path), _str(source_path), os.getpid()),
            )
            # Before the variables' inserts, which move last_insert_rowid().
            run_id = self._conn.execute("SELECT last_insert_rowid()").fetchone()[0]
            if variables is not None:
                self._conn.execute(CREATE_VARIABLES)
                self._write("DELETE FROM variables", ())
                for row in storable(variables):
                    self._write("INSERT INTO variables VALUES (?, ?)", row)
            self._commit()
        return int(run_id)

    def finish_run(
        self, run_id: int, *, exit_code: int, counts: Mapping[str, Any] | None = None
    ) -> None:
        """Note how a run ended. ``counts`` defaults to the ledger's counts per state."""
        with self._mutex:
            summary = dict(counts) if counts is not None else self.counts()
            self._write(
                "UPDATE runs SET finished_at = ?, counts = ?, exit_code = ? WHERE run_id = ?",
                (now(), orjson.dumps(summary, default=str).decode(), exit_code, run_id),
            )
            self._commit()

    def variables(self) -> dict[str, str | None]:
        """The mapping variables of the last run (None: a value not kept, a secret)."""
        with self._mutex:
            return read_variables(self._conn)

    def last_run(self) -> RunInfo | None:
        with self._mutex:
            row = self._conn.execute(
                """SELECT run_id, started_at, finished_at, mapping, source, counts, exit_code,
                          pid FROM runs ORDER BY run_id DESC LIMIT 1"""
            ).fetchone()
        if row is None:
            return None
        return RunInfo(
            run_id=row[0],
            started_at=datetime.fromisoformat(row[1]),
            finished_at=datetime.fromisoformat(row[2]) if row[2] else None,
            mapping=row[3],
            source=row[4],
            counts=orjson.loads(row[5]) if row[5] else {},
            exit_code=row[6],
            pid=row[7],
        )


def _str(value: str | Path | None) -> str | None:
    return None if value is None else str(value)


if TYPE_CHECKING:  # mypy checks that CheckpointLedger keeps the Ledger protocol

    def _is_a_ledger(ledger: CheckpointLedger) -> Ledger:
        return ledger
