"""--prune: what is gone from the source, and the guard before deleting it.

A source that reads short (a header-only CSV, the wrong export, a filter left on) looks
exactly like a site whose content was deleted. So a run deletes without asking only a
small share of what its ledger holds; more needs ``--max-delete N`` or ``--yes``, or a
"yes" at the terminal. A dry run shows the count and whether a real run would refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from migrator.engine.plan import LedgerView, has_unidentified, was_seen
from migrator.ledger import LedgerEntry, LedgerState
from migrator.seen import SeenKeys

# A run deletes at most this share of what the ledger holds for a target without asking.
SHARE_WITHOUT_ASKING = 0.10


@dataclass(frozen=True)
class PrunePlan:
    """What --prune would do to one target, counted before anything is deleted."""

    target: str  # "collection:team", "post:"...
    deletes: int  # records Butter holds that the source no longer has (pages excluded)
    held: int  # records the ledger holds as being in Butter for this target
    read: int  # records the source yielded in this run

    @property
    def share(self) -> float:
        return self.deletes / self.held if self.held else 1.0

    def describe(self) -> str:
        what = self.target.rstrip(":").replace(":", " ")
        return (
            f"--prune would delete {self.deletes:,} of the {self.held:,} {what} records "
            f"this ledger holds ({self.share:.0%}); the source yielded {self.read:,} records"
        )

    def how_to_allow(self) -> str:
        return (
            "check the source; if these records really are gone, run again with "
            f"--max-delete {self.deletes} (or --yes)"
        )


# Asked at a terminal when the guard would refuse: True deletes anyway.
Confirm = Callable[[PrunePlan], bool]


@dataclass(frozen=True)
class PruneGuard:
    """``max_delete``: deletes allowed without asking (None: the share above, and none
    at all when the source yielded nothing); ``allow_all``: --yes."""

    max_delete: int | None = None
    allow_all: bool = False
    confirm: Confirm | None = None

    def objection(self, plan: PrunePlan) -> str | None:
        """Why these deletes need the user's say-so, if they do."""
        if self.allow_all or plan.deletes == 0:
            return None
        if self.max_delete is not None:
            if plan.deletes <= self.max_delete:
                return None
            return f"{plan.describe()}, more than --max-delete {self.max_delete:,}"
        if plan.read == 0:
            return f"{plan.describe()}: an empty source looks like the wrong export"
        if plan.share > SHARE_WITHOUT_ASKING:
            return (
                f"{plan.describe()}, more than the {SHARE_WITHOUT_ASKING:.0%} a run deletes "
                "without asking"
            )
        return None


def prune_plan(ledger: LedgerView, target: str, seen: SeenKeys, read: int) -> PrunePlan:
    held = deletes = 0
    for entry in ledger.entries(target):
        if in_butter(entry):
            held += 1
            if not was_seen(seen, target, entry.identity) and not is_page(entry):
                deletes += 1
    return PrunePlan(target, deletes, held, read)


def prune_candidates(ledger: LedgerView, target: str, seen: SeenKeys) -> Iterator[LedgerEntry]:
    """Rows of ``target`` that ButterCMS has and this run's source no longer holds."""
    for entry in ledger.entries(target):
        if in_butter(entry) and not was_seen(seen, target, entry.identity):
            yield entry


def in_butter(entry: LedgerEntry) -> bool:
    return entry.state in (LedgerState.ACCEPTED, LedgerState.VERIFIED) or (
        entry.state == LedgerState.FAILED and entry.accepted_hash is not None
    )


def is_page(entry: LedgerEntry) -> bool:
    return entry.target.startswith("page:")


def prune_refusal(aborted: str | None, seen: SeenKeys) -> str | None:
    """Why --prune must not delete anything after this read of the source, if it must not."""
    if aborted:
        return f"the run stopped ({aborted})"
    if has_unidentified(seen):
        return (
            "some records in the source could not be identified (see the failures file), so "
            "what is gone from it cannot be told; fix them and run again"
        )
    return None
