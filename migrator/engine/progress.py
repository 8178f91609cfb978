"""Progress for long runs: a live line on a terminal, a log line every few seconds otherwise."""

from __future__ import annotations

import sys
import time
from typing import Any

from migrator.log import get_logger

log = get_logger("migrator.progress")
LOG_EVERY = 5.0


class ProgressView:
    def __init__(self, *, enabled: bool = True):
        self.enabled = enabled
        self._tty = enabled and sys.stderr.isatty()
        self._last_log = time.monotonic()
        self._started = time.monotonic()
        self._live: Any = None
        if self._tty:
            from rich.console import Console
            from rich.live import Live

            self._live = Live(console=Console(stderr=True), refresh_per_second=4, transient=True)
            self._live.start()

    def update(self, stats: Any) -> None:
        if not self.enabled:
            return
        elapsed = time.monotonic() - self._started
        done = stats.accepted + stats.updated + stats.deleted + stats.failed
        total = stats.to_send + stats.changed + stats.to_delete
        line = (
            f"read {stats.read:,} · sent {done:,}/{total:,} "
            f"(accepted {stats.accepted:,}, failed {stats.failed:,}) · "
            f"unchanged {stats.unchanged:,} · invalid {stats.invalid:,} · "
            f"{done / elapsed if elapsed else 0:.1f} writes/s"
        )
        self.show(
            line,
            read=stats.read,
            to_send=stats.to_send,
            accepted=stats.accepted,
            failed=stats.failed,
            unchanged=stats.unchanged,
            invalid=stats.invalid,
        )

    def show(self, line: str, **fields: Any) -> None:
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
