"""The checkpoint ledger: what every record's last request was, so a run can resume.

One row per (target, identity) — ``collection:team_members`` / the source record's
stable identity — with the slug or lookup it was sent under, the hash of the payload,
its state and the last failure reason. A re-run classifies each payload against it:
new, unchanged (accepted with the same hash: skip), changed, failed, or in flight.

Why the writes happen in this order
-----------------------------------
The ledger is written as answers arrive, never only at the end of a run (an id map
flushed at the end is how re-imports create duplicates). But committing every mark
would make SQLite the bottleneck, so commits are batched — except where a lost write
could make a resumed run do the wrong thing:

- ``begin()`` marks a record ``in_flight`` and is committed before it returns, so it is
  on disk before the request is sent. After a crash a record is then either
  ``in_flight`` (maybe sent: the next run reads it back before sending again) or it was
  never begun (certainly not sent). Were ``in_flight`` only batched, a record could be
  sent and leave no trace, and the next run would create it a second time.
- ``mark_accepted()`` is called only once the 202 is in hand, so the ledger is never ahead
  of ButterCMS. It may sit in a batch: if the process is killed first, the row stays
  ``in_flight`` and the next run settles it by a read-back, finds the record and marks it
  accepted. Losing the tail of a batch costs one read per record, never a duplicate.
- ``mark_failed()``/``plan()`` batch the same way: losing one leaves
  the row as it was begun, which is again settled, never duplicated.

So kill -9 at any instant leaves a ledger that is behind reality by at most one batch,
and only in the safe direction (``in_flight`` where ``accepted`` would be true).
A commit that must be durable is synced to disk before the request it guards leaves (WAL
mode, ``synchronous=NORMAL`` plus the ledger's own fsync of the ``-wal`` file: what
``FULL`` does, with the fsync of a group of begins in a worker thread), so the
``in_flight`` mark a create is sent under survives a power cut, not only a crash. Batched
marks are committed as before (a crash keeps them) and synced within ``max_delay``.

One run at a time: OS locks (``flock``) on the ledger file itself, whatever path reaches
it, and on ``<ledger>.lock`` — see ``lock.py``. A file that is empty or not a ledger is
refused, never taken as new (``file.py``); SQLite's errors (damaged pages, a read-only
file, a full disk) are raised as one ``LedgerFault`` naming the file (``fault.py``).
"""

from migrator.lazy import lazy_front

TYPE_CHECKING = False
if TYPE_CHECKING:
    from migrator.ledger.lock import LedgerLock
    from migrator.ledger.schema import SCHEMA_VERSION
    from migrator.ledger.store import CheckpointLedger
    from migrator.ledger.target import Binding, TargetMismatch
    from migrator.ledger.types import (
        Classification,
        EmptyLedger,
        FailureExample,
        FailureGroup,
        Ledger,
        LedgerEntry,
        LedgerState,
        LedgerView,
        RunInfo,
        classification,
    )

# Not for type checkers: they read the imports above (a module __getattr__ would let
# any misspelt name pass).
if not TYPE_CHECKING:
    # Names load on first use: `migrator status --help` imports command.py, not SQLite.
    __getattr__, __dir__ = lazy_front(
        __name__,
        {
            "migrator.ledger.lock": ["LedgerLock"],
            "migrator.ledger.schema": ["SCHEMA_VERSION"],
            "migrator.ledger.store": ["CheckpointLedger"],
            "migrator.ledger.target": ["Binding", "TargetMismatch"],
            "migrator.ledger.types": [
                "Classification",
                "EmptyLedger",
                "FailureExample",
                "FailureGroup",
                "Ledger",
                "LedgerEntry",
                "LedgerState",
                "LedgerView",
                "RunInfo",
                "classification",
            ],
        },
    )

__all__ = [
    "SCHEMA_VERSION",
    "Binding",
    "CheckpointLedger",
    "Classification",
    "EmptyLedger",
    "FailureExample",
    "FailureGroup",
    "Ledger",
    "LedgerEntry",
    "LedgerLock",
    "LedgerState",
    "LedgerView",
    "RunInfo",
    "TargetMismatch",
    "classification",
]
