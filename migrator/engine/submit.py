"""Submit: the rate-limited worker pool that sends payloads to the Write API.

Every answer is classified by ``migrator.butter.errors``; this module only decides
what each class means for the record and the run:

- accepted (202)       → ledger says accepted, only now (saved progress never runs ahead)
- throttled (429 short)→ every worker pauses until Retry-After has passed
- 5xx, not connected   → retry with capped exponential backoff and jitter, bounded
- rejected (400)       → this record failed with Butter's reason; the run goes on
- ambiguous            → the write may have been applied: after Butter's processing delay,
                         read back, and create only if it is absent
- 401, quota           → the run stops at once
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import anyio
from aiolimiter import AsyncLimiter

from migrator.butter import (
    Ambiguous,
    ButterClient,
    FatalError,
    NotSent,
    Rejected,
    RetriableError,
    Throttled,
    Unreachable,
)
from migrator.engine.options import RunOptions
from migrator.engine.plan import Planned, target_key
from migrator.engine.report import JsonlWriter, RunStats, failure_line, reason_key
from migrator.log import get_logger

log = get_logger("migrator.submit")


class PauseGate:
    """A global pause: the first worker to see a throttle stops them all until it lifts."""

    def __init__(self) -> None:
        self._resume_at = 0.0

    def pause(self, seconds: float) -> None:
        self._resume_at = max(self._resume_at, time.monotonic() + seconds)

    async def wait(self) -> None:
        # A loop, not an Event: another throttle may push the resume time further out.
        while (delay := self._resume_at - time.monotonic()) > 0:  # noqa: ASYNC110
            await anyio.sleep(delay)


def backoff(attempt: int, base: float, cap: float) -> float:
    """Capped exponential backoff with full jitter (no retry storms, no unbounded waits)."""
    return random.uniform(0, min(cap, base * 2 ** (attempt - 1)))


class Submitter:
    def __init__(
        self,
        client: ButterClient,
        ledger: Any,
        options: RunOptions,
        stats: RunStats,
        failures: JsonlWriter,
        *,
        on_abort: Callable[[FatalError], None],
        on_done: Callable[[], None] = lambda: None,
    ):
        self.client = client
        self.ledger = ledger
        self.options = options
        self.stats = stats
        self.failures = failures
        self.gate = PauseGate()
        # Evenly spaced writes: at most a tenth of a second's worth at once (one write at
        # Butter's 5/s), never a whole second's burst. A bucket of exactly one loses ~5% of
        # the rate to wake-up latency at high rates; this keeps the average exact.
        burst = max(1.0, options.rate / 10)
        self.limiter = AsyncLimiter(burst, burst / options.rate)
        self._on_abort = on_abort
        self._on_done = on_done
        self._task_group: anyio.abc.TaskGroup | None = None

    async def run_workers(self, receive: Any) -> None:
        """Consume planned items with ``concurrency`` workers until the stream closes."""
        async with anyio.create_task_group() as tg:
            self._task_group = tg
            async with receive:
                for _ in range(self.options.concurrency):
                    tg.start_soon(self._worker, receive.clone())

    async def _worker(self, receive: Any) -> None:
        async with receive:
            async for item in receive:
                await self.handle(item)

    async def handle(self, item: Planned) -> None:
        if item.action == "settle":
            # Left in flight by an earlier run that crashed: maybe applied, maybe not.
            self.stats.ambiguous += 1
            await self._settle(item.payload, item.entry, sent_at=_wall_to_monotonic(item.entry))
        else:
            await self._send(item.payload)
        self._on_done()

    # ------------------------------------------------------------------ sending

    async def _acquire(self) -> None:
        await self.gate.wait()
        await self.limiter.acquire()
        # A pause may have begun while this worker waited for its turn.
        await self.gate.wait()

    async def _send(self, payload: Any, *, attempts: int = 0) -> None:
        target = target_key(payload)
        throttles = 0
        bound = log.bind(target=target, identity=payload.identity)
        while True:
            await self._acquire()
            self.ledger.begin(
                target,
                payload.identity,
                payload_hash=payload.hash,
                slug=payload.slug,
                lookup=payload.lookup,
                source=str(payload.source),
            )
            try:
                await self.client.create(payload.kind, payload.body, locale=payload.locale)
            except Throttled as exc:
                self.stats.throttled += 1
                throttles += 1
                self.gate.pause(exc.retry_after)
                bound.info("throttled", retry_after=exc.retry_after)
                if throttles > self.options.max_throttles:
                    self._fail(payload, f"throttled {throttles} times in a row")
                    return
                continue
            except RetriableError as exc:
                attempts += 1
                if attempts >= self.options.max_attempts and isinstance(exc, NotSent):
                    # Nothing can get through: stop instead of failing every record in turn.
                    self._unsend(payload)
                    self._on_abort(Unreachable(f"ButterCMS is unreachable: {exc}"))
                    return
                if attempts >= self.options.max_attempts:
                    self._fail(payload, f"gave up after {attempts} attempts: {exc}")
                    return
                self.stats.retries += 1
                delay = backoff(attempts, self.options.backoff_base, self.options.backoff_cap)
                bound.info("retrying", error=str(exc), attempt=attempts, delay=round(delay, 2))
                await anyio.sleep(delay)
                continue
            except Ambiguous as exc:
                # The ledger row stays in flight until a read-back settles it.
                self.stats.ambiguous += 1
                bound.warning("ambiguous", error=str(exc))
                assert self._task_group is not None
                self._task_group.start_soon(self._settle_later, payload, time.monotonic())
                return
            except Rejected as exc:
                self._fail(payload, f"rejected by ButterCMS: {exc.reason}")
                return
            except FatalError as exc:
                self._unsend(payload)
                self._on_abort(exc)
                return
            self.ledger.mark_accepted(target, payload.identity, payload_hash=payload.hash)
            self.stats.accepted += 1
            return

    def _unsend(self, payload: Any) -> None:
        """Nothing was applied: the record goes back to planned for the next run."""
        self.ledger.plan(
            target_key(payload),
            payload.identity,
            payload_hash=payload.hash,
            slug=payload.slug,
            lookup=payload.lookup,
            source=str(payload.source),
        )

    def _fail(self, payload: Any, reason: str) -> None:
        target = target_key(payload)
        self.ledger.mark_failed(target, payload.identity, reason)
        self.stats.failed += 1
        key = reason_key(reason)
        self.stats.failure_reasons[key] = self.stats.failure_reasons.get(key, 0) + 1
        self.failures.write(
            failure_line(
                stage="api",
                reason=reason,
                identity=payload.identity,
                source=str(payload.source),
                target=target,
            )
        )
        log.warning("record failed", target=target, identity=payload.identity, reason=reason)

    # ------------------------------------------------------------------ settling

    async def _settle_later(self, payload: Any, sent_at: float) -> None:
        await self._settle(payload, None, sent_at=sent_at)

    async def _settle(self, payload: Any, entry: Any, *, sent_at: float) -> None:
        """Read back an ambiguous create; send it again only if Butter does not have it."""
        target = target_key(payload)
        wait = sent_at + self.options.settle_delay - time.monotonic()
        if wait > 0:
            await anyio.sleep(wait)
        if not self.client.can_read:
            self.stats.unsettled += 1
            reason = (
                "ambiguous: the connection died after sending, so it may have been applied; "
                "set BUTTER_READ_TOKEN so migrator can check before sending again"
            )
            self.failures.write(
                failure_line(
                    stage="api",
                    reason=reason,
                    identity=payload.identity,
                    source=str(payload.source),
                    target=target,
                )
            )
            return
        found = await self._read_back(payload)
        if found is _ABORTED:
            return
        if found is not None:
            meta = found.get("meta") if isinstance(found, dict) else None
            sent_hash = entry.payload_hash if entry is not None else payload.hash
            self.ledger.mark_accepted(
                target,
                payload.identity,
                payload_hash=sent_hash,
                butter_id=meta.get("id") if isinstance(meta, dict) else None,
            )
            self.stats.found_on_read_back += 1
            self.stats.accepted += 1
            log.info("settled: already applied", target=target, identity=payload.identity)
            return
        log.info("settled: absent, sending again", target=target, identity=payload.identity)
        await self._send(payload, attempts=1)

    async def _read_back(self, payload: Any) -> Any:
        attempts = 0
        while True:
            await self._acquire()
            try:
                return await self.client.find(
                    payload.kind,
                    payload.target,
                    slug=payload.slug,
                    lookup=payload.lookup,
                    locale=payload.locale,
                )
            except Throttled as exc:
                self.gate.pause(exc.retry_after)
            except RetriableError:
                attempts += 1
                if attempts >= self.options.max_attempts:
                    self.stats.unsettled += 1
                    return _ABORTED
                await anyio.sleep(
                    backoff(attempts, self.options.backoff_base, self.options.backoff_cap)
                )
            except FatalError as exc:
                self._on_abort(exc)
                return _ABORTED


_ABORTED = object()


def _wall_to_monotonic(entry: Any) -> float:
    """When an earlier run sent this record, on this process's monotonic clock."""
    updated = getattr(entry, "updated_at", None)
    if not updated:
        return time.monotonic()
    from datetime import datetime

    try:
        sent = datetime.fromisoformat(str(updated)).timestamp()
    except ValueError:
        return time.monotonic()
    return time.monotonic() - max(0.0, time.time() - sent)
