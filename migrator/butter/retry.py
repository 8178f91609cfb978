"""The one retry policy: pacing, a global pause on throttling, capped backoff with jitter,
and attempt limits per error class. Every request migrator makes goes through a
``Retrier``: creates, updates, deletes, read-backs, verify's reads, the media check.

What each error class (``migrator.butter.errors``) means here:

- ``Throttled``     every request of this retrier waits until ``Retry-After`` has passed
                    (the first one to see it pauses them all); give up after
                    ``max_throttles`` in a row for one request
- ``ServerError``   back off (capped exponential, full jitter) and try again, at most
                    ``max_attempts`` attempts in all
- ``NotSent``       the same; when the attempts run out nothing could get through, so the
                    retrier raises ``Unreachable`` (fatal: the run stops) instead of giving up
                    on one record after another
- ``Ambiguous``     an idempotent request (PATCH, DELETE, GET) is sent again like a 5xx;
                    for a create it is raised at once: only a read-back can tell
- ``Rejected``      raised at once: this record is wrong
- ``FatalError``    the run must stop (401, quota, unreachable): given to ``on_fatal``,
                    which stops the run, and ``Stopped`` is raised to the caller

Giving up raises ``GaveUp`` with a reason for people.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
import anyio.lowlevel

from migrator.butter.errors import (
    Ambiguous,
    FatalError,
    NotSent,
    RetriableError,
    Throttled,
    Unreachable,
)
from migrator.errors import ConfigError
from migrator.log import get_logger
from migrator.pacing import paced_limiter

T = TypeVar("T")
log = get_logger("migrator.retry")


class GaveUp(Exception):
    """A request could not get through within the policy's limits; ``str()`` says why,
    ``last`` is the last answer's error."""

    def __init__(self, reason: str, last: Exception):
        super().__init__(reason)
        self.last = last


class Stopped(Exception):
    """The run is stopping (bad token, quota, unreachable): already signalled to ``on_fatal``."""


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: frozen, checked when built."""

    # Requests per second, evenly spaced (Butter's own bulk guide: one every 200 ms).
    rate: float = 5.0
    # Attempts per request for 5xx, timeouts and connection errors (the first one included).
    max_attempts: int = 6
    # Throttle answers in a row tolerated for one request before it gives up.
    max_throttles: int = 20
    backoff_base: float = 0.5
    backoff_cap: float = 30.0

    def __post_init__(self) -> None:
        if not self.rate > 0:
            raise ConfigError("the request rate must be a positive number per second")
        if self.max_attempts < 1:
            raise ConfigError("--max-attempts must be at least 1")
        if self.max_throttles < 0 or self.backoff_base < 0 or self.backoff_cap < 0:
            raise ConfigError("retry limits and backoff times cannot be negative")

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1, 2, ...): capped exponential
        with full jitter, so many workers never retry in step and no wait is unbounded."""
        return random.uniform(0, min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)))


@dataclass
class RetryCounts:
    """Owned by one ``Retrier``: what the policy had to do."""

    throttled: int = 0  # throttle answers received
    retries: int = 0  # requests sent again after a 5xx, a timeout or a dropped connection


class PauseGate:
    """A global pause: the first request to see a throttle holds them all until it lifts."""

    def __init__(self) -> None:
        self._resume_at = 0.0

    def pause(self, seconds: float) -> None:
        self._resume_at = max(self._resume_at, time.monotonic() + seconds)

    async def wait(self) -> None:
        # A loop, not an Event: another throttle may push the resume time further out.
        while (delay := self._resume_at - time.monotonic()) > 0:  # noqa: ASYNC110
            await anyio.sleep(delay)


class Retrier:
    """Paced and retried requests to one service, shared by all the tasks that call it."""

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        service: str = "ButterCMS",
        on_fatal: Callable[[FatalError], None] | None = None,
        in_flight: int | None = None,
    ):
        """``in_flight``: at most this many requests out at once (None: no bound), however
        many tasks call: a pool may run more workers than requests, so that the next ones
        have done their preparing (``call``'s ``before``) when a request slot frees."""
        self.policy = policy
        self.service = service
        self.on_fatal = on_fatal
        self.counts = RetryCounts()
        self.gate = PauseGate()
        self.limiter = paced_limiter(policy.rate)
        # fast_acquire: a free slot is taken without a turn of the loop (the request
        # that follows awaits the network anyway).
        self._slots = (
            anyio.Semaphore(in_flight, fast_acquire=True) if in_flight is not None else None
        )

    async def acquire(self) -> None:
        """Wait for this request's turn: the pause, then the pace."""
        await self.gate.wait()
        await self.limiter.acquire()
        # A pause may have begun while this request waited for its turn.
        await self.gate.wait()

    async def call(
        self,
        request: Callable[[], Awaitable[T]],
        *,
        idempotent: bool = True,
        attempts: int = 0,
        context: dict[str, Any] | None = None,
        before: Callable[[], Awaitable[None]] | None = None,
    ) -> T:
        """``request()`` under the policy. ``attempts``: already spent on this request
        (a create sent again after a read-back found it absent). ``context`` is bound to
        the log lines (target, identity). ``before()`` runs before each attempt, once its
        turn came and before it waits for a request slot (a create's durable begin).

        Raises what the request raised when retrying cannot help (``Rejected``, and
        ``Ambiguous`` for a create), ``GaveUp``, and ``Stopped`` (or the ``FatalError``
        itself when there is no ``on_fatal``)."""
        try:
            return await self._call(
                request, idempotent=idempotent, attempts=attempts, context=context, before=before
            )
        except FatalError as exc:
            if self.on_fatal is None:
                raise
            self.on_fatal(exc)
            raise Stopped(str(exc)) from exc

    async def _call(
        self,
        request: Callable[[], Awaitable[T]],
        *,
        idempotent: bool,
        attempts: int,
        context: dict[str, Any] | None,
        before: Callable[[], Awaitable[None]] | None = None,
    ) -> T:
        throttles = 0
        context = context or {}  # bound to a log line only when there is one to write
        while True:
            await self.acquire()
            if before is not None:
                await before()
            try:
                if self._slots is None:
                    return await request()
                async with self._slots:
                    # Woken by a slot just freed, maybe by the answer that stopped the run:
                    # a stopped run sends nothing more (the cancellation is not delivered
                    # to a task already woken).
                    await anyio.lowlevel.checkpoint_if_cancelled()
                    return await request()
            except Throttled as exc:
                self.counts.throttled += 1
                throttles += 1
                self.gate.pause(exc.retry_after)
                # Counted on the progress display and in the summary; each one at debug.
                log.debug("throttled", retry_after=exc.retry_after, service=self.service, **context)
                if throttles > self.policy.max_throttles:
                    raise GaveUp(f"throttled {throttles} times in a row", exc) from None
            except (RetriableError, Ambiguous) as exc:
                if isinstance(exc, Ambiguous) and not idempotent:
                    raise
                attempts += 1
                if attempts >= self.policy.max_attempts:
                    if isinstance(exc, NotSent):
                        raise Unreachable(f"{self.service} is unreachable: {exc}") from None
                    raise GaveUp(f"gave up after {attempts} attempts: {exc}", exc) from None
                self.counts.retries += 1
                delay = self.policy.backoff(attempts)
                log.debug(
                    "retrying",
                    error=str(exc),
                    attempt=attempts,
                    delay=round(delay, 2),
                    **context,
                )
                await anyio.sleep(delay)
