"""The end-of-verify summary."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from migrator.config import normal_base
from migrator.consoles import make_console
from migrator.errors import (
    EXIT_CODES,
    ConfigError,
    LedgerFault,
    LedgerLocked,
    MigratorError,
    SourceError,
)
from migrator.log import redact_text
from migrator.records import JsonObject
from migrator.verify.stats import VerifyStats

# The JSON summaries' schema (docs/json-summary.md): a new version when a key is renamed
# or dropped (adding one does not).
SUMMARY_VERSION = 1

# The counters under the JSON summary's names (docs/json-summary.md, "verify").
_COUNTS = (
    "read checked verified differs missing in_doubt duplicates repaired settled_found "
    "settled_absent changed verified_before failed_before not_sent skipped errors dates_kept"
).split()


def verify_data(stats: VerifyStats, *, failures_path: Path) -> JsonObject:
    """What ``print_verify_summary`` shows, as data (`verify --json`, `run --verify --json`)."""
    counts = {name: getattr(stats, name) for name in _COUNTS}
    counts["reads"] = stats.calls_reads
    return {
        "exit_code": stats.exit_code,
        "aborted": stats.aborted,
        "duration_seconds": round(stats.elapsed, 3),
        "counts": counts,
        "failure_reasons": dict(sorted(stats.failure_reasons.items(), key=lambda kv: -kv[1])),
        "files": {"verify": str(failures_path.absolute()) if failures_path.exists() else None},
    }


def verify_summary(
    mapping: Path,
    stats: VerifyStats | None,
    *,
    exit_code: int,
    started_at: datetime,
    duration: float,
    api_base: str | None,
    failures_path: Path | None,
    error: BaseException | None = None,
    report: Path | None = None,
) -> JsonObject:
    """`migrator verify --json`: the head, the mapping, and what it found (``verify``:
    None when it did not get to reading, e.g. the ledger was in use); ``report``: its HTML
    page, when written."""
    head = summary_head(
        "verify",
        exit_code=exit_code,
        started_at=started_at,
        duration=duration,
        api_base=api_base,
        error=error,
    )
    found = None
    if stats is not None and failures_path is not None:
        found = verify_data(stats, failures_path=failures_path)
    return redacted(
        head
        | {
            "mapping": mapping.name,
            "path": str(mapping.absolute()),
            "verify": found,
            "report": str(report.absolute()) if report is not None else None,
        }
    )


def summary_head(
    command: str,
    *,
    exit_code: int,
    started_at: datetime,
    duration: float,
    api_base: str | None,
    error: BaseException | None = None,
) -> JsonObject:
    """The keys every JSON summary starts with (`run --json` and `verify --json`)."""
    word, meaning = EXIT_CODES.get(exit_code, ("error", "an unexpected error (see the log)"))
    return {
        "version": SUMMARY_VERSION,
        "command": command,
        "exit_code": exit_code,
        "outcome": word,
        "exit_meaning": meaning,
        "error": None if error is None else {"kind": error_kind(error), "message": str(error)},
        # normal_base never shows a user:password@ (and check_api_base refuses one).
        "api_base": normal_base(api_base) if api_base else None,
        "started_at": started_at.astimezone(UTC).isoformat(timespec="seconds"),
        "duration_seconds": round(duration, 3),
    }


def error_kind(error: BaseException) -> str:
    """What ended the command before its summary, in one stable word."""
    if isinstance(error, LedgerLocked):
        return "ledger_locked"  # another run (the previous one, still going) holds it
    if isinstance(error, LedgerFault):
        return "ledger_fault"
    if isinstance(error, SourceError):
        return "source"
    if isinstance(error, ConfigError):
        return "config"
    return "error" if isinstance(error, MigratorError) else "usage"


def redacted(data: JsonObject) -> JsonObject:
    """``data`` with every token-looking value replaced: a reason or a message may quote
    an answer that quoted a token."""
    clean: JsonObject = orjson.loads(redact_text(orjson.dumps(data).decode()))
    return clean


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
