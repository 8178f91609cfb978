"""A migration run, end to end: source → mapping → plan → submit → ledger.

Records stream through a bounded memory stream, so memory stays flat however large the
export is, and a slow API slows the reader instead of filling memory.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import aiohttp
import anyio
import anyio.lowlevel

from migrator.butter import ButterClient, FatalError
from migrator.engine.options import RunOptions
from migrator.engine.plan import Planned, plan_items, target_key
from migrator.engine.progress import ProgressView
from migrator.engine.report import JsonlWriter, RunStats, failure_line, invalid_line, reason_key
from migrator.engine.submit import Submitter
from migrator.ledger import CheckpointLedger
from migrator.log import get_logger
from migrator.sources import open_source

log = get_logger("migrator.run")
CREATE_PATHS = {"page": "/v2/pages/", "collection": "/v2/content/", "post": "/v2/posts/"}
# Planning is microseconds a record; give the event loop a turn this often regardless.
_YIELD_EVERY = 256


class _NoLedger:
    """A dry run against an export never migrated before: everything is new, nothing is written."""

    def classify(self, target: str, identity: str, payload_hash: str) -> str:
        return "new"

    def get(self, target: str, identity: str) -> None:
        return None


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
    elif action == "changed":
        # Updates arrive with re-imports; until then a changed record is reported, not sent.
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


def dry_run(mapping: Any, source_path: Path, options: RunOptions) -> RunStats:
    """Plan without sending: a preview of every payload and every invalid record."""
    stats = RunStats()
    started = time.monotonic()
    source = open_source(mapping.source_format, source_path, **mapping.source_options)
    compiled = mapping.compile()
    # Read-only: a dry run takes no lock and writes nothing to the ledger.
    ledger: Any = (
        CheckpointLedger(options.ledger_path, readonly=True)
        if options.ledger_path.exists()
        else _NoLedger()
    )
    preview = JsonlWriter(options.preview_path, flush_each=False)
    failures = JsonlWriter(options.failures_path)
    try:
        for item in plan_items(
            source.records(), compiled, ledger, retry_failed=options.retry_failed
        ):
            _count(stats, item, failures)
            if item.action in ("send", "settle"):
                p = item.payload
                path = CREATE_PATHS[p.kind] + (f"?locale={p.locale}" if p.locale else "")
                preview.write(
                    {
                        "action": "create" if item.action == "send" else "read back, then create",
                        "identity": p.identity,
                        "source": str(p.source),
                        "method": "POST",
                        "path": path,
                        "body": p.body,
                    }
                )
                stats.calls_writes += 1
                if item.action == "settle":
                    stats.calls_reads += 1
    finally:
        preview.close()
        failures.close()
        if isinstance(ledger, CheckpointLedger):
            ledger.close()
    stats.elapsed = time.monotonic() - started
    return stats


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
    compiled = mapping.compile()
    timeout = aiohttp.ClientTimeout(total=60, connect=10)
    connector = aiohttp.TCPConnector(limit=options.concurrency * 2)
    failures = JsonlWriter(options.failures_path)
    progress = ProgressView(enabled=options.show_progress)
    try:
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            client = ButterClient(base_url, write_token, read_token=read_token, session=session)
            with CheckpointLedger(options.ledger_path) as ledger:
                run_id = ledger.start_run(
                    mapping_path=str(mapping.path), source_path=str(source_path)
                )
                try:
                    await _pump(
                        source, compiled, ledger, client, options, stats, failures, progress
                    )
                finally:
                    stats.calls_writes = client.calls.writes
                    stats.calls_reads = client.calls.reads
                    stats.elapsed = time.monotonic() - started
                    ledger.flush()
                    ledger.finish_run(run_id, counts=stats.as_dict(), exit_code=stats.exit_code)
    finally:
        progress.close()
        failures.close()
    return stats


async def _pump(
    source: Any,
    compiled: Any,
    ledger: Any,
    client: ButterClient,
    options: RunOptions,
    stats: RunStats,
    failures: JsonlWriter,
    progress: ProgressView,
) -> None:
    send, receive = anyio.create_memory_object_stream[Planned](options.concurrency * 2)

    with anyio.CancelScope() as run_scope:

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
                        source.records(), compiled, ledger, retry_failed=options.retry_failed
                    )
                    for n, item in enumerate(planned, 1):
                        _count(stats, item, failures)
                        if item.action in ("send", "settle"):
                            await send.send(item)
                        elif n % _YIELD_EVERY == 0:
                            progress.update(stats)
                            await anyio.lowlevel.checkpoint()
            outer.cancel_scope.cancel()


async def _watch_signals(scope: anyio.CancelScope, stats: RunStats) -> None:
    """Ctrl-C or SIGTERM: stop sending, keep what the ledger knows, report, exit."""
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for signum in signals:
            stats.aborted = f"interrupted by {signal.Signals(signum).name}"
            log.warning("interrupted: stopping; accepted records are kept in the ledger")
            scope.cancel()
            return
