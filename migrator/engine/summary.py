"""The end-of-run summary: what happened, what it cost, what to do next."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from migrator.engine.report import RunStats


def print_summary(
    stats: RunStats,
    *,
    dry_run: bool,
    failures_path: Path,
    preview_path: Path | None = None,
    console: Console | None = None,
) -> None:
    console = console or Console()
    title = "Dry run: nothing was sent" if dry_run else "Migration run"
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("what")
    table.add_column("count", justify="right")
    rows: list[tuple[str, int | str]] = [("records read", stats.read)]
    if dry_run:
        rows += [
            ("deleted: gone from the source (--prune)", stats.to_delete),
            ("pages gone from the source (cannot be deleted)", stats.pages_not_deletable),
            ("changed since last run (would be updated)", stats.changed),
            ("new (would be created)", stats.to_send),
            ("unchanged (nothing to send)", stats.unchanged),
            ("invalid", stats.invalid),
            ("earlier failures not retried", stats.skipped_failed),
            (
                "API calls this run would spend (writes + reads)",
                f"{stats.calls_writes} + {stats.calls_reads}",
            ),
        ]
    else:
        rows += [
            ("accepted by ButterCMS (202)", stats.accepted),
            ("  of which found already applied on read-back", stats.found_on_read_back),
            ("updated (changed since last run)", stats.updated),
            ("deleted: gone from the source (--prune)", stats.deleted),
            ("pages gone from the source (cannot be deleted)", stats.pages_not_deletable),
            ("failed", stats.failed),
            ("invalid input (not sent)", stats.invalid),
            ("unchanged (skipped, no API call)", stats.unchanged),
            ("earlier failures not retried", stats.skipped_failed),
            ("references patched in afterwards", stats.refs_patched),
            ("references still unresolved", stats.refs_unresolved),
            ("ambiguous sends settled by reading back", stats.ambiguous),
            ("left unsettled", stats.unsettled),
            ("retries / throttled answers", f"{stats.retries} / {stats.throttled}"),
            ("API calls spent (writes + reads)", f"{stats.calls_writes} + {stats.calls_reads}"),
        ]
    if stats.filtered:
        rows.append(("filtered out by the mapping", stats.filtered))
    rows.append(("time", f"{stats.elapsed:.1f} s"))
    for what, count in rows:
        if count or what in ("records read", "accepted by ButterCMS (202)", "time"):
            table.add_row(what, f"{count:,}" if isinstance(count, int) else count)
    console.print(table)

    if stats.failure_reasons:
        reasons = Table(title="Problems by reason", title_justify="left")
        reasons.add_column("count", justify="right")
        reasons.add_column("reason")
        for reason, n in sorted(stats.failure_reasons.items(), key=lambda kv: -kv[1])[:10]:
            reasons.add_row(f"{n:,}", escape(reason))
        console.print(reasons)

    if stats.planned_deletes:
        deletes = Table(title="--prune would delete (gone from the source)", title_justify="left")
        deletes.add_column("record and request")
        for line in stats.planned_deletes:
            deletes.add_row(escape(line))
        if stats.to_delete > len(stats.planned_deletes):
            deletes.add_row(f"... and {stats.to_delete - len(stats.planned_deletes):,} more")
        console.print(deletes)
    if stats.prune_refused:
        console.print("[bold yellow]Nothing was pruned:[/]", escape(stats.prune_refused))
    if stats.pages_not_deletable:
        console.print(
            f"{stats.pages_not_deletable:,} page(s) are gone from the source, but ButterCMS's "
            "API cannot delete pages: they are listed in the failures file; delete them in "
            "the dashboard."
        )
    if stats.aborted:
        console.print("[bold red]Run stopped:[/]", escape(stats.aborted))
        console.print("Accepted records are kept in the ledger; run again to continue.")
    if dry_run and preview_path is not None:
        console.print(f"Every payload that would be sent: {escape(str(preview_path))}")
    if (
        stats.invalid
        or stats.failed
        or stats.skipped_failed
        or stats.unsettled
        or stats.refs_unresolved
    ):
        console.print(
            f"Records to fix (identity, source line, reason): {escape(str(failures_path))}\n"
            "Fix them and run again: accepted records are not sent twice."
        )
    elif not stats.aborted and not dry_run:
        console.print(
            "[green]All records are in ButterCMS's queue.[/] A 202 means accepted; "
            "Butter applies it within seconds."
        )
