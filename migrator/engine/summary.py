"""The end-of-run summary: what happened, what it cost, what to do next."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from migrator.engine.counts import MediaCounts, RunStats


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
    plan, sent, retry, calls, media = stats.plan, stats.sent, stats.retry, stats.calls, stats.media
    title = "Dry run: nothing was sent" if dry_run else "Migration run"
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("what")
    table.add_column("count", justify="right")
    rows: list[tuple[str, int | str]] = [("records read", plan.read)]
    if dry_run:
        rows += [
            ("deleted: gone from the source (--prune)", plan.to_delete),
            ("pages gone from the source (cannot be deleted)", plan.pages_not_deletable),
            ("changed since last run (would be updated)", plan.changed),
            ("new (would be created)", plan.to_send),
            ("unchanged (nothing to send)", plan.unchanged),
            ("invalid", plan.invalid),
            ("earlier failures not retried", plan.skipped_failed),
            (
                "API calls this run would spend (writes + reads)",
                f"{calls.writes} + {calls.reads}",
            ),
        ]
    else:
        rows += [
            ("accepted by ButterCMS (202)", sent.accepted),
            ("  of which found already applied on read-back", sent.found_on_read_back),
            ("updated (changed since last run)", sent.updated),
            ("deleted: gone from the source (--prune)", sent.deleted),
            ("pages gone from the source (cannot be deleted)", plan.pages_not_deletable),
            ("failed", sent.failed),
            ("invalid input (not sent)", plan.invalid),
            ("unchanged (skipped, no API call)", plan.unchanged),
            ("earlier failures not retried", plan.skipped_failed),
            ("references patched in afterwards", sent.refs_patched),
            ("references still unresolved", sent.refs_unresolved),
            ("ambiguous sends settled by reading back", sent.ambiguous),
            ("left unsettled", sent.unsettled),
            ("retries / throttled answers", f"{retry.retries} / {retry.throttled}"),
            ("API calls spent (writes + reads)", f"{calls.writes} + {calls.reads}"),
        ]
    if plan.filtered:
        rows.append(("filtered out by the mapping", plan.filtered))
    rows.append(("links to the old site rewritten", plan.links_rewritten))
    rows.append(("time", f"{stats.elapsed:.1f} s"))
    for what, count in rows:
        if count or what in ("records read", "accepted by ButterCMS (202)", "time"):
            table.add_row(what, f"{count:,}" if isinstance(count, int) else count)
    console.print(table)
    if media.checked is not None:
        _print_media(media, failures_path, console)
    for note in stats.source_notes:
        console.print(f"source: {escape(note)}", highlight=False)

    if stats.failure_reasons:
        reasons = Table(title="Problems by reason", title_justify="left")
        reasons.add_column("count", justify="right")
        reasons.add_column("reason")
        for reason, n in sorted(stats.failure_reasons.items(), key=lambda kv: -kv[1])[:10]:
            reasons.add_row(f"{n:,}", escape(reason))
        console.print(reasons)

    if plan.warning_reasons:
        warned = Table(
            title="Went through, but look at these (the warnings file lists each)",
            title_justify="left",
        )
        warned.add_column("count", justify="right")
        warned.add_column("warning")
        for reason, n in sorted(plan.warning_reasons.items(), key=lambda kv: -kv[1])[:10]:
            warned.add_row(f"{n:,}", escape(reason))
        console.print(warned)
        if warnings_path is not None:
            console.print(f"Each one (record, field, URL): {escape(str(warnings_path))}")

    if stats.planned_deletes:
        deletes = Table(title="--prune would delete (gone from the source)", title_justify="left")
        deletes.add_column("record and request")
        for line in stats.planned_deletes:
            deletes.add_row(escape(line))
        if plan.to_delete > len(stats.planned_deletes):
            deletes.add_row(f"... and {plan.to_delete - len(stats.planned_deletes):,} more")
        console.print(deletes)
    if plan.prune_refused:
        console.print("[bold yellow]Nothing was pruned:[/]", escape(plan.prune_refused))
    if plan.pages_not_deletable:
        console.print(
            f"{plan.pages_not_deletable:,} page(s) are gone from the source, but ButterCMS's "
            "API cannot delete pages: they are listed in the failures file; delete them in "
            "the dashboard."
        )
    if stats.aborted:
        console.print("[bold red]Run stopped:[/]", escape(stats.aborted))
        console.print("Accepted records are kept in the ledger; run again to continue.")
    if dry_run and preview_path is not None:
        console.print(f"Every payload that would be sent: {escape(str(preview_path))}")
    if plan.invalid or sent.failed or plan.skipped_failed or sent.unsettled or sent.refs_unresolved:
        console.print(
            f"Records to fix (identity, source line, reason): {escape(str(failures_path))}\n"
            "Fix them and run again: accepted records are not sent twice."
        )
    elif not stats.aborted and not dry_run:
        console.print(
            "[green]All records are in ButterCMS's queue.[/] A 202 means accepted; "
            "Butter applies it within seconds."
        )


def _print_media(media: MediaCounts, failures_path: Path, console: Console) -> None:
    """--check-media: "media: 120 URLs checked, 2 dead (see …)", then the first few."""
    line = f"media: {media.checked:,} URLs checked in {media.seconds:.1f} s"
    line += f", {media.dead:,} dead"
    if media.dead:
        line += f" (the records using them are not sent; see {failures_path})"
    if media.suspicious:
        line += f", {media.suspicious:,} suspicious (sent anyway)"
    console.print(escape(line), highlight=False)
    for problem in media.problems:
        console.print(f"  {escape(problem)}", highlight=False)
    shown = len(media.problems)
    if media.dead + media.suspicious > shown:
        console.print(f"  ... and {media.dead + media.suspicious - shown:,} more")
