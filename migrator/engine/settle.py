"""Settling a doubt: was a create whose answer never came applied by ButterCMS?

Butter applies writes in a background queue, in no promised order and at no promised
time, and serves reads from a cache that can be many minutes old. So one read-back that
misses proves nothing: the write may not be applied yet, or the answer may predate it.
A miss is trusted only from an answer **generated** (now − its ``Age``) at least
``timeout`` seconds after the create was sent. Until then the record stays in doubt and is
read back again, at growing intervals, each read with a query parameter of its own (which
gets past a cache keyed by the URL, where the cache honours it):

    sent ── delay ── read ── 2×delay ── read ── 4×delay ── ... ── read at sent + timeout

- found                          → applied: accepted (a second match is a duplicate)
- a fresh enough miss            → absent: send it again
- still stale at sent + 2×timeout → left in doubt (in flight in the ledger): the next run or
                                    ``migrator verify`` settles it; nothing is sent twice

Verify judges "missing after acceptance" by the same rule.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Protocol

import anyio

from migrator.butter import ButterClient, GaveUp, ReadBack, Rejected, Retrier, Stopped
from migrator.engine.outcomes import Outcomes
from migrator.engine.plan import target_key
from migrator.ledger import LedgerEntry
from migrator.log import get_logger
from migrator.mapping import Payload

log = get_logger("migrator.settle")


class Verdict(Enum):
    FOUND = "found"
    ABSENT = "absent"
    IN_DOUBT = "in doubt"


@dataclass(frozen=True)
class Settled:
    verdict: Verdict
    read: ReadBack | None = None  # the last answer
    reads: int = 0


@dataclass(frozen=True)
class SettleWindow:
    """``delay``: the first read-back this long after the send; ``timeout``: how long
    Butter may take to apply a write and its cache to catch up."""

    delay: float
    timeout: float

    def trusted_miss(self, sent_at: float, read: ReadBack, now: float) -> bool:
        """A miss that cannot predate the write's being applied: generated late enough."""
        return now - read.age >= sent_at + self.timeout

    def next_read(self, sent_at: float, now: float, interval: float) -> float:
        """When to read next (wall clock): ``interval`` on, never past the deadline while
        it is still ahead."""
        deadline = sent_at + self.timeout
        at = now + interval
        return min(at, deadline) if now < deadline else at

    def gives_up(self, sent_at: float, now: float) -> bool:
        # Past the deadline only stale answers keep it open; a cache older than the
        # window itself is not waited for forever.
        return now >= sent_at + 2 * self.timeout


async def settle(
    read: Callable[[], Awaitable[ReadBack]],
    *,
    sent_at: float,
    window: SettleWindow,
    clock: Callable[[], float] = time.time,
) -> Settled:
    """Read back until the answer is conclusive. ``sent_at``: wall-clock time of the send."""
    interval = max(window.delay, 0.05)
    wait = sent_at + window.delay - clock()
    reads = 0
    while True:
        if wait > 0:
            await anyio.sleep(wait)
        answer = await read()
        reads += 1
        now = clock()
        if answer.item is not None:
            return Settled(Verdict.FOUND, answer, reads)
        if window.trusted_miss(sent_at, answer, now):
            return Settled(Verdict.ABSENT, answer, reads)
        if window.gives_up(sent_at, now):
            return Settled(Verdict.IN_DOUBT, answer, reads)
        wait = window.next_read(sent_at, now, interval) - now
        interval *= 2


class Resend(Protocol):
    async def __call__(self, payload: Payload, *, attempts: int) -> None: ...


class Settler:
    """The worker pool's doubts: each ambiguous create, settled by ``settle``."""

    def __init__(
        self,
        client: ButterClient,
        retrier: Retrier,
        outcomes: Outcomes,
        window: SettleWindow,
        *,
        resend: Resend,
    ):
        self.client = client
        self.retrier = retrier
        self.outcomes = outcomes
        self.window = window
        self._resend = resend  # Submitter._send(payload, attempts=1)

    async def settle(self, payload: Payload, entry: LedgerEntry | None, sent_at: float) -> None:
        """Send ``payload`` again only once Butter is known not to have it."""
        counts, target = self.outcomes.counts, target_key(payload)
        if not self.client.can_read:
            counts.unsettled += 1
            reason = (
                "ambiguous: the connection died after sending, so it may have been applied; "
                "set BUTTER_READ_TOKEN so migrator can check before sending again"
            )
            self.outcomes.write_payload(payload, reason, counted=False)
            return

        async def read() -> ReadBack:
            return await self.retrier.call(
                lambda: self.client.read_back(
                    payload.kind,
                    payload.target,
                    slug=payload.slug,
                    lookup=payload.lookup,
                    locale=payload.locale,
                    fresh=True,
                )
            )

        try:
            result = await settle(read, sent_at=sent_at, window=self.window)
        except (GaveUp, Rejected) as exc:
            counts.unsettled += 1
            self.outcomes.write_payload(payload, f"ambiguous, and reading it back failed: {exc}")
            return
        except Stopped:
            return
        bound = log.bind(target=target, identity=payload.identity, reads=result.reads)
        if result.verdict is Verdict.FOUND:
            assert result.read is not None and result.read.item is not None
            sent_hash = (entry.payload_hash if entry is not None else None) or payload.hash
            meta = result.read.item.get("meta")
            self.outcomes.ledger.mark_accepted(
                target,
                payload.identity,
                payload_hash=sent_hash,
                butter_id=meta.get("id") if isinstance(meta, dict) else None,
            )
            counts.found_on_read_back += 1
            counts.accepted += 1
            bound.info("settled: already applied")
            if result.read.matches > 1:
                self.outcomes.duplicate(payload)
        elif result.verdict is Verdict.ABSENT:
            bound.info("settled: absent, sending again")
            await self._resend(payload, attempts=1)
        else:
            counts.in_doubt += 1
            until = datetime.fromtimestamp(sent_at + 2 * self.window.timeout, UTC)
            reason = (
                "in doubt: sent, no answer, and not visible yet (Butter may still be applying "
                "it, or its read cache is older than the write); nothing was sent twice. "
                f"Run again or `migrator verify` after {until:%Y-%m-%d %H:%M} UTC to settle it"
            )
            self.outcomes.write_payload(payload, reason)
            bound.warning("in doubt: left in flight")
