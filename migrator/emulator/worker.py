"""The background queue: accepted writes wait ``delay`` seconds, then are applied in order.

One worker, first in first out, as a single account's queue at Butter appears to behave;
``settle()`` is how tests (and the demo) wait for "content typically appears within seconds".
"""

from __future__ import annotations

import asyncio

from migrator.emulator.apply import Applier, Job, Rejected
from migrator.emulator.media import MediaError
from migrator.emulator.store import Store
from migrator.emulator.webhooks import Webhooks
from migrator.log import get_logger

log = get_logger("migrator.emulator.worker")
CAP_OF_KIND = {"page": "pages", "collection": "collection_items", "post": "posts"}


class Worker:
    def __init__(self, applier: Applier, store: Store, webhooks: Webhooks, delay: float):
        self.applier = applier
        self.store = store
        self.webhooks = webhooks
        self.delay = delay
        self.queue: asyncio.Queue[Job] = asyncio.Queue()
        self.pending = 0  # accepted, not yet applied or failed (queued or waiting out the delay)

    def submit(self, job: Job) -> None:
        job.ready_at = asyncio.get_running_loop().time() + self.delay
        if job.action == "create":
            self.store.pending_creates[CAP_OF_KIND[job.kind]] += 1
        self.store.counters["accepted"] += 1
        self.pending += 1
        self.queue.put_nowait(job)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            job = await self.queue.get()
            try:
                wait = job.ready_at - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                await self._apply(job)
            finally:
                if job.action == "create":
                    self.store.pending_creates[CAP_OF_KIND[job.kind]] -= 1
                self.pending -= 1
                self.queue.task_done()

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
        """Return once every accepted write is applied or failed and webhooks are delivered."""
        await self.queue.join()
        await self.webhooks.drain()
