"""The background queue: each accepted write waits out its delay, then is applied.

A job is applied when its own due time comes, earliest first. With the fixed ``delay`` every
job waits the same, so writes apply in the order they were accepted, as a kind emulator does.
With ``Realism.apply_delay`` each job draws its own delay, so a later write can apply before
an earlier one, as nothing at Butter promises otherwise. ``settle()`` is how tests (and the
demo) wait for "content typically appears within seconds": it returns once the last due
job is applied.
"""

from __future__ import annotations

import asyncio
import heapq
import random
import time
from datetime import UTC, datetime
from typing import Any

from migrator.emulator.apply import Applier, Job, Rejected
from migrator.emulator.media import MediaError
from migrator.emulator.store import Store
from migrator.emulator.webhooks import Webhooks
from migrator.log import get_logger

log = get_logger("migrator.emulator.worker")
CAP_OF_KIND = {"page": "pages", "collection": "collection_items", "post": "posts"}


class Delays:
    """How long each job waits: ``fixed`` seconds, or a draw from ``spread`` (min, max).

    The draws come from their own ``random.Random`` seeded from the run's seed, so a run
    replays the same delays for the same sequence of writes, and switching the spread on
    leaves the fault injector's draws as they were.
    """

    def __init__(self, fixed: float, spread: tuple[float, float] | None, seed: int):
        self.fixed = fixed
        self.spread = spread
        self.rng = random.Random(f"apply-delay:{seed}")

    def draw(self) -> float:
        if self.spread is None:
            return self.fixed
        return self.rng.uniform(*self.spread)


class Worker:
    def __init__(self, applier: Applier, store: Store, webhooks: Webhooks, delays: Delays):
        self.applier = applier
        self.store = store
        self.webhooks = webhooks
        self.delays = delays
        self._due: list[tuple[float, int, Job]] = []  # heap: (due time, accept order, job)
        self._applying: Job | None = None
        self._accepted = 0
        self._wake = asyncio.Event()  # a job was submitted: the earliest due time may change
        self._idle = asyncio.Event()  # nothing due and nothing being applied
        self._idle.set()

    @property
    def pending(self) -> int:
        """Accepted, not yet applied or failed (waiting out the delay, or being applied)."""
        return len(self._due) + (self._applying is not None)

    def submit(self, job: Job, delay: float | None = None) -> None:
        """Queue ``job`` after a drawn delay, or ``delay`` (a job restored from a state
        file, already counted as accepted when it was first submitted)."""
        restored = delay is not None
        if delay is None:
            delay = self.delays.draw()
        self._accepted += 1
        job.seq = self._accepted
        job.ready_at = asyncio.get_running_loop().time() + delay
        job.due_at = (
            datetime.fromtimestamp(time.time() + delay, UTC).isoformat().replace("+00:00", "Z")
        )
        if job.action == "create":
            self.store.pending_creates[CAP_OF_KIND[job.kind]] += 1
        if job.action != "delete" and not restored:  # a delete was answered 204, not 202
            self.store.counters["accepted"] += 1
        heapq.heappush(self._due, (job.ready_at, job.seq, job))
        self._idle.clear()
        self._wake.set()

    def pending_jobs(self) -> list[dict[str, Any]]:
        """What ``/_emulator/state`` shows as ``pending``, the next due first."""
        now = asyncio.get_running_loop().time()
        return [
            {
                "seq": job.seq,
                "kind": job.kind,
                "action": job.action,
                "method": job.method,
                "path": job.path,
                "locale": job.locale,
                "due_at": job.due_at,
                "due_in": round(max(0.0, job.ready_at - now), 3),
                "applying": job is self._applying,
            }
            for job in self._in_order()
        ]

    def saved_jobs(self) -> list[dict[str, Any]]:
        """The accepted writes not applied yet, whole, for a state file: restored, each
        waits out what was left of its delay (``submit(job, delay)``)."""
        now = asyncio.get_running_loop().time()
        return [
            {
                "kind": job.kind,
                "action": job.action,
                "method": job.method,
                "path": job.path,
                "body": job.body,
                "locale": job.locale,
                "target": list(job.target),
                "due_in": max(0.0, job.ready_at - now),
            }
            for job in self._in_order()  # one being applied: applied again after a restore
        ]

    def _in_order(self) -> list[Job]:
        """The writes not applied yet, the one being applied first, then by when due."""
        jobs = [job for _, _, job in sorted(self._due)]
        return jobs if self._applying is None else [self._applying, *jobs]

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._wake.clear()
            if not self._due:
                await self._wake.wait()
                continue
            wait = self._due[0][0] - loop.time()
            if wait > 0:
                try:  # wake up early if a job due sooner is submitted meanwhile
                    async with asyncio.timeout(wait):
                        await self._wake.wait()
                except TimeoutError:
                    pass
                continue
            _, _, job = heapq.heappop(self._due)
            self._applying = job
            try:
                await self._apply(job)
            finally:
                if job.action == "create":
                    self.store.pending_creates[CAP_OF_KIND[job.kind]] -= 1
                self._applying = None
                if not self._due:
                    self._idle.set()

    async def _apply(self, job: Job) -> None:
        try:
            await self.applier.apply(job)
        except (Rejected, MediaError) as exc:
            reason = str(exc)
        except Exception as exc:  # a bug here must not stop the queue; it is recorded instead
            log.exception("emulator failed to apply a write", path=job.path)
            reason = f"internal emulator error: {type(exc).__name__}: {exc}"
        else:
            log.debug("write applied", kind=job.kind, action=job.action, path=job.path)
            return
        log.info("write failed in background", kind=job.kind, path=job.path, reason=reason)
        self.store.record_failure(job.kind, job.method, job.path, reason, job.body)

    async def settle(self) -> None:
        """Return once every accepted write is applied or failed (the last due one
        included) and webhooks are delivered."""
        await self._idle.wait()
        await self.webhooks.drain()
