"""The end-of-run summary: what happened, what it cost, what to do next."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from migrator.consoles import make_console
from migrator.engine.counts import MediaCounts, RunStats

Row = tuple[str, int | str]
# Shown even when zero: the reader looks for them.
ALWAYS = ("records read", "accepted by ButterCMS (202)", "time")


def print_summary(
    stats: RunStats,
    *,
    dry_run: bool,
    failures_path: Path,
    preview_path: Path | None = None,
    warnings_path: Path | None = None,
    console: Console | None = None,
    resume: str | None = None,
) -> None:
    """``resume``: the command that continues an interrupted run, said when it was."""
    console = console or make_console()
    title = "Dry run: nothing was sent" if dry_run else "Migration run"
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("what")
    table.add_column("count", justify="right")
    for what, count in summary_rows(stats, dry_run=dry_run):
        if count or what in ALWAYS:
            table.add_row(what, f"{count:,}" if isinstance(count, int) else count)
    console.print(table)
    if stats.media.checked is not None:
        _print_media(stats.media, failures_path, console)
    for problem in stats.source_problems:
        console.print(f"[bold red]source problem:[/] {escape(problem)}", highlight=False)
    for note in stats.source_notes:
        console.print(f"source: {escape(note)}", highlight=False)
    _print_reasons("Problems by reason", "reason", stats.failure_reasons, console)
    warned = "Went through, but look at these (the warnings file lists each)"
    if _print_reasons(warned, "warning", stats.plan.warning_reasons, console) and warnings_path:
        console.print(f"Each one (record, field, URL): {escape(str(warnings_path))}")
    _print_warning_items(stats, console)
    _print_canary(stats, dry_run, console)
    _print_dates(stats, console)
    _print_conflicts(stats, failures_path, console)
    _print_prune(stats, console)
    _print_next_steps(stats, dry_run, failures_path, preview_path, console, resume)


def summary_rows(stats: RunStats, *, dry_run: bool) -> list[Row]:
    """The summary table's rows, every one (the run report leaves out the zeros)."""
    plan, sent, retry, calls = stats.plan, stats.sent, stats.retry, stats.calls
    rows: list[Row] = [("records read", plan.read)]
    if dry_run:
        rows += [
            ("deleted: gone from the source (--prune)", plan.to_delete),
            ("pages gone from the source (cannot be deleted)", plan.pages_not_deletable),
            ("changed since last run (would be updated)", plan.changed),
            ("  of which read first: edited in ButterCMS? (1 read each)", plan.edit_checks),
            ("new (would be created)", plan.to_send),
            ("unchanged (nothing to send)", plan.unchanged),
            ("invalid", plan.invalid),
            ("earlier failures not retried", plan.skipped_failed),
            ("API calls this run would spend (writes + reads)", f"{calls.writes} + {calls.reads}"),
        ]
    else:
        rows += [
            ("accepted by ButterCMS (202)", sent.accepted),
            ("  of which found already applied on read-back", sent.found_on_read_back),
            ("updated (changed since last run)", sent.updated),
            ("edited in ButterCMS since sent: not updated (conflicts)", sent.conflicts),
            ("deleted in ButterCMS since sent: not created again", sent.gone_in_butter),
            ("changed, not updated: could not check for edits", sent.not_checked),
            ("  updated around edits outside update_fields (kept)", sent.edits_kept),
            ("  updated without an edit check (sent by an older migrator)", sent.unchecked),
            ("deleted: gone from the source (--prune)", sent.deleted),
            ("pages gone from the source (cannot be deleted)", plan.pages_not_deletable),
            ("failed", sent.failed),
            ("invalid input (not sent)", plan.invalid),
            ("unchanged (skipped, no API call)", plan.unchanged),
            ("earlier failures not retried", plan.skipped_failed),
            ("references patched in afterwards", sent.refs_patched),
            ("references still unresolved", sent.refs_unresolved),
            ("ambiguous sends settled by reading back", sent.ambiguous),
            ("left unsettled (could not read back)", sent.unsettled),
            ("in doubt: sent, no answer, not visible yet", sent.in_doubt),
            ("duplicates found in ButterCMS", sent.duplicates),
            ("retries / throttled answers", f"{retry.retries} / {retry.throttled}"),
            ("API calls spent (writes + reads)", f"{calls.writes} + {calls.reads}"),
        ]
    if plan.filtered:
        rows.append(("filtered out by the mapping", plan.filtered))
    rows.append(("links to the old site rewritten", plan.links_rewritten))
    rows.append(("time", f"{stats.elapsed:.1f} s"))
    return rows


def _print_reasons(title: str, column: str, reasons: dict[str, int], console: Console) -> bool:
    """The ten commonest reasons, most first; False when there are none."""
    if not reasons:
        return False
    table = Table(title=title, title_justify="left")
    table.add_column("count", justify="right")
    table.add_column(column)
    for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1])[:10]:
        table.add_row(f"{n:,}", escape(reason))
    console.print(table)
    return True


def _print_warning_items(stats: RunStats, console: Console) -> None:
    """Totals of what warnings counted: "5 unknown shortcodes left as text in 2 records:
    [foo] ×3, [bar] ×2 (see the warnings file)"."""
    for what, items in stats.plan.warning_items.items():
        records = stats.plan.warning_reasons.get(what, 0)
        ranked = sorted(items.items(), key=lambda kv: (-kv[1], kv[0]))
        listed = ", ".join(f"{name} ×{n:,}" for name, n in ranked[:10])
        if len(ranked) > 10:
            listed += f" and {len(ranked) - 10:,} more"
        console.print(
            f"{sum(items.values()):,} {escape(what)} in {records:,} "
            f"record{'s' if records != 1 else ''}: {escape(listed)} (see the warnings file)",
            highlight=False,
        )


def _print_canary(stats: RunStats, dry_run: bool, console: Console) -> None:
    if not stats.canary:
        return
    what = "will be the canary" if dry_run else "were the canary"
    console.print(f"{len(stats.canary)} record(s) {what}: " + escape(", ".join(stats.canary)))
    if stats.canary_problems:
        console.print("[bold red]The canary failed, so nothing else was sent:[/]")
        for problem in stats.canary_problems[:10]:
            console.print(f"  {escape(problem)}", highlight=False)
        console.print(
            "Fix the mapping (or the media host, the locale...), then `migrator run "
            "--retry-failed`: the canary records are sent again, the rest for the first time."
        )


def _print_dates(stats: RunStats, console: Console) -> None:
    """What Butter did with the posts' ``published``, said once for the run."""
    sent = stats.sent
    if sent.dates_refused:
        console.print(
            "[bold yellow]ButterCMS refused the posts' publication date[/] "
            f"({escape(sent.dates_refused)}): {sent.sent_undated:,} post(s) were sent without "
            "it, so Butter dates each one itself. Mark the date `required = true` in the "
            "mapping to stop instead.",
            highlight=False,
        )
    for note in stats.canary_notes:
        console.print(f"[bold yellow]Post dates:[/] {escape(note)}", highlight=False)


def _print_conflicts(stats: RunStats, failures_path: Path, console: Console) -> None:
    sent = stats.sent
    total = sent.conflicts + sent.gone_in_butter + sent.not_checked
    if not total:
        return
    console.print(
        f"[bold yellow]Not updated, to keep what ButterCMS holds: {total:,}[/] (record, "
        "source: the fields edited there, or why)"
    )
    for note in sent.conflict_notes:
        console.print(f"  {escape(note)}", highlight=False, soft_wrap=True)
    if total > len(sent.conflict_notes):
        console.print(f"  ... and {total - len(sent.conflict_notes):,} more")
    console.print(
        escape(
            'Their edits are kept (each is in the failures file, stage "conflict": '
            f"{failures_path}). To replace them with the export's values: "
            "`migrator run --overwrite-edits`; to let editors own some fields for good: "
            "[target] update_fields = [...] in the mapping (only those are updated)."
        ),
        highlight=False,
    )


def _print_prune(stats: RunStats, console: Console) -> None:
    plan = stats.plan
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
    if plan.prune_objection:
        console.print(
            "[bold yellow]A real run would not delete these without asking:[/]",
            escape(plan.prune_objection),
        )
    if plan.pages_not_deletable:
        console.print(
            f"{plan.pages_not_deletable:,} page(s) are gone from the source, but ButterCMS's "
            "API cannot delete pages: they are listed in the failures file; delete them in "
            "the dashboard."
        )


def _print_next_steps(
    stats: RunStats,
    dry_run: bool,
    failures_path: Path,
    preview_path: Path | None,
    console: Console,
    resume: str | None = None,
) -> None:
    plan, sent = stats.plan, stats.sent
    if stats.aborted:
        console.print("[bold red]Run stopped:[/]", escape(stats.aborted))
        if stats.interrupted and resume:
            console.print(
                "Accepted records are kept in the ledger. To continue where it stopped: "
                f"[bold]{escape(resume)}[/]",
                highlight=False,
                soft_wrap=True,
            )
        else:
            console.print("Accepted records are kept in the ledger; run again to continue.")
    if dry_run and preview_path is not None:
        console.print(f"Every payload that would be sent: {escape(str(preview_path))}")
    if sent.in_doubt:
        console.print(
            f"[bold yellow]{sent.in_doubt:,} record(s) in doubt:[/] sent, but ButterCMS never "
            "answered and they are not visible yet. Nothing was sent twice; run again (or "
            "`migrator verify`) later to settle them: the failures file says when."
        )
    any_failed = bool(
        plan.invalid
        or sent.failed
        or plan.skipped_failed
        or sent.unsettled
        or sent.in_doubt
        or sent.duplicates
        or sent.refs_unresolved
        or sent.conflicts
        or sent.gone_in_butter
        or sent.not_checked
    )
    if any_failed:
        console.print(
            f"Records to fix (identity, source line, reason): {escape(str(failures_path))}\n"
            "Fix them and run again: accepted records are not sent twice."
        )
    if stats.source_problems:
        console.print(
            "[bold red]The export could not be read whole[/] (the source problems above): "
            "records may be missing from this run. Fix the file or export it again, then "
            "run again: accepted records are not sent twice."
        )
    elif not plan.read and not stats.aborted:
        console.print("[bold yellow]No records were read from the export:[/] nothing was sent.")
    elif not stats.aborted and not dry_run and not any_failed:
        console.print(
            "[green]All records are in ButterCMS's queue.[/] A 202 means accepted; "
            "Butter applies it within seconds."
        )


def _print_media(media: MediaCounts, failures_path: Path, console: Console) -> None:
    """--check-media: "media: 120 URLs checked, 2 dead (see …)", then the first few."""
    line = f"media: {media.checked:,} URLs checked in {media.seconds:.1f} s"
    line += f", {media.dead:,} dead"
    if media.refused:
        line += f", {media.refused:,} refused"
    if media.dead or media.refused:
        line += f" (the records using them are not sent; see {failures_path})"
    if media.suspicious:
        line += f", {media.suspicious:,} suspicious (sent anyway)"
    console.print(escape(line), highlight=False)
    if media.refused:
        kinds = ", ".join(f"{n:,} {kind}" for kind, n in media.refused_kinds.items())
        console.print(
            escape(
                f"  refused, not asked: URLs leading to this machine or its networks ({kinds}). "
                "Butter cannot fetch them either. To ask them anyway: --allow-private-media "
                "(all but cloud metadata), or --allow-media-host HOST|CIDR; a run against "
                "the local emulator allows them."
            ),
            highlight=False,
        )
    for problem in media.problems:
        console.print(f"  {escape(problem)}", highlight=False)
    shown = len(media.problems)
    problems = media.dead + media.refused + media.suspicious
    if problems > shown:
        console.print(f"  ... and {problems - shown:,} more")
