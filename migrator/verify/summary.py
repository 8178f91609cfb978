"""The end-of-verify summary."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from migrator.consoles import make_console
from migrator.verify.stats import VerifyStats


def print_verify_summary(
    stats: VerifyStats, *, failures_path: Path, console: Console | None = None
) -> None:
    console = console or make_console()
    table = Table(title="Verification (Read API)", show_header=False, title_justify="left")
    table.add_column("what")
    table.add_column("count", justify="right")
    rows: list[tuple[str, int | str]] = [
        ("records read from the source", stats.read),
        ("read back and compared", stats.checked),
        ("verified: as sent", stats.verified),
        ("differ from what was sent", stats.differs),
        ("missing after acceptance", stats.missing),
        ("not visible yet (in doubt: verify again later)", stats.in_doubt),
        ("held more than once (duplicates)", stats.duplicates),
        ("duplicate copies deleted (--repair)", stats.repaired),
        ("in flight, found applied", stats.settled_found),
        ("in flight, not applied (the next run sends them)", stats.settled_absent),
        ("changed since sent (run first)", stats.changed),
        ("verified by an earlier verify (not read again; --recheck does)", stats.verified_before),
        ("not as sent, found earlier (not read again)", stats.failed_before),
        ("not sent yet, or failed before (nothing to verify)", stats.not_sent),
        ("reads that did not get through", stats.errors),
        ("API calls spent (reads)", stats.calls_reads),
        ("time", f"{stats.elapsed:.1f} s"),
    ]
    for what, count in rows:
        if count or what in ("records read from the source", "verified: as sent", "time"):
            table.add_row(what, f"{count:,}" if isinstance(count, int) else count)
    console.print(table)
    if stats.failure_reasons:
        reasons = Table(title="Problems by reason", title_justify="left")
        reasons.add_column("count", justify="right")
        reasons.add_column("reason")
        for reason, n in sorted(stats.failure_reasons.items(), key=lambda kv: -kv[1])[:10]:
            reasons.add_row(f"{n:,}", escape(reason))
        console.print(reasons)
    if stats.aborted:
        console.print("[bold red]Verification stopped:[/]", escape(stats.aborted))
    if stats.dates_kept:
        console.print(
            f"[bold yellow]Butter kept its own publication dates for {stats.dates_kept:,} "
            "post(s)[/] (it ignored or refused `published`): they are verified otherwise, "
            "the dates cannot be set through this account's Write API. Each one is a "
            f"warning line in {escape(str(failures_path))}.",
            highlight=False,
        )
    if stats.changed:
        console.print(
            f"{stats.changed:,} record(s) map to something else than the run sent: the export "
            "or the mapping changed since (run first), or a --var differs from the run's."
        )
    if stats.in_doubt:
        console.print(
            f"{stats.in_doubt:,} record(s) are not visible yet: Butter may still be applying "
            "them, or its read cache is older than the writes. Verify again later."
        )
    if stats.differs or stats.missing or stats.errors or stats.failed_before:
        console.print(
            f"Records not as sent (identity, source line, what differs): "
            f"{escape(str(failures_path))}\n"
            "`migrator run --retry-failed` sends them again (an update where Butter has them)."
        )
    elif not stats.aborted:
        but = ", but for the post dates above" if stats.dates_kept else ""
        console.print(f"[green]Every record checked is in ButterCMS as sent{but}.[/]")
