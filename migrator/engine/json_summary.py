"""The end-of-run summary as data: what ``print_summary`` shows a person, for a program
(`migrator run --json`, the final ``summary`` log event). Its keys are a published
schema (docs/json-summary.md): add keys freely, rename or drop one only with a new
``version`` of the whole summary.
"""

from __future__ import annotations

from pathlib import Path

from migrator.engine.counts import RunStats
from migrator.engine.options import RunOptions
from migrator.records import JsonObject


def run_counts(stats: RunStats) -> dict[str, int]:
    """One mapping's counters under the schema's names (a dry run's new and changed are
    what would be sent; its accepted, updated and deleted stay 0)."""
    plan, sent = stats.plan, stats.sent
    return {
        "read": plan.read,
        "new": plan.to_send,
        "changed": plan.changed,
        "unchanged": plan.unchanged,
        "invalid": plan.invalid,
        "filtered": plan.filtered,
        "skipped": plan.skipped_failed,
        "accepted": sent.accepted,
        "updated": sent.updated,
        "deleted": sent.deleted,
        "failed": sent.failed,
        "in_doubt": sent.in_doubt,
        "unsettled": sent.unsettled,
        "conflicts": sent.conflicts,
        "gone_in_butter": sent.gone_in_butter,
        "not_checked": sent.not_checked,
        "duplicates": sent.duplicates,
        "found_on_read_back": sent.found_on_read_back,
        "refs_patched": sent.refs_patched,
        "refs_unresolved": sent.refs_unresolved,
        "pages_not_deletable": plan.pages_not_deletable,
        "links_rewritten": plan.links_rewritten,
        "retries": stats.retry.retries,
        "throttled": stats.retry.throttled,
        "writes": stats.calls.writes,
        "reads": stats.calls.reads,
    }


def summary_data(stats: RunStats, options: RunOptions) -> JsonObject:
    """One mapping's run (or dry run) as the JSON summary's ``mappings[]`` entry, less what
    the site adds (the mapping's name, its source, the second pass, verify)."""
    plan = stats.plan
    return {
        "exit_code": stats.exit_code,
        "aborted": stats.aborted,
        "interrupted": stats.interrupted,
        "duration_seconds": round(stats.elapsed, 3),
        "counts": run_counts(stats),
        "failure_reasons": _ranked(stats.failure_reasons),
        "warning_reasons": _ranked(plan.warning_reasons),
        "source_problems": list(stats.source_problems),
        "prune": {
            "enabled": options.prune,
            "planned": plan.to_delete,
            "deleted": stats.sent.deleted,
            "pages_not_deletable": plan.pages_not_deletable,
            # Why nothing was deleted (the guard, or a run that stopped): exit 1.
            "refused": plan.prune_refused,
            # A dry run: why a real run would refuse.
            "objection": plan.prune_objection,
        },
        "canary": {
            "size": options.canary,
            "records": list(stats.canary),
            "outcome": _canary_outcome(stats, options),
            "problems": list(stats.canary_problems),
            "notes": list(stats.canary_notes),
        },
        "media": _media(stats),
        "files": {
            "ledger": _path(options.ledger_path, always=True),
            "failures": _path(options.failures_path),
            "warnings": _path(options.warnings_path),
            "preview": _path(options.preview_path) if options.dry_run else None,
        },
    }


def _ranked(reasons: dict[str, int]) -> dict[str, int]:
    """Most frequent first, as the printed table ranks them (JSON keeps key order)."""
    return dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))


def _canary_outcome(stats: RunStats, options: RunOptions) -> str:
    if stats.canary_problems:
        return "failed"
    if not stats.canary:
        # None asked for, or nothing new or changed to send first.
        return "off" if not options.canary else "none"
    if options.dry_run:
        return "planned"
    # Sent, but the run stopped before they were read back.
    return "passed" if stats.canary_checked else "unchecked"


def _media(stats: RunStats) -> JsonObject | None:
    media = stats.media
    if media.checked is None:
        return None
    return {
        "checked": media.checked,
        "dead": media.dead,
        "refused": media.refused,
        "suspicious": media.suspicious,
        "seconds": round(media.seconds, 3),
    }


def _path(path: Path, *, always: bool = False) -> str | None:
    """Absolute (a scheduler's working folder is not the reader's); None when the run
    did not get as far as writing it."""
    return str(path.absolute()) if always or path.exists() else None
