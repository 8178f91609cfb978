"""Progress for long runs: a live bar per mapping on a terminal, a JSON log line every few
seconds otherwise.

On a terminal (stderr) a mapping's run shows two lines, redrawn four times a second::

    team_members.toml ━━━━━━━━━━━━━━━━━━━━━━━━╸━━━━━━━━━━  62%  310/~500  12.4 writes/s  ETA 0:00:15
      accepted 300 · failed 2 · in doubt 0 · throttled 14 · retries 3 · read 340/500

(updated and deleted are shown when the plan has updates or deletes.)

The total is what the plan sends (new + changed + deleted). A real run reads the export
into its spool before it sends (``run.py``), so the number of records is known first; the
writes are counted as the plan reaches them and estimated for the rest (``~500``) until
the plan has seen every record. Until the export is read the bar says ``planning…`` with
the records read so far. Log lines go above the bar (``log._Stderr``): never into it.
Throttles and retries are counted here; their lines are at debug level.

Not on a terminal, the same figures go to a ``progress`` log line (JSON when piped)
every ``MIGRATOR_PROGRESS_EVERY`` seconds (5 by default). ``enabled=False``
(``--no-progress``) makes every method return at once.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from migrator.engine.counts import RunStats
from migrator.log import get_logger

if TYPE_CHECKING:  # rich is imported only when a terminal shows the bar
    from rich.console import RenderableType
    from rich.live import Live

log = get_logger("migrator.progress")
LOG_EVERY = 5.0
REDRAW_EVERY = 0.1  # the figures are rebuilt at most this often (rich draws 4 times a second)
RATE_WINDOW = 20.0  # seconds of answers the rate (and so the ETA) is measured over


def log_every() -> float:
    """Seconds between two progress log lines (``MIGRATOR_PROGRESS_EVERY``: CI may want
    them more or less often than every 5 s)."""
    try:
        return max(0.05, float(os.environ.get("MIGRATOR_PROGRESS_EVERY", LOG_EVERY)))
    except ValueError:
        return LOG_EVERY


@dataclass(frozen=True)
class Figures:
    """One moment of a real run, as both the bar and the log line show it."""

    read: int
    expected: int | None  # records in the export (None: not known yet)
    total: int | None  # writes this run makes (None: not known yet)
    estimated: bool  # ``total`` extrapolated from the part of the export planned so far
    done: int  # writes answered (or given up)
    accepted: int
    updated: int
    deleted: int
    failed: int
    in_doubt: int
    throttled: int
    retries: int
    rate: float  # writes per second lately
    eta_s: float | None
    planned: frozenset[str] = frozenset()  # "updated", "deleted": the plan has some

    @property
    def fraction(self) -> float | None:
        if self.total is None:
            return None
        return 1.0 if self.total == 0 else min(1.0, self.done / self.total)


class ProgressView:
    def __init__(self, *, enabled: bool = True, name: str = ""):
        self.enabled = enabled
        self.name = name  # the mapping's file name, which the bar and the log lines carry
        # Records in the export, when a real run read it whole before sending.
        self.expected: int | None = None
        self._tty = enabled and sys.stderr.isatty()
        self._every = log_every()
        self._last_log = time.monotonic()
        self._last_draw = 0.0
        self._samples: deque[tuple[float, int]] = deque()
        self._live: Live | None = None
        self._bar_shown = False
        self._last: tuple[RunStats, int] | None = None
        if self._tty:
            self._start_live()

    def _start_live(self) -> None:
        from rich.console import Console
        from rich.live import Live

        # Live redirects stdout and stderr while it shows: what anything prints (the log
        # lines included) goes above the bar.
        self._live = Live(console=Console(stderr=True), refresh_per_second=4, transient=False)
        self._live.start()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The live display out of the way while the terminal asks a question."""
        live = self._live is not None
        self.close(keep=False)
        try:
            yield
        finally:
            if live:
                self._start_live()
                if self._last is not None:
                    self.update(*self._last, force=True)

    # --- the stages before sending ----------------------------------------------------

    def reading(self, records: int) -> None:
        """A real run reads its export before it sends: the records read so far."""
        if not self.enabled:
            return
        self._stage(f"planning… {records:,} records read", stage="read", read=records)

    def show_plan(self, stats: RunStats) -> None:
        """A dry run's progress: what the plan holds so far."""
        if not self.enabled:
            return
        plan = stats.plan
        line = (
            f"planning… {plan.read:,} records read · new {plan.to_send:,} · "
            f"changed {plan.changed:,} · unchanged {plan.unchanged:,} · "
            f"invalid {plan.invalid:,}"
        )
        self._stage(line, stage="plan", read=plan.read, new=plan.to_send, invalid=plan.invalid)

    def show(self, line: str, **fields: object) -> None:
        """A stage without a bar (the link index, the media check, the canary): ``line``
        on a terminal, ``fields`` in a log line every few seconds otherwise."""
        if self.enabled:
            self._stage(line, **fields)

    def _stage(self, line: str, **fields: object) -> None:
        if self._live is not None:
            if self._due_draw():
                self._live.update(self._stage_view(line))
        elif self._due_log():
            log.info("progress", mapping=self.name, **fields)

    # --- sending ----------------------------------------------------------------------

    def update(self, stats: RunStats, done: int, *, force: bool = False) -> None:
        """A real run: ``done`` writes answered (or given up) so far."""
        if not self.enabled:
            return
        self._last = (stats, done)
        now = time.monotonic()
        self._samples.append((now, done))
        while now - self._samples[0][0] > RATE_WINDOW:
            self._samples.popleft()
        if self._live is not None:
            if force or self._due_draw():
                self._live.update(self._bar_view(self.figures(stats, done)))
        elif self._due_log():
            f = self.figures(stats, done)
            log.info(
                "progress",
                mapping=self.name,
                stage="send",
                read=f.read,
                total=f.total,
                estimated=f.estimated,
                done=f.done,
                accepted=f.accepted,
                failed=f.failed,
                in_doubt=f.in_doubt,
                throttled=f.throttled,
                retries=f.retries,
                rate=round(f.rate, 2),
                eta_s=round(f.eta_s) if f.eta_s is not None else None,
            )

    def figures(self, stats: RunStats, done: int) -> Figures:
        plan, sent = stats.plan, stats.sent
        planned = plan.to_send + plan.changed + plan.to_delete
        expected = self.expected
        total: int | None = planned
        estimated = False
        if expected is not None and plan.read < expected:
            estimated = True
            total = round(planned * expected / plan.read) if plan.read else None
        if total is not None:
            total = max(total, done)  # the second pass's reference patches are writes too
        rate = self._rate()
        eta = None
        if total is not None and rate > 0:
            eta = max(0.0, total - done) / rate
        elif total is not None and done >= total:
            eta = 0.0
        return Figures(
            read=plan.read,
            expected=expected,
            total=total,
            estimated=estimated,
            done=done,
            accepted=sent.accepted,
            updated=sent.updated,
            deleted=sent.deleted,
            failed=sent.failed,
            in_doubt=sent.in_doubt + sent.unsettled,
            throttled=stats.retry.throttled,
            retries=stats.retry.retries,
            rate=rate,
            eta_s=eta,
            planned=frozenset(
                what for what, n in (("updated", plan.changed), ("deleted", plan.to_delete)) if n
            ),
        )

    def _rate(self) -> float:
        if len(self._samples) < 2:
            return 0.0
        (t0, d0), (t1, d1) = self._samples[0], self._samples[-1]
        return (d1 - d0) / (t1 - t0) if t1 - t0 >= 0.1 else 0.0

    # --- drawing ----------------------------------------------------------------------

    def _due_draw(self) -> bool:
        now = time.monotonic()
        if now - self._last_draw < REDRAW_EVERY:
            return False
        self._last_draw = now
        return True

    def _due_log(self) -> bool:
        now = time.monotonic()
        if now - self._last_log < self._every:
            return False
        self._last_log = now
        return True

    def _stage_view(self, line: str) -> RenderableType:
        from rich.table import Table

        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(no_wrap=True, overflow="ellipsis")
        grid.add_row(self.name, line)
        return grid

    def _bar_view(self, f: Figures) -> RenderableType:
        from rich.console import Group
        from rich.progress_bar import ProgressBar
        from rich.table import Table
        from rich.text import Text

        self._bar_shown = True
        fraction = f.fraction
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(ratio=1, min_width=10)
        grid.add_column(no_wrap=True)
        if f.total is None:  # the plan has not reached a record yet
            bar = ProgressBar(total=None)
            figures = f"planning… {f.read:,} records read"
        else:
            bar = ProgressBar(total=max(f.total, 1), completed=f.done if f.total else 1)
            total = f"~{f.total:,}" if f.estimated else f"{f.total:,}"
            figures = (
                f"{fraction or 0:>4.0%}  {f.done:,}/{total}  {f.rate:.1f} writes/s  "
                f"ETA {_clock(f.eta_s)}"
            )
        grid.add_row(self.name, bar, figures)
        read = f"{f.read:,}/{f.expected:,}" if f.expected is not None else f"{f.read:,}"
        # Updates and deletes only when the plan has some: the line fits 100 columns.
        shown = [("accepted", f.accepted), ("updated", f.updated), ("deleted", f.deleted)]
        shown = [(what, n) for what, n in shown if n or what == "accepted" or what in f.planned]
        shown += [
            ("failed", f.failed),
            ("in doubt", f.in_doubt),
            ("throttled", f.throttled),
            ("retries", f.retries),
        ]
        counts = "  " + " · ".join(f"{what} {n:,}" for what, n in shown) + f" · read {read}"
        return Group(grid, Text(counts, no_wrap=True, overflow="ellipsis", style="dim"))

    def close(self, *, keep: bool = True) -> None:
        """Stop the display; with ``keep``, the bar's last state stays on the screen."""
        if self._live is None:
            return
        if self._last is not None and keep:
            self._live.update(self._bar_view(self.figures(*self._last)))
        self._live.transient = not (keep and self._bar_shown)
        self._live.stop()
        self._live = None


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "-:--:--"
    s = round(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
