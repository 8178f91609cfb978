"""Progress for long runs: a live line on a terminal, a log line every few seconds otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from migrator.engine.counts import RunStats
from migrator.log import get_logger

if TYPE_CHECKING:  # rich.live is imported only when a terminal shows it
    from rich.live import Live

log = get_logger("migrator.progress")
LOG_EVERY = 5.0


class ProgressView:
    def __init__(self, *, enabled: bool = True):
        self.enabled = enabled
        self._tty = enabled and sys.stderr.isatty()
        self._last_log = time.monotonic()
        self._started = time.monotonic()
        self._live: Live | None = None
        if self._tty:
            self._start_live()

    def _start_live(self) -> None:
        from rich.console import Console
        from rich.live import Live

        self._live = Live(console=Console(stderr=True), refresh_per_second=4, transient=True)
        self._live.start()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The live line out of the way while the terminal asks a question."""
        live = self._live is not None
        self.close()
        try:
            yield
        finally:
            if live:
                self._start_live()

    def update(self, stats: RunStats) -> None:
        if not self.enabled:
            return
        plan, sent = stats.plan, stats.sent
        elapsed = time.monotonic() - self._started
        done = sent.accepted + sent.updated + sent.deleted + sent.failed
        total = plan.to_send + plan.changed + plan.to_delete
        line = (
            f"read {plan.read:,} · sent {done:,}/{total:,} "
            f"(accepted {sent.accepted:,}, failed {sent.failed:,}) · "
            f"unchanged {plan.unchanged:,} · invalid {plan.invalid:,} · "
            f"{done / elapsed if elapsed else 0:.1f} writes/s"
        )
        self.show(
            line,
            read=plan.read,
            to_send=plan.to_send,
            accepted=sent.accepted,
            failed=sent.failed,
            unchanged=plan.unchanged,
            invalid=plan.invalid,
        )

    def show_plan(self, stats: RunStats) -> None:
        """A dry run's progress: what the plan holds so far."""
        plan = stats.plan
        line = (
            f"planning: read {plan.read:,} · new {plan.to_send:,} · changed {plan.changed:,} · "
            f"unchanged {plan.unchanged:,} · invalid {plan.invalid:,}"
        )
        self.show(line, stage="plan", read=plan.read, new=plan.to_send, invalid=plan.invalid)

    def show(self, line: str, **fields: object) -> None:
        """``line`` live on a terminal; otherwise ``fields`` in a log line every few seconds."""
        if not self.enabled:
            return
        if self._live is not None:
            self._live.update(line)
        elif time.monotonic() - self._last_log >= LOG_EVERY:
            self._last_log = time.monotonic()
            log.info("progress", **fields)

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
