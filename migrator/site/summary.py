"""A whole run as one JSON object (`migrator run --json`, the final ``summary`` log
event): per mapping what ``print_summary`` shows, the exit code and its meaning, the
report files. The schema is docs/json-summary.md; its ``version``
(``verify.SUMMARY_VERSION``) changes when a key is renamed or dropped, not when one is added.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from migrator.engine import RunStats, run_counts, summary_data
from migrator.records import JsonObject
from migrator.site.runner import Job
from migrator.verify import redacted, summary_head, verify_data

# The site's canary outcome is the first of its mappings' outcomes in this order.
_CANARY_ORDER = ("failed", "unchecked", "passed", "planned", "none", "off")


def site_summary(
    jobs: Sequence[Job],
    *,
    exit_code: int,
    dry_run: bool,
    started_at: datetime,
    duration: float,
    api_base: str | None = None,
    error: BaseException | None = None,
    command: str = "run",
    report: Path | None = None,
) -> JsonObject:
    """The summary of ``jobs`` (those not run yet too); ``error``: what ended the command
    early (the ledger locked by another run, a configuration error), if anything."""
    mappings = [_job(job) for job in jobs]
    ran = [m for m in mappings if m["ran"]]
    totals = dict.fromkeys(run_counts(RunStats()), 0)  # every key, also when nothing ran
    reasons: dict[str, int] = {}
    for entry in ran:
        for name, n in entry["counts"].items():
            totals[name] += n
        for reason, n in entry["failure_reasons"].items():
            reasons[reason] = reasons.get(reason, 0) + n
    outcomes = [m["canary"]["outcome"] for m in ran]
    head = summary_head(
        command,
        exit_code=exit_code,
        started_at=started_at,
        duration=duration,
        api_base=api_base,
        error=error,
    )
    data: JsonObject = head | {
        "dry_run": dry_run,
        "aborted": next((m["aborted"] for m in ran if m["aborted"]), None),
        "totals": totals,
        "failure_reasons": dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        "prune": {
            "enabled": any(job.options.prune for job in jobs),
            "planned": sum(m["prune"]["planned"] for m in ran),
            "deleted": totals["deleted"],
            "refused": [
                f"{m['mapping']}: {m['prune']['refused']}" for m in ran if m["prune"]["refused"]
            ],
        },
        "canary": {"outcome": next((o for o in _CANARY_ORDER if o in outcomes), "off")},
        "report": str(report.absolute()) if report is not None else None,
        "mappings": mappings,
    }
    return redacted(data)


def _job(job: Job) -> JsonObject:
    head: JsonObject = {
        "mapping": job.name,
        "path": str(job.mapping.path.absolute()),
        "source": str(job.source.absolute()),
        "ran": job.stats is not None,
    }
    if job.stats is None:  # an earlier mapping stopped the site, or the command failed
        return head | {"exit_code": None}
    entry = head | summary_data(job.stats, job.options)
    entry["exit_code"] = job.exit_code  # the second pass and verify count too
    second = job.second_pass
    entry["second_pass"] = (
        None
        if second is None
        else {
            "exit_code": second.exit_code,
            "aborted": second.aborted,
            "counts": run_counts(second),
        }
    )
    entry["verify"] = (
        None if job.verified is None else verify_data(job.verified, failures_path=job.verified_path)
    )
    return entry
