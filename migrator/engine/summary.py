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
    warnings_path: Path | None = None,
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
    rows.append(("links to the old site rewritten", stats.links_rewritten))
    rows.append(("time", f"{stats.elapsed:.1f} s"))
    for what, count in rows:
        if count or what in ("records read", "accepted by ButterCMS (202)", "time"):
            table.add_row(what, f"{count:,}" if isinstance(count, int) else count)
    console.print(table)
    if stats.media_checked is not None:
        _print_media(stats, failures_path, console)

    if stats.failure_reasons:
        reasons = Table(title="Problems by reason", title_justify="left")
        reasons.add_column("count", justify="right")
        reasons.add_column("reason")
        for reason, n in sorted(stats.failure_reasons.items(), key=lambda kv: -kv[1])[:10]:
            reasons.add_row(f"{n:,}", escape(reason))
        console.print(reasons)

    if stats.warning_reasons:
        warned = Table(
            title="Went through, but look at these (the warnings file lists each)",
            title_justify="left",
        )
        warned.add_column("count", justify="right")
        warned.add_column("warning")
        for reason, n in sorted(stats.warning_reasons.items(), key=lambda kv: -kv[1])[:10]:
            warned.add_row(f"{n:,}", escape(reason))
        console.print(warned)
        if warnings_path is not None:
            console.print(f"Each one (record, field, URL): {escape(str(warnings_path))}")

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


def _print_media(stats: RunStats, failures_path: Path, console: Console) -> None:
    """--check-media: "media: 120 URLs checked, 2 dead (see …)", then the first few."""
    line = f"media: {stats.media_checked:,} URLs checked in {stats.media_seconds:.1f} s"
    line += f", {stats.media_dead:,} dead"
    if stats.media_dead:
        line += f" (the records using them are not sent; see {failures_path})"
    if stats.media_suspicious:
        line += f", {stats.media_suspicious:,} suspicious (sent anyway)"
    console.print(escape(line), highlight=False)
    for problem in stats.media_problems:
        console.print(f"  {escape(problem)}", highlight=False)
    shown = len(stats.media_problems)
    if stats.media_dead + stats.media_suspicious > shown:
        console.print(f"  ... and {stats.media_dead + stats.media_suspicious - shown:,} more")
