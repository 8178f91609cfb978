"""The one pipeline of a run: source records → plan → a sink.

A real run and a dry run are the same pump; only the sink differs. ``SendSink`` hands
each item to the worker pool; ``PreviewSink`` (``preview.py``) writes the request it would
make and counts what it would cost. Prune planning is part of the pump too, so a dry run
lists exactly the deletions a real run would send.

The pump owns ``PlanCounts``: what was read, planned, left out, and why.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

import anyio
import anyio.lowlevel
import anyio.to_thread

from migrator.engine.counts import PlanCounts
from migrator.engine.plan import (
    Compiled,
    LedgerView,
    Planned,
    plan_items,
    split_target,
    target_key,
)
from migrator.engine.prune import (
    PruneGuard,
    PrunePlan,
    is_page,
    prune_candidates,
    prune_plan,
    prune_refusal,
)
from migrator.engine.report import JsonlWriter, failure_line, invalid_line, reason_key, tally
from migrator.engine.trace import Changes
from migrator.errors import RecordError
from migrator.ledger import LedgerEntry
from migrator.log import get_logger
from migrator.mapping import Payload
from migrator.records import Record
from migrator.seen import MEMORY_KEYS, SeenKeys

log = get_logger("migrator.pipeline")
# What goes to the sink; the other actions are only counted (and reported).
SENDABLE = frozenset({"send", "settle", "update"})
# What the canary is made of: records this run writes (not doubts being settled).
CANARY_ACTIONS = frozenset({"send", "update"})
# Planning is microseconds a record; give the event loop a turn this often regardless.
YIELD_EVERY = 256


class Sink(Protocol):
    async def put(self, item: Planned) -> None: ...


class Handing(Protocol):
    async def send(self, item: Planned) -> None: ...


class SendSink:
    """Items go to the worker pool through a bounded queue (``submit.Handoff``): a slow
    API slows the reader."""

    def __init__(self, stream: Handing):
        self.stream = stream
        self.sent = 0

    async def put(self, item: Planned) -> None:
        await self.stream.send(item)
        self.sent += 1


@dataclass(frozen=True)
class Reports:
    """The files a run leaves for people: what failed, and what went through but needs a
    look (unmapped links, inline images Butter won't copy)."""

    failures: JsonlWriter
    warnings: JsonlWriter


@dataclass(frozen=True)
class Pump:
    """One read of the source, planned against the ledger, each item to ``sink``."""

    compiled: Compiled
    ledger: LedgerView
    target: str  # the ledger target of every payload (``mapping_target_key``)
    counts: PlanCounts
    reports: Reports
    retry_failed: bool = False
    unique_slugs: str = "report"  # the mapping's [target] unique_slugs
    # The source refuses duplicate identities itself (Source.unique_identities).
    unique_identities: bool = False
    prune: bool = False
    prune_guard: PruneGuard = field(default_factory=PruneGuard)
    # A dry run: the prune guard's objection is noted, the deletes listed all the same.
    preview: bool = False
    # The canary: after the first ``canary`` creates and updates, ``on_canary`` gets them
    # (a real run waits until Butter applied them, checks them, and stops if they are wrong).
    canary: int = 0
    on_canary: Callable[[list[Payload]], Awaitable[None]] | None = None
    # Changed records, before and after, for the run report (None: not kept).
    changes: Changes | None = None

    async def run(
        self,
        records: Iterable[Record | RecordError],
        sink: Sink,
        *,
        aborted: Callable[[], str | None] = lambda: None,
        on_progress: Callable[[], None] = lambda: None,
    ) -> None:
        canary: list[Payload] = []
        with SeenKeys(memory_keys=MEMORY_KEYS) as seen:
            planned = plan_items(
                records,
                self.compiled,
                self.ledger,
                retry_failed=self.retry_failed,
                seen=seen,
                unique_slugs=self.unique_slugs,
                # --prune asks ``seen`` for every identity read: each must go into it then.
                unique_identities=self.unique_identities and not self.prune,
            )
            for n, item in enumerate(planned, 1):
                self._tally(item)
                self._note(item)
                if item.action in SENDABLE:
                    await sink.put(item)
                    if len(canary) < self.canary and item.action in CANARY_ACTIONS:
                        assert item.payload is not None
                        canary.append(item.payload)
                        if len(canary) == self.canary:
                            await self._fly(canary)
                if n % YIELD_EVERY == 0:
                    on_progress()
                    await anyio.lowlevel.checkpoint()
            # Only here is the whole source known to be read (a SourceError or an abort
            # never gets this far): now what is gone from it may go.
            if 0 < len(canary) < self.canary:  # a source smaller than the canary
                await self._fly(canary)
            if self.prune:
                await self._prune(seen, sink, aborted)
        on_progress()

    async def _fly(self, canary: list[Payload]) -> None:
        if self.on_canary is not None:
            await self.on_canary(list(canary))

    def _tally(self, item: Planned) -> None:
        """Count a planned item and report the ones that will not be sent."""
        counts = self.counts
        counts.read += 1
        action = item.action
        if action == "invalid":
            assert item.error is not None
            counts.invalid += 1
            tally(counts.failure_reasons, item.error.reason)
            self.reports.failures.write(invalid_line(item.error))
        elif action == "filtered":
            counts.filtered += 1
        elif action == "unchanged":
            counts.unchanged += 1
        elif action == "update":
            counts.changed += 1
            self._changed(item)
        elif action == "skip_failed":
            assert item.payload is not None
            counts.skipped_failed += 1
            reason = (item.entry.reason if item.entry else None) or "failed in an earlier run"
            self.reports.failures.write(
                failure_line(
                    stage="api",
                    reason=f"{reason} (not retried: use --retry-failed)",
                    identity=item.payload.identity,
                    source=str(item.payload.source),
                    target=target_key(item.payload),
                )
            )
        else:
            counts.to_send += 1

    def _changed(self, item: Planned) -> None:
        changes, payload = self.changes, item.payload
        if changes is None or payload is None:
            return
        target = target_key(payload)
        # Read from the ledger only while the report keeps them; past that, counted.
        before = None if changes.full else self.ledger.last_sent(target, payload.identity)
        changes.note(
            identity=payload.identity,
            source=str(payload.source),
            target=target,
            before=before,
            after=payload.body,
            skip=frozenset(hook.field for hook in payload.refs),
        )

    def _note(self, item: Planned) -> None:
        """Links rewritten, and what a person should look at although the record goes."""
        payload = item.payload
        if payload is None or not (payload.notes or payload.links_rewritten):
            return
        self.counts.links_rewritten += payload.links_rewritten
        for note in payload.notes:
            tally(self.counts.warning_reasons, note.reason)
            if note.items:
                totals = self.counts.warning_items.setdefault(reason_key(note.reason), {})
                for what, n in note.items:
                    totals[what] = totals.get(what, 0) + n
            self.reports.warnings.write(
                {
                    "identity": payload.identity,
                    "source": str(payload.source),
                    "target": target_key(payload),
                    "field": note.field,
                    "url": note.url,
                    "reason": note.reason,
                }
            )

    async def _prune(self, seen: SeenKeys, sink: Sink, aborted: Callable[[], str | None]) -> None:
        refusal = prune_refusal(aborted(), seen)
        if refusal:
            self.counts.prune_refused = refusal
            log.warning("not pruning", reason=refusal)
            return
        if not await self._prune_allowed(
            prune_plan(self.ledger, self.target, seen, self.counts.read)
        ):
            return
        for entry in prune_candidates(self.ledger, self.target, seen):
            if aborted():
                return
            if is_page(entry):
                self._page_not_deletable(entry)
                continue
            self.counts.to_delete += 1
            await sink.put(Planned("delete", entry=entry))

    async def _prune_allowed(self, plan: PrunePlan) -> bool:
        """The guard: a dry run notes what a real run would refuse; a real run asks (at a
        terminal) or refuses."""
        guard = self.prune_guard
        objection = guard.objection(plan)
        if objection is None:
            return True
        if self.preview:
            self.counts.prune_objection = f"{objection}: {plan.how_to_allow()}"
            return True
        if guard.confirm is not None and await anyio.to_thread.run_sync(
            guard.confirm, plan, abandon_on_cancel=True
        ):
            log.info("prune confirmed", target=plan.target, deletes=plan.deletes)
            return True
        how = plan.how_to_allow()
        self.counts.prune_refused = f"{objection}. {how[0].upper()}{how[1:]}."
        log.warning("not pruning", reason=objection)
        return False

    def _page_not_deletable(self, entry: LedgerEntry) -> None:
        _, page_type = split_target(entry.target)
        self.counts.pages_not_deletable += 1
        self.reports.failures.write(
            failure_line(
                stage="prune",
                reason=(
                    "gone from the source, but ButterCMS's API cannot delete pages: delete "
                    f"page {page_type}/{entry.slug} in the dashboard"
                ),
                identity=entry.identity,
                source=entry.source,
                target=entry.target,
            )
        )
