"""A migration run, end to end: source → mapping → plan → submit → ledger.

Records stream through a bounded memory stream, so memory stays flat however large the
export is, and a slow API slows the reader instead of filling memory.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path
from typing import Any

import aiohttp
import anyio
import anyio.lowlevel

from migrator.butter import ButterClient, FatalError
from migrator.butter.client import item_path
from migrator.engine.media_check import check_then_guard, check_then_guard_blocking
from migrator.engine.options import RunOptions
from migrator.engine.plan import (
    Planned,
    has_unidentified,
    mapping_target_key,
    plan_items,
    target_key,
    was_seen,
)
from migrator.engine.progress import ProgressView
from migrator.engine.report import JsonlWriter, RunStats, failure_line, invalid_line, reason_key
from migrator.engine.submit import Submitter, split_target
from migrator.ledger import CheckpointLedger, LedgerEntry, LedgerState
from migrator.log import get_logger
from migrator.mapping import link_rewriter
from migrator.seen import SeenKeys
from migrator.sources import open_source

log = get_logger("migrator.run")
CREATE_PATHS = {"page": "/v2/pages/", "collection": "/v2/content/", "post": "/v2/posts/"}
# Planning is microseconds a record; give the event loop a turn this often regardless.
_YIELD_EVERY = 256
SHOWN_DELETES = 20


class _NoLedger:
    """A dry run against an export never migrated before: everything is new, nothing is written."""

    def classify(self, target: str, identity: str, payload_hash: str) -> str:
        return "new"

    def get(self, target: str, identity: str) -> None:
        return None

    def entries(self, target: str | None = None, state: Any = None) -> Iterator[LedgerEntry]:
        return iter(())

    def ref_id(self, collection: str, match_field: str, value: str) -> str | None:
        return None


def prune_candidates(ledger: Any, target: str, seen: SeenKeys) -> Iterator[LedgerEntry]:
    """Rows of ``target`` that ButterCMS has and this run's source no longer holds."""
    for entry in ledger.entries(target):
        in_butter = entry.state in (LedgerState.ACCEPTED, LedgerState.VERIFIED) or (
            entry.state == LedgerState.FAILED and entry.accepted_hash is not None
        )
        if in_butter and not was_seen(seen, target, entry.identity):
            yield entry


def prune_refusal(stats: RunStats, seen: SeenKeys) -> str | None:
    """Why --prune must not delete anything after this read of the source, if it must not."""
    if stats.aborted:
        return f"the run stopped ({stats.aborted})"
    if has_unidentified(seen):
        return (
            "some records in the source could not be identified (see the failures file), so "
            "what is gone from it cannot be told; fix them and run again"
        )
    return None


def report_page_not_deletable(entry: LedgerEntry, stats: RunStats, failures: JsonlWriter) -> None:
    _, page_type = split_target(entry.target)
    stats.pages_not_deletable += 1
    failures.write(
        failure_line(
            stage="prune",
            reason=(
                "gone from the source, but ButterCMS's API cannot delete pages: delete page "
                f"{page_type}/{entry.slug} in the dashboard"
            ),
            identity=entry.identity,
            source=entry.source,
            target=entry.target,
        )
    )


def _count(stats: RunStats, item: Planned, failures: JsonlWriter) -> None:
    """Tally a planned item and report the ones that will not be sent."""
    stats.read += 1
    action = item.action
    if action == "invalid":
        assert item.error is not None
        stats.invalid += 1
        line = invalid_line(item.error)
        key = reason_key(item.error.reason)
        stats.failure_reasons[key] = stats.failure_reasons.get(key, 0) + 1
        failures.write(line)
    elif action == "filtered":
        stats.filtered += 1
    elif action == "unchanged":
        stats.unchanged += 1
    elif action == "update":
        stats.changed += 1
    elif action == "skip_failed":
        stats.skipped_failed += 1
        reason = getattr(item.entry, "reason", None) or "failed in an earlier run"
        failures.write(
            failure_line(
                stage="api",
                reason=f"{reason} (not retried: use --retry-failed)",
                identity=item.payload.identity,
                source=str(item.payload.source),
                target=target_key(item.payload),
            )
        )
    else:
        stats.to_send += 1


@contextmanager
def compiled_mapping(mapping: Any, source_path: Path, options: RunOptions) -> Iterator[Any]:
    """``mapping`` compiled as runs send it: with its link rewriter when it has links rules
    (the export's URLs indexed first, with progress). Verify maps again the same way."""
    if mapping.links is None:
        yield mapping.compile()
        return
    progress = ProgressView(enabled=options.show_progress)

    def shown(n: int) -> None:
        line = f"indexing the export's URLs for link rewriting: {n:,} records read"
        progress.show(line, stage="links", records=n)

    try:
        with link_rewriter(mapping, source_path, on_progress=shown) as links:
            progress.close()
            yield mapping.compile(links)
    finally:
        progress.close()


def _note(stats: RunStats, item: Planned, warnings: JsonlWriter) -> None:
    """Links rewritten, and what a person should look at although the record goes through."""
    payload = item.payload
    if payload is None:
        return
    stats.links_rewritten += payload.links_rewritten
    for note in payload.notes:
        key = reason_key(note.reason)
        stats.warning_reasons[key] = stats.warning_reasons.get(key, 0) + 1
        warnings.write(
            {
                "identity": payload.identity,
                "source": str(payload.source),
                "target": target_key(payload),
                "field": note.field,
                "url": note.url,
                "reason": note.reason,
            }
        )


def dry_run(mapping: Any, source_path: Path, options: RunOptions) -> RunStats:
    """Plan without sending: a preview of every request and every invalid record, and the
    API calls they would cost. ``stats.planned_deletes`` lists what --prune would delete."""
    with ExitStack() as stack:
        return _dry_run(mapping, source_path, options, stack)


def _dry_run(mapping: Any, source_path: Path, options: RunOptions, stack: ExitStack) -> RunStats:
    stats = RunStats()
    started = time.monotonic()
    source = open_source(mapping.source_format, source_path, **mapping.source_options)
    compiled = stack.enter_context(compiled_mapping(mapping, source_path, options))
    # Read-only: a dry run takes no lock and writes nothing to the ledger.
    ledger: Any = _NoLedger()
    if options.ledger_path.exists():
        ledger = stack.enter_context(closing(CheckpointLedger(options.ledger_path, readonly=True)))
    preview = stack.enter_context(closing(JsonlWriter(options.preview_path, flush_each=False)))
    failures = stack.enter_context(closing(JsonlWriter(options.failures_path)))
    warnings = stack.enter_context(closing(JsonlWriter(options.warnings_path)))
    if options.check_media:
        compiled = check_then_guard_blocking(mapping, source_path, compiled, ledger, options, stats)
    progress = stack.enter_context(closing(ProgressView(enabled=options.show_progress)))
    seen = stack.enter_context(SeenKeys())
    planned = plan_items(
        source.records(), compiled, ledger, retry_failed=options.retry_failed, seen=seen
    )
    for n, item in enumerate(planned, 1):
        _count(stats, item, failures)
        _note(stats, item, warnings)
        if item.action in ("send", "settle", "update"):
            preview.write(_preview_line(item, ledger, stats))
        if n % _YIELD_EVERY == 0:
            _show_plan(progress, stats)
    if options.prune:
        _dry_prune(mapping, ledger, seen, stats, preview, failures)
    stats.elapsed = time.monotonic() - started
    return stats


def _show_plan(progress: ProgressView, stats: RunStats) -> None:
    line = (
        f"planning: read {stats.read:,} · new {stats.to_send:,} · changed {stats.changed:,} · "
        f"unchanged {stats.unchanged:,} · invalid {stats.invalid:,}"
    )
    progress.show(line, stage="plan", read=stats.read, new=stats.to_send, invalid=stats.invalid)


def _preview_line(item: Planned, ledger: Any, stats: RunStats) -> dict[str, Any]:
    p = item.payload
    query = f"?locale={p.locale}" if p.locale else ""
    reads = sum(
        1
        for hook in p.refs
        for key in hook.keys
        if ledger.ref_id(hook.collection, hook.match_field, key) is None
    )
    if item.action == "update":
        from migrator.butter import update_body

        entry = item.entry
        item_id = entry.butter_id or ("<id>" if p.kind == "collection" else None)
        if p.kind == "collection" and not entry.butter_id:
            reads += 1  # the item id is learnt by reading back
        path = _shown_path(p.kind, p.target, slug=entry.slug or p.slug, item_id=item_id)
        line = {"action": "update", "method": "PATCH", "path": path + query}
        body = update_body(p.kind, p.body)
    else:
        line = {
            "action": "create" if item.action == "send" else "read back, then create",
            "method": "POST",
            "path": CREATE_PATHS[p.kind] + query,
        }
        body = p.body
        if item.action == "settle":
            reads += 1
    stats.calls_writes += 1
    stats.calls_reads += reads
    return {**line, "identity": p.identity, "source": str(p.source), "body": body}


def _shown_path(kind: str, name: str | None, *, slug: str | None, item_id: str | None) -> str:
    # "<id>": learnt by reading back when the real run gets there.
    return "/v2/" + item_path(kind, name, slug=slug, item_id=item_id).replace("%3Cid%3E", "<id>")


def _dry_prune(
    mapping: Any,
    ledger: Any,
    seen: SeenKeys,
    stats: RunStats,
    preview: JsonlWriter,
    failures: JsonlWriter,
) -> None:
    refusal = prune_refusal(stats, seen)
    if refusal:
        stats.prune_refused = refusal
        return
    for entry in prune_candidates(ledger, mapping_target_key(mapping), seen):
        kind, name = split_target(entry.target)
        if kind == "page":
            report_page_not_deletable(entry, stats, failures)
            continue
        item_id = entry.butter_id or ("<id>" if kind == "collection" else None)
        if kind == "collection" and not entry.butter_id:
            stats.calls_reads += 1
        stats.to_delete += 1
        stats.calls_writes += 1
        path = _shown_path(kind, name, slug=entry.slug, item_id=item_id)
        if len(stats.planned_deletes) < SHOWN_DELETES:  # the preview file has them all
            stats.planned_deletes.append(f"{entry.target} {entry.identity} ({path})")
        preview.write(
            {
                "action": "delete (gone from the source)",
                "method": "DELETE",
                "path": path,
                "identity": entry.identity,
                "source": entry.source,
            }
        )


async def run_migration(
    mapping: Any,
    source_path: Path,
    options: RunOptions,
    *,
    base_url: str,
    write_token: str,
    read_token: str | None = None,
) -> RunStats:
    stats = RunStats()
    started = time.monotonic()
    source = open_source(mapping.source_format, source_path, **mapping.source_options)
    timeout = aiohttp.ClientTimeout(total=60, connect=10)
    with ExitStack() as stack:
        # The ledger first: a run already holding it stops this one before any work.
        ledger = stack.enter_context(CheckpointLedger(options.ledger_path))
        compiled = stack.enter_context(compiled_mapping(mapping, source_path, options))
        failures = stack.enter_context(closing(JsonlWriter(options.failures_path)))
        warnings = stack.enter_context(closing(JsonlWriter(options.warnings_path)))
        progress = stack.enter_context(closing(ProgressView(enabled=options.show_progress)))
        connector = aiohttp.TCPConnector(limit=options.concurrency * 2)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            client = ButterClient(base_url, write_token, read_token=read_token, session=session)
            if options.check_media:
                compiled = await check_then_guard(
                    mapping, source_path, compiled, ledger, options, stats, progress
                )
            run_id = ledger.start_run(mapping_path=str(mapping.path), source_path=str(source_path))
            try:
                await _pump(
                    source, compiled, ledger, client, options, stats, (failures, warnings), progress
                )
            finally:
                stats.calls_writes = client.calls.writes
                stats.calls_reads = client.calls.reads
                stats.elapsed = time.monotonic() - started
                ledger.flush()
                ledger.finish_run(run_id, counts=stats.as_dict(), exit_code=stats.exit_code)
    return stats


async def _pump(
    source: Any,
    compiled: Any,
    ledger: Any,
    client: ButterClient,
    options: RunOptions,
    stats: RunStats,
    reports: tuple[JsonlWriter, JsonlWriter],
    progress: ProgressView,
) -> None:
    failures, warnings = reports
    send, receive = anyio.create_memory_object_stream[Planned](options.concurrency * 2)
    target = mapping_target_key(compiled.mapping)

    with anyio.CancelScope() as run_scope, SeenKeys() as seen:

        def abort(exc: FatalError) -> None:
            if not stats.aborted:
                stats.aborted = str(exc)
                log.error("run aborted", reason=str(exc))
            run_scope.cancel()

        submitter = Submitter(
            client,
            ledger,
            options,
            stats,
            failures,
            on_abort=abort,
            on_done=lambda: progress.update(stats),
        )
        async with anyio.create_task_group() as outer:
            outer.start_soon(_watch_signals, run_scope, stats)
            async with anyio.create_task_group() as inner:
                inner.start_soon(submitter.run_workers, receive)
                async with send:
                    planned = plan_items(
                        source.records(),
                        compiled,
                        ledger,
                        retry_failed=options.retry_failed,
                        seen=seen,
                    )
                    for n, item in enumerate(planned, 1):
                        _count(stats, item, failures)
                        _note(stats, item, warnings)
                        if item.action in ("send", "settle", "update"):
                            await send.send(item)
                        elif n % _YIELD_EVERY == 0:
                            progress.update(stats)
                            await anyio.lowlevel.checkpoint()
                    # Only here is the whole source known to be read (a SourceError or an
                    # abort never gets this far): now what is gone from it may go.
                    if options.prune:
                        await _prune(target, ledger, seen, stats, failures, send)
            if not stats.aborted:
                await _patch_pending_refs(target, ledger, submitter, options)
            outer.cancel_scope.cancel()


async def _prune(
    target: str,
    ledger: Any,
    seen: SeenKeys,
    stats: RunStats,
    failures: JsonlWriter,
    send: Any,
) -> None:
    refusal = prune_refusal(stats, seen)
    if refusal:
        stats.prune_refused = refusal
        log.warning("not pruning", reason=refusal)
        return
    for entry in prune_candidates(ledger, target, seen):
        if stats.aborted:
            return
        if entry.target.startswith("page:"):
            report_page_not_deletable(entry, stats, failures)
            continue
        stats.to_delete += 1
        await send.send(Planned("delete", entry=entry))


async def _patch_pending_refs(
    target: str, ledger: Any, submitter: Submitter, options: RunOptions
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
    send, receive = anyio.create_memory_object_stream[Planned](options.concurrency * 2)
    async with anyio.create_task_group() as tg:
        tg.start_soon(submitter.run_workers, receive)
        async with send:
            for entry in ledger.with_pending_refs(target):
                if entry.state in (LedgerState.ACCEPTED, LedgerState.VERIFIED):
                    await send.send(Planned("refs", entry=entry))


async def _watch_signals(scope: anyio.CancelScope, stats: RunStats) -> None:
    """Ctrl-C or SIGTERM: stop sending, keep what the ledger knows, report, exit."""
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for signum in signals:
            stats.aborted = f"interrupted by {signal.Signals(signum).name}"
            log.warning("interrupted: stopping; accepted records are kept in the ledger")
            scope.cancel()
            return
