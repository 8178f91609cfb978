"""A migration run, end to end: source → mapping → plan → a sink → ledger.

``run_migration`` sends; ``plan_migration`` (and ``dry_run``, its synchronous form) is the
same pipeline with a sink that records instead of sending (``pipeline.py``).

Records stream through a bounded memory stream, so memory stays flat however large the
export is, and a slow API slows the reader instead of filling memory.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import ExitStack, asynccontextmanager, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import aiohttp
import anyio
import anyio.lowlevel

from migrator.butter import ButterClient, FatalError, Retrier
from migrator.engine.counts import RunStats
from migrator.engine.edits import EditCheck, EditPolicy
from migrator.engine.media_check import check_then_guard
from migrator.engine.options import RunOptions
from migrator.engine.pipeline import YIELD_EVERY, Pump, Reports, SendSink
from migrator.engine.plan import Compiled, Planned, mapping_target_key
from migrator.engine.preview import PreviewSink
from migrator.engine.progress import ProgressView
from migrator.engine.prune import PruneGuard, PrunePlan
from migrator.engine.report import JsonlWriter
from migrator.engine.submit import Handoff, Submitter
from migrator.errors import LedgerFault, MigratorError, RecordError, SourceError
from migrator.interrupts import INTERRUPTS
from migrator.ledger import CheckpointLedger, EmptyLedger, Ledger, LedgerState, LedgerView
from migrator.log import get_logger, redact_text
from migrator.mapping import Mapping, Payload, index_options, link_rewriter
from migrator.records import Record
from migrator.sources import Source, open_source
from migrator.spool import Spool

log = get_logger("migrator.run")


class CanaryFailed(FatalError):
    """The first records were wrong in ButterCMS: the rest would be too (exit 3)."""


@dataclass
class CanaryReport:
    """What the canary found: ``problems`` stop the run; ``notes`` are said once in the
    summary and stop nothing (Butter kept its own post dates: nothing can be done)."""

    problems: list[str]
    notes: list[str] = dataclasses.field(default_factory=list)


class CanaryCheck(Protocol):
    async def __call__(
        self, payloads: list[Payload], ledger: Ledger, client: ButterClient, failures: JsonlWriter
    ) -> CanaryReport: ...


HTTP_TIMEOUT = aiohttp.ClientTimeout(total=60, connect=10)


@contextmanager
def compiled_mapping(
    mapping: Mapping, source_path: Path, options: RunOptions
) -> Iterator[Compiled]:
    """``mapping`` compiled as runs send it: with its link rewriter when it has links rules
    (the export's URLs indexed first, with progress). Verify maps again the same way."""
    with _compiled(mapping, source_path, options, None) as compiled:
        yield compiled


@contextmanager
def _compiled(
    mapping: Mapping, source_path: Path, options: RunOptions, spool: _Spooling | None
) -> Iterator[Compiled]:
    """``compiled_mapping``; with ``spool``, the index is built from the run's own read
    of the export, which the spool keeps for the later stages."""
    if mapping.links is None:
        yield mapping.compile()
        return
    progress = ProgressView(enabled=options.show_progress, name=mapping.path.name)

    def shown(n: int) -> None:
        line = f"indexing the export's URLs for link rewriting: {n:,} records read"
        progress.show(line, stage="links", records=n)

    records = spool.records() if spool is not None else None
    try:
        with link_rewriter(mapping, source_path, on_progress=shown, records=records) as links:
            progress.close()
            yield mapping.compile(links)
    finally:
        progress.close()


@dataclass
class _Spooling:
    """One read of the export for every stage that needs all of it before planning (the
    link index, --check-media): the first stage's records go to a spool on disk too, and
    the later stages replay it."""

    source: Source
    spool: Spool[Record | RecordError]
    started: bool = False
    done: bool = False

    def records(self) -> Iterator[Record | RecordError]:
        if self.done:
            return self.spool.replay()
        if self.started:  # the first read stopped early: the spool is not the export
            return self.source.records()
        self.started = True
        return self._first()

    def _first(self) -> Iterator[Record | RecordError]:
        yield from self.spool.spooled(self.source.records())
        self.done = True


@dataclass
class _Run:
    """What one run (real or dry) has open; the stack closes it all."""

    mapping: Mapping
    source_path: Path
    options: RunOptions
    source: Source
    compiled: Compiled
    reports: Reports
    progress: ProgressView
    stats: RunStats
    spooling: _Spooling | None = None

    def records(self) -> Iterator[Record | RecordError]:
        """The export's records, for each stage that reads them all: replayed from the
        spool when the link index read them, else read from the export."""
        if self.spooling is not None:
            return self.spooling.records()
        return self.source.records()

    def pump(
        self,
        ledger: LedgerView,
        on_canary: Callable[[list[Payload]], Awaitable[None]] | None = None,
        *,
        preview: bool = False,
    ) -> Pump:
        return Pump(
            self.compiled,
            ledger,
            mapping_target_key(self.mapping),
            self.stats.plan,
            self.reports,
            retry_failed=self.options.retry_failed,
            unique_slugs=self.mapping.target.unique_slugs,
            unique_identities=self.source.unique_identities,
            prune=self.options.prune,
            prune_guard=self.prune_guard(),
            preview=preview,
            canary=self.options.canary if on_canary is not None else 0,
            on_canary=on_canary,
            changes=self.stats.changes,
        )

    def prune_guard(self) -> PruneGuard:
        """The options' guard, its question asked with the progress line out of the way."""
        guard = self.options.prune_guard
        confirm = guard.confirm
        if confirm is None:
            return guard

        def asked(plan: PrunePlan) -> bool:
            with self.progress.paused():
                return confirm(plan)

        return dataclasses.replace(guard, confirm=asked)

    def edit_policy(self, check: EditCheck | None) -> EditPolicy:
        target = self.mapping.target
        return EditPolicy(
            check=check,
            overwrite=self.options.overwrite_edits,
            owned=frozenset(target.update_fields) if target.update_fields is not None else None,
            multi_locale=bool(self.mapping.locales),
        )

    def note_canary(self, payloads: list[Payload]) -> None:
        self.stats.canary = [f"{p.identity} ({p.source})" for p in payloads]

    async def check_media(self, ledger: LedgerView, base_url: str | None) -> None:
        """--check-media: the compiled mapping comes back guarded against dead URLs."""
        if self.options.check_media:
            self.compiled = await check_then_guard(
                self.mapping,
                self.records(),
                self.compiled,
                ledger,
                self.options,
                self.stats.media,
                self.progress,
                base_url,
            )

    async def read_first(self) -> None:
        """The export read whole into the spool before anything is sent, so the progress
        bar knows how many records there are. Nothing is sent yet: a ``SourceError``
        here is left to the pump, which meets it at the same record after sending the
        records before it, as a run that reads as it sends does."""
        spooling = self.spooling
        if spooling is None:
            return
        if not spooling.started:
            n = 0
            try:
                for n, _ in enumerate(spooling.records(), 1):
                    if n % YIELD_EVERY == 0:
                        self.progress.reading(n)
                        await anyio.lowlevel.checkpoint()  # Ctrl-C and the display
            except SourceError:
                return
            self.progress.reading(n)
        if spooling.done:
            self.progress.expected = spooling.spool.count

    def finish(self, started: float) -> None:
        self.stats.elapsed = time.monotonic() - started
        self.stats.source_notes = self.source.stats.summary()
        self.stats.source_problems = list(self.source.stats.problems)


def _open(
    stack: ExitStack,
    mapping: Mapping,
    source_path: Path,
    options: RunOptions,
    *,
    sending: bool = False,
) -> _Run:
    source = open_source(mapping.source_format, source_path, **mapping.source_options)
    # The link index reads every record whatever the mapping narrows (post_types): when
    # it reads what the run reads, or --check-media reads first, one read serves all.
    shared = mapping.links is not None and index_options(mapping.source_options) == dict(
        mapping.source_options
    )
    spooling = None
    # A real run with a progress bar reads the export whole before it sends: the bar
    # then knows how many records there are (``_Run.read_first``).
    if shared or options.check_media or (sending and options.show_progress):
        spooling = _Spooling(source, stack.enter_context(closing(Spool[Record | RecordError]())))
    compiled = stack.enter_context(
        _compiled(mapping, source_path, options, spooling if shared else None)
    )
    failures = stack.enter_context(closing(JsonlWriter(options.failures_path)))
    warnings = stack.enter_context(closing(JsonlWriter(options.warnings_path)))
    progress = stack.enter_context(
        closing(ProgressView(enabled=options.show_progress, name=mapping.path.name))
    )
    return _Run(
        mapping,
        source_path,
        options,
        source,
        compiled,
        Reports(failures, warnings),
        progress,
        RunStats(),
        spooling,
    )


# ---------------------------------------------------------------------- dry run


async def plan_migration(
    mapping: Mapping, source_path: Path, options: RunOptions, *, base_url: str | None = None
) -> RunStats:
    """Plan without sending: a preview of every request and every invalid record, and the
    API calls they would cost. ``stats.planned_deletes`` lists what --prune would delete.
    ``base_url``: the target the real run would go to (``--check-media`` lets media on this
    machine through when it is the local emulator); None: the real Butter."""
    started = time.monotonic()
    with ExitStack() as stack:
        # Read-only: a dry run takes no lock and writes nothing to the ledger.
        ledger: LedgerView = EmptyLedger()
        if options.ledger_path.exists():
            ledger = stack.enter_context(
                closing(CheckpointLedger(options.ledger_path, readonly=True))
            )
        run = _open(stack, mapping, source_path, options)
        preview = stack.enter_context(closing(JsonlWriter(options.preview_path, flush_each=False)))
        await run.check_media(ledger, base_url)
        # What a real run does (``site`` always gives it verify's check): read first.
        sink = PreviewSink(preview, ledger, run.edit_policy(None), check_edits=True)

        async def name_canary(payloads: list[Payload]) -> None:
            run.note_canary(payloads)  # the dry run says which records the canary will be

        pump = run.pump(ledger, name_canary if options.canary else None, preview=True)
        await pump.run(run.records(), sink, on_progress=lambda: run.progress.show_plan(run.stats))
        run.stats.calls = sink.calls
        run.stats.planned_deletes = sink.planned_deletes
        run.stats.plan.edit_checks = sink.edit_checks
        run.finish(started)
        return run.stats


def dry_run(
    mapping: Mapping, source_path: Path, options: RunOptions, *, base_url: str | None = None
) -> RunStats:
    """``plan_migration`` for callers without an event loop."""
    return anyio.run(
        functools.partial(plan_migration, mapping, source_path, options, base_url=base_url)
    )


# ---------------------------------------------------------------------- real run


async def run_migration(
    mapping: Mapping,
    source_path: Path,
    options: RunOptions,
    *,
    base_url: str,
    write_token: str,
    read_token: str | None = None,
    canary_check: CanaryCheck | None = None,
    edit_check: EditCheck | None = None,
) -> RunStats:
    """Send ``mapping``'s records. ``canary_check`` (with ``options.canary``): how the first
    records are judged once Butter applied them; ``edit_check``: how a changed record is
    checked for edits made in Butter before it is updated (None: not checked).
    ``migrator.verify`` provides both."""
    started = time.monotonic()
    with ExitStack() as stack:
        # The ledger first: a run already holding it stops this one before any work.
        ledger = stack.enter_context(CheckpointLedger(options.ledger_path))
        # A ledger holds what one target accepted: never used against another.
        ledger.bind(base_url, write_token, rebind=options.rebind)
        run = _open(stack, mapping, source_path, options, sending=True)
        connector = aiohttp.TCPConnector(limit=options.concurrency * 2)
        async with aiohttp.ClientSession(timeout=HTTP_TIMEOUT, connector=connector) as session:
            client = ButterClient(base_url, write_token, read_token=read_token, session=session)
            run.stats.calls = client.calls
            run_id = ledger.start_run(
                mapping_path=str(mapping.path),
                source_path=str(source_path),
                variables=mapping.variables,  # for verify (ledger.variables)
            )
            # From here a signal stops the run gracefully, up to its recorded end.
            with anyio.CancelScope() as scope, INTERRUPTS.stopping(_stopper(scope, run.stats)):
                ended: BaseException | None = None
                try:
                    async with _sampled(run.stats):
                        await run.check_media(ledger, base_url)
                        await run.read_first()
                        await _send_all(run, ledger, client, canary_check, edit_check)
                except BaseException as exc:
                    ended = exc
                    raise
                finally:
                    run.finish(started)
                    _record_end(ledger, run_id, run.stats, ended)
        return run.stats


@asynccontextmanager
async def _sampled(stats: RunStats) -> AsyncIterator[None]:
    """The counters on the report's timeline every second while the block runs (the retry
    counts are read through ``stats``: the run puts its retrier's there when it starts).
    A plain task, not a task group: the block's exceptions stay as they are."""

    def counters() -> tuple[int, int, int]:
        return stats.calls.writes, stats.retry.throttled, stats.retry.retries

    task = asyncio.create_task(stats.timeline.record(counters))
    try:
        yield
    finally:
        task.cancel()
        with anyio.CancelScope(shield=True):
            await asyncio.wait([task])
        stats.timeline.sample(*counters(), last=True)


def _record_end(
    ledger: CheckpointLedger, run_id: int, stats: RunStats, ended: BaseException | None
) -> None:
    """The run row: counts, and the exit code the process ends with. After a ledger fault,
    as much of it as the file still takes."""
    try:
        ledger.flush()
    except LedgerFault as fault:  # the last marks could not be committed: the run ends on it
        _stopped_by_fault(stats, fault)
        return
    if isinstance(ended, KeyboardInterrupt | anyio.get_cancelled_exc_class()):
        exit_code = 130  # stopped from outside the pump (which reports a signal itself)
    elif isinstance(ended, MigratorError):
        exit_code = ended.exit_code
    else:
        exit_code = stats.exit_code if ended is None else 1
    try:
        ledger.finish_run(run_id, counts=stats.as_dict(), exit_code=exit_code)
    except LedgerFault as fault:
        _stopped_by_fault(stats, fault)


def _stopped_by_fault(stats: RunStats, fault: LedgerFault) -> None:
    """A ledger fault stops the run: exit 2 if nothing was sent yet, else 3."""
    if not stats.aborted:
        stats.aborted = str(fault)
        stats.abort_exit = 3 if stats.calls.writes else fault.exit_code
        log.error("run aborted", reason=str(fault))


async def _send_all(
    run: _Run,
    ledger: Ledger,
    client: ButterClient,
    canary_check: CanaryCheck | None,
    edit_check: EditCheck | None,
) -> None:
    options, stats = run.options, run.stats
    handoff = Handoff(options.concurrency * 2)
    with anyio.CancelScope() as run_scope:

        def abort(exc: FatalError) -> None:
            if not stats.aborted:
                # A configuration error is the mapping's: say which one. Redacted: the
                # message may quote an answer, and the ledger's run history keeps it.
                why = redact_text(str(exc))
                stats.aborted = f"{run.mapping.path}: {why}" if exc.exit_code == 2 else why
                stats.abort_exit = exc.exit_code
                log.error("run aborted", reason=str(exc))
            run_scope.cancel()

        def fault(exc: LedgerFault) -> None:
            # The ledger cannot record what is sent: nothing more is (the scope's await
            # points all raise from now on), and what it did record stays.
            _stopped_by_fault(stats, exc)
            run_scope.cancel()

        # The pool runs more workers than requests (``submit.pool_size``): the retrier
        # keeps the requests out at once to ``--concurrency``.
        retrier = Retrier(options.retry_policy, on_fatal=abort, in_flight=options.concurrency)
        submitter = Submitter(
            client,
            ledger,
            options,
            retrier,
            run.reports.failures,
            on_done=lambda: run.progress.update(stats, submitter.handled),
            on_fault=fault,
            dates_required=(
                f"{run.mapping.path}: fields.published" if run.mapping.published_required else None
            ),
            edits=run.edit_policy(edit_check),
        )
        # Each part counts in its own place; the stats only hold them together.
        stats.retry, stats.sent = retrier.counts, submitter.counts
        sink = SendSink(handoff)

        async def fly(payloads: list[Payload]) -> None:
            """Wait until Butter applied the canary, check it, stop the run if it is wrong."""
            assert canary_check is not None
            run.note_canary(payloads)
            run.progress.show(
                f"canary: waiting for ButterCMS to apply the first {len(payloads)} records, "
                "then reading them back",
                stage="canary",
            )
            await submitter.drained(sink.sent)
            report = await canary_check(payloads, ledger, client, run.reports.failures)
            stats.canary_checked = True
            # The dates Butter refused are already said once: the read-back shows only that.
            stats.canary_notes = [] if submitter.dates.refused else report.notes
            if report.problems:
                stats.canary_problems = report.problems
                abort(CanaryFailed(f"the canary failed: {report.problems[0]}"))

        pump = run.pump(ledger, fly if canary_check is not None else None)
        async with anyio.create_task_group() as workers:
            workers.start_soon(submitter.run_workers, handoff)
            try:
                await pump.run(
                    run.records(),
                    sink,
                    aborted=lambda: stats.aborted,
                    on_progress=lambda: run.progress.update(stats, submitter.handled),
                )
            except LedgerFault as exc:  # planning reads the ledger too
                fault(exc)
            await handoff.close()  # the workers end once they handled what is in
        if not stats.aborted:
            try:
                await _patch_pending_refs(pump.target, ledger, submitter, options)
            except LedgerFault as exc:
                fault(exc)


def _stopper(scope: anyio.CancelScope, stats: RunStats) -> Callable[[str], None]:
    """Ctrl-C or SIGTERM: stop sending, keep what the ledger knows, report, exit 130.
    Called from the signal handler: it records the signal and schedules the rest."""
    loop = asyncio.get_running_loop()

    def stopped() -> None:
        log.warning("interrupted: stopping; accepted records are kept in the ledger")
        scope.cancel()

    def stop(signal_name: str) -> None:
        stats.aborted = f"interrupted by {signal_name}"
        loop.call_soon_threadsafe(stopped)

    return stop


async def _patch_pending_refs(
    target: str, ledger: Ledger, submitter: Submitter, options: RunOptions
) -> None:
    """Second pass: the references written empty because their items were not found yet
    (cycles, or the referenced collection migrated later) are resolved again and patched in,
    once Butter had time to apply this run's creates."""
    if next(ledger.with_pending_refs(target), None) is None:
        return
    if submitter.last_create:
        wait = submitter.last_create + options.settle_delay - time.monotonic()
        if wait > 0:
            log.info("waiting for ButterCMS to apply this run's creates", seconds=round(wait, 1))
            await anyio.sleep(wait)
    handoff = Handoff(options.concurrency * 2)
    async with anyio.create_task_group() as tg:
        tg.start_soon(submitter.run_workers, handoff)
        for entry in ledger.with_pending_refs(target):
            if entry.state in (LedgerState.ACCEPTED, LedgerState.VERIFIED):
                await handoff.send(Planned("refs", entry=entry))
        await handoff.close()
