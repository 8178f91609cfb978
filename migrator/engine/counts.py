"""What a run counted, one owner per part: the plan, the sends, the retry policy, the
media check and the API client each write their own counters, and ``RunStats`` only
holds them together for the summary, the ledger's run row and the exit code."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from migrator.butter import CallCounter, RetryCounts
from migrator.engine.report import ReasonCounts
from migrator.engine.trace import Changes, Timeline
from migrator.records import JsonObject


@dataclass
class PlanCounts:
    """Written by the pipeline while it plans (``pipeline.py``)."""

    read: int = 0
    filtered: int = 0
    invalid: int = 0
    unchanged: int = 0
    changed: int = 0  # changed since the last run: to update
    skipped_failed: int = 0
    to_send: int = 0  # new: to create
    edit_checks: int = 0  # changed records to read first: edited in Butter since sent?
    # --prune
    to_delete: int = 0
    pages_not_deletable: int = 0  # gone from the source; the API cannot delete pages
    prune_refused: str | None = None
    # A dry run: why a real run would not delete these without --max-delete or --yes.
    prune_objection: str | None = None
    # link rewriting and inline images: the records went through; people should look
    links_rewritten: int = 0
    # reason → count (``report.tally``): plain dicts, so the stats serialise as they are
    warning_reasons: dict[str, int] = field(default_factory=dict)
    # reason → what its notes counted (``Note.items``): {"[foo]": 3} for unknown shortcodes
    warning_items: dict[str, dict[str, int]] = field(default_factory=dict)
    failure_reasons: dict[str, int] = field(default_factory=ReasonCounts)  # invalid input


@dataclass
class SendCounts:
    """Written by the worker pool (``submit.py``) as answers arrive."""

    accepted: int = 0  # creates answered 202
    updated: int = 0  # updates (PATCH) answered 202
    deleted: int = 0  # DELETE answered 204 (or 404: already gone)
    failed: int = 0
    refs_pending: int = 0  # records written without a reference not found yet
    refs_patched: int = 0
    refs_unresolved: int = 0
    ambiguous: int = 0
    found_on_read_back: int = 0
    unsettled: int = 0  # could not be read back (no read token, reads failing)
    in_doubt: int = 0  # read back until the window closed, never conclusively: in flight
    duplicates: int = 0  # found twice in Butter (collection items sharing the lookup)
    # Butter's 400 to a post's `published` (the first one), and the posts sent without it.
    dates_refused: str | None = None
    sent_undated: int = 0
    # Edits made in Butter (``edits.py``): records not updated because a field migrator
    # owns was edited there; deleted there (not created again); not updated because they
    # could not be checked (a cached read, no read token); updated around edits in fields
    # not migrator's (``update_fields``); updated without a check (sent before the ledger
    # kept bodies).
    conflicts: int = 0
    gone_in_butter: int = 0
    not_checked: int = 0
    edits_kept: int = 0
    unchecked: int = 0
    conflict_notes: list[str] = field(default_factory=list)  # the first few, for the summary
    failure_reasons: dict[str, int] = field(default_factory=ReasonCounts)


@dataclass
class MediaCounts:
    """Written by ``--check-media`` (``media_check.py``); ``checked`` None: not checked."""

    checked: int | None = None  # distinct media URLs checked
    dead: int = 0  # the records using them count as invalid
    refused: int = 0  # leading to this machine or its networks: not asked, records invalid
    refused_kinds: dict[str, int] = field(default_factory=dict)  # kind of address → URLs
    suspicious: int = 0  # an HTML page where a file was expected: sent anyway
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)  # the first few, for the summary


@dataclass
class RunStats:
    plan: PlanCounts = field(default_factory=PlanCounts)
    sent: SendCounts = field(default_factory=SendCounts)
    retry: RetryCounts = field(default_factory=RetryCounts)
    media: MediaCounts = field(default_factory=MediaCounts)
    # Spent by the client (a real run), or what the run would spend (a dry run).
    calls: CallCounter = field(default_factory=CallCounter)
    # The canary's records ("identity (file:line)"), and what was wrong with them.
    canary: list[str] = field(default_factory=list)
    canary_problems: list[str] = field(default_factory=list)
    canary_checked: bool = False  # read back and compared (a stopped run may not get there)
    # What the canary found that stops nothing (Butter kept its own post dates), once.
    canary_notes: list[str] = field(default_factory=list)
    # A dry run's --prune: the first deletions it would send (the preview file has all).
    planned_deletes: list[str] = field(default_factory=list)
    # What the source noticed about the file (an encoding guessed, types skipped).
    source_notes: list[str] = field(default_factory=list)
    # What the source found that may have lost records (``SourceStats.problems``): exit 1.
    source_problems: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    aborted: str | None = None
    abort_exit: int = 3  # the exit code of what stopped it (2: a configuration error)
    # For the run report (``trace.py``), not counts: left out of ``as_dict``.
    timeline: Timeline = field(default_factory=Timeline, compare=False, repr=False)
    changes: Changes = field(default_factory=Changes, compare=False, repr=False)

    @property
    def failure_reasons(self) -> dict[str, int]:
        """Problems by reason, input and API together."""
        merged = dict(self.plan.failure_reasons)
        for reason, n in self.sent.failure_reasons.items():
            merged[reason] = merged.get(reason, 0) + n
        return merged

    @property
    def interrupted(self) -> bool:
        return (self.aborted or "").startswith("interrupted")

    def as_dict(self) -> JsonObject:
        counts = asdict(self)
        del counts["timeline"], counts["changes"]
        return counts

    @property
    def exit_code(self) -> int:
        """0 all accepted, 1 some records need attention (or the export could not be read
        whole), 2 stopped by a configuration
        error (a lookup Butter refuses), 3 stopped (bad token, quota), 130 interrupted."""
        if self.interrupted:
            return 130
        if self.aborted:
            return self.abort_exit
        plan, sent = self.plan, self.sent
        if (
            plan.invalid
            or sent.failed
            or sent.unsettled
            or sent.in_doubt
            or sent.duplicates
            or sent.conflicts
            or sent.gone_in_butter
            or sent.not_checked
            or plan.skipped_failed
            or sent.refs_unresolved
            or plan.prune_refused
            or self.source_problems
        ):
            return 1
        return 0
