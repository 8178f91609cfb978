"""Limits and injected failures: quota, throttle, random 5xx, latency, dropped connections.

Every random choice comes from one ``random.Random(seed)``, drawn in request order, so a run
with the same seed and the same sequential requests fails the same way again.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiohttp import web

from migrator.emulator.config import Faults
from migrator.emulator.store import Store

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
QUOTA_BODY = {"detail": "API Calls limit reached."}
_5XX_BODIES = {
    500: "<h1>Server Error (500)</h1>",
    502: "<html><body><h1>502 Bad Gateway</h1></body></html>",
    503: "<html><body><h1>503 Service Unavailable</h1></body></html>",
}


class ConnectionDropped(Exception):
    """The connection was cut on purpose; ``when`` is "before" or "after" the write."""

    def __init__(self, when: str):
        super().__init__(when)
        self.when = when


def seconds_until_next_month(now: datetime | None = None) -> int:
    # Butter's quota resets monthly; its Retry-After counts down to that reset.
    now = now or datetime.now(UTC)
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    reset = datetime(year, month, 1, tzinfo=UTC)
    return max(1, math.ceil((reset - now).total_seconds()))


class FaultInjector:
    def __init__(self, faults: Faults, seed: int, store: Store):
        self.faults = faults
        self.rng = random.Random(seed)
        self.store = store
        self._recent: deque[float] = deque()

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith("/v2"):
            return await handler(request)
        f, counters = self.faults, self.store.counters
        counters["api_calls"] += 1
        if f.monthly_quota is not None and counters["api_calls"] > f.monthly_quota:
            counters["quota_exceeded"] += 1
            retry = str(seconds_until_next_month())
            return web.json_response(QUOTA_BODY, status=429, headers={"Retry-After": retry})
        if f.throttle_per_second is not None:
            throttled = self._throttle(f.throttle_per_second)
            if throttled is not None:
                return throttled
        if f.latency:
            await asyncio.sleep(f.latency)
        if f.error_rate and self.rng.random() < f.error_rate:
            status = self.rng.choice(sorted(_5XX_BODIES))
            counters["errors_injected"] += 1
            return web.Response(status=status, text=_5XX_BODIES[status], content_type="text/html")
        return await handler(request)

    def _throttle(self, per_second: int) -> web.Response | None:
        now = time.monotonic()
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        if len(self._recent) >= per_second:
            self.store.counters["throttled"] += 1
            wait = max(1, math.ceil(1.0 - (now - self._recent[0])))
            return web.json_response(
                {"detail": f"Request was throttled. Expected available in {wait} second."},
                status=429,
                headers={"Retry-After": str(wait)},
            )
        self._recent.append(now)
        return None

    def maybe_drop(self, request: web.Request, when: str) -> None:
        """Cut the connection of a write, at random, ``before`` or ``after`` it is accepted."""
        rate = self.faults.drop_before_rate if when == "before" else self.faults.drop_after_rate
        if rate and self.rng.random() < rate:
            if request.transport is not None:
                # abort(), not close(): nothing buffered may reach the client.
                request.transport.abort()
            self.store.counters[f"dropped_{when}"] += 1
            raise ConnectionDropped(when)
