"""``--check-media``: the media pass wired into a run, before planning.

Dry runs and real runs both call ``check_then_guard``: every media URL the run would send
is checked (``migrator.media``), the figures go to ``MediaCounts``, and the compiled mapping
comes back guarded, so the plan reports the records that use a dead URL as invalid (in
the failures file, not sent) and sends the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from migrator.engine.counts import MediaCounts
from migrator.engine.options import RunOptions
from migrator.engine.plan import Compiled, LedgerView, target_key
from migrator.engine.progress import ProgressView
from migrator.errors import RecordError
from migrator.mapping import Mapping, Payload
from migrator.records import Record

# migrator.media (the checker, netguard) is imported when a run checks media: most do not.
if TYPE_CHECKING:
    from migrator.media import MediaReport

# Dead and suspicious URLs kept in MediaCounts for the summary (the failures file has all).
SHOWN_MEDIA = 5


def unchanged_in(ledger: LedgerView) -> Callable[[Payload], bool]:
    """Payloads the run will not send (accepted before with this very body)."""
    return lambda payload: (
        ledger.classify(target_key(payload), payload.identity, payload.hash) == "unchanged"
    )


async def check_then_guard(
    mapping: Mapping,
    records: Iterable[Record | RecordError],
    compiled: Compiled,
    ledger: LedgerView,
    options: RunOptions,
    counts: MediaCounts,
    progress: ProgressView,
    base_url: str | None,
) -> Compiled:
    """Check the media of every payload of ``records`` (the export's, read for this)
    that would be sent to ``base_url``; return
    ``compiled`` guarded. Runs before the run is recorded in the ledger: Ctrl-C here leaves
    nothing behind."""
    from migrator.media import CheckOptions, check_media, guard

    skip = unchanged_in(ledger)
    report = await check_media(
        records,
        compiled,
        mapping.model,
        CheckOptions(
            rate=options.media_rate,
            concurrency=options.media_concurrency,
            timeout=options.media_timeout,
            policy=options.media_policy(base_url),
        ),
        skip=skip,
        on_progress=lambda r: progress.show(_progress_line(r), stage="media", checked=r.checked),
    )
    _tally(counts, report)
    return guard(
        compiled, report.reasons(), model=mapping.model, skip=skip, suspicious=report.doubts()
    )


def _tally(counts: MediaCounts, report: MediaReport) -> None:
    from migrator.media import describe

    counts.checked = report.checked
    counts.dead = len(report.dead)
    counts.refused = len(report.refused)
    counts.refused_kinds = dict(report.refused_kinds.most_common())
    counts.suspicious = len(report.suspicious)
    counts.seconds = report.elapsed
    kinds = (("dead", report.dead), ("refused", report.refused), ("suspicious", report.suspicious))
    for kind, problems in kinds:
        for problem in problems.first[:SHOWN_MEDIA]:
            counts.problems.append(
                f"{kind}: {describe(problem.url, problem.reason)} — first in {problem.first}"
            )


def _progress_line(report: MediaReport) -> str:
    rate = report.checked / report.elapsed if report.elapsed else 0.0
    return (
        f"checking media: {report.checked:,}/{report.queued:,} URLs "
        f"({len(report.dead):,} dead, {len(report.refused):,} refused, "
        f"{len(report.suspicious):,} suspicious) · "
        f"{report.records + report.skipped:,} records read · {rate:.1f} URLs/s"
    )
