"""The run report: one self-contained HTML page per run, dry run or verify, beside the
run's other reports. What each mapping did, built from its counts and the files it left.

Records are hostile (a title may be ``<script>``): the template escapes every value
(jinja2's autoescape) and redacts every one (``log.redact_text``, its ``finalize``); the
page's Content-Security-Policy allows no script and no request at all, so even a value
that got through unescaped could neither run nor call out.
"""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Mapping as MappingOf
from dataclasses import dataclass, field
from pathlib import Path

from migrator.engine import Change, MediaCounts, RunStats, summary_rows
from migrator.log import redact_text
from migrator.outputs import open_output
from migrator.report.chart import Chart, chart
from migrator.report.files import Grouped, first_lines, grouped

PREVIEW_ROWS = 100  # a dry run's first requests shown (the preview file has them all)


@dataclass
class MappingReport:
    """One mapping's part of the page. ``stats``: its run (None: a verify alone);
    ``verify``: ``VerifyStats.as_dict()`` when it was verified."""

    name: str  # the mapping file's name
    mapping_path: str
    source: str
    target: str
    stats: RunStats | None = None
    second_pass: RunStats | None = None
    dry_run: bool = False
    exit_code: int = 0
    failures_path: Path | None = None
    warnings_path: Path | None = None
    preview_path: Path | None = None
    verify: MappingOf[str, object] | None = None
    verify_path: Path | None = None


@dataclass
class Section:
    """What the template shows of one mapping (built by ``_section``)."""

    part: MappingReport
    counts: list[tuple[str, str]]
    notes: list[str]
    chart: Chart
    failures: Grouped
    warnings: Grouped
    warning_items: list[str]
    changes: list[ShownChange]
    changes_total: int
    preview: list[dict[str, str]]
    preview_total: int
    planned_deletes: list[str]
    media: list[str] | None
    verify_counts: list[tuple[str, str]]
    verify_groups: Grouped
    files: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ShownField:
    name: str
    before: list[tuple[bool, str]]  # (changed, text) runs; empty: absent
    after: list[tuple[bool, str]]
    absent_before: bool
    absent_after: bool
    clipped: bool


@dataclass
class ShownChange:
    change: Change
    fields: list[ShownField]


def write_report(
    path: Path, parts: list[MappingReport], *, kind: str, command: str | None = None
) -> Path:
    """Write the page for ``parts`` (in run order) at ``path``. ``kind``: "run", "dry run"
    or "verify"; ``command``: the command line, shown (redacted)."""
    html = render(parts, kind=kind, command=command)
    with open_output(path) as f:
        f.write(html.encode())
    return path


def render(parts: list[MappingReport], *, kind: str, command: str | None = None) -> str:
    from migrator.report.template import template

    sections = [_section(part) for part in parts]
    return template().render(
        kind=kind,
        command=command,
        written=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        sections=sections,
        exit_code=max((p.exit_code for p in parts), default=0),
    )


def _section(part: MappingReport) -> Section:
    stats = part.stats
    preview: list[dict[str, str]] = []
    preview_total = 0
    if part.dry_run:
        preview, preview_total = first_lines(part.preview_path, limit=PREVIEW_ROWS)
    files = [
        (what, str(path))
        for what, path in (
            ("failures", part.failures_path),
            ("warnings", part.warnings_path),
            ("preview", part.preview_path if part.dry_run else None),
            ("verify", part.verify_path),
        )
        if path is not None and path.is_file()
    ]
    return Section(
        part=part,
        counts=_counts(stats, dry_run=part.dry_run) if stats is not None else [],
        notes=_notes(stats, part.second_pass) if stats is not None else [],
        chart=chart(stats.timeline.samples if stats is not None else []),
        failures=grouped(part.failures_path),
        warnings=grouped(part.warnings_path),
        warning_items=_warning_items(stats) if stats is not None else [],
        changes=[_shown(c) for c in stats.changes.kept] if stats is not None else [],
        changes_total=stats.changes.total if stats is not None else 0,
        preview=preview,
        preview_total=preview_total,
        planned_deletes=list(stats.planned_deletes) if stats is not None else [],
        media=_media(stats.media)
        if stats is not None and stats.media.checked is not None
        else None,
        verify_counts=_verify_counts(part.verify) if part.verify is not None else [],
        verify_groups=grouped(part.verify_path) if part.verify is not None else Grouped(),
        files=files,
    )


def _counts(stats: RunStats, *, dry_run: bool) -> list[tuple[str, str]]:
    """The terminal summary's rows (the same words), zeros left out but for the ones a
    reader looks for; retries and throttles on rows of their own."""
    rows: list[tuple[str, int | str]] = []
    for what, n in summary_rows(stats, dry_run=dry_run):
        if what == "retries / throttled answers":
            rows += [("throttled answers", stats.retry.throttled), ("retries", stats.retry.retries)]
        else:
            rows.append((what, n))
    always = {"records read", "accepted by ButterCMS (202)", "failed", "invalid", "time"}
    return [
        (what.strip(), f"{n:,}" if isinstance(n, int) else n)
        for what, n in rows
        if (n and n != "0 + 0") or what in always
    ]


def _notes(stats: RunStats, second: RunStats | None) -> list[str]:
    """What the summary says besides the counts, one line each."""
    notes = []
    if stats.aborted:
        notes.append(f"Run stopped: {stats.aborted}")
    notes += [f"Source problem: {p}" for p in stats.source_problems]
    notes += [f"Source: {n}" for n in stats.source_notes]
    if stats.canary:
        notes.append("Canary: " + ", ".join(stats.canary))
    notes += [f"Canary problem: {p}" for p in stats.canary_problems]
    notes += [f"Post dates: {n}" for n in stats.canary_notes]
    if stats.sent.dates_refused:
        notes.append(
            f"ButterCMS refused the posts' publication date ({stats.sent.dates_refused}): "
            f"{stats.sent.sent_undated:,} post(s) sent without it"
        )
    notes += [f"Conflict: {n}" for n in stats.sent.conflict_notes]
    if stats.plan.prune_refused:
        notes.append(f"Nothing was pruned: {stats.plan.prune_refused}")
    if stats.plan.prune_objection:
        notes.append(
            f"A real run would not delete these without asking: {stats.plan.prune_objection}"
        )
    if second is not None:
        line = f"A second pass patched in {second.sent.refs_patched:,} reference(s)"
        if second.sent.failed:
            line += f", {second.sent.failed:,} failed"
        notes.append(line)
    return notes


def _warning_items(stats: RunStats) -> list[str]:
    """ "unknown shortcodes left as text: [foo] ×3, [bar] ×2"."""
    lines = []
    for what, items in stats.plan.warning_items.items():
        ranked = sorted(items.items(), key=lambda kv: (-kv[1], kv[0]))
        listed = ", ".join(f"{name} ×{n:,}" for name, n in ranked[:20])
        if len(ranked) > 20:
            listed += f" and {len(ranked) - 20:,} more"
        lines.append(f"{what}: {listed}")
    return lines


def _media(media: MediaCounts) -> list[str]:
    lines = [
        f"{media.checked:,} media URLs checked in {media.seconds:.1f} s",
        f"{media.dead:,} dead (the records using them were not sent)",
    ]
    if media.refused:
        kinds = ", ".join(f"{n:,} {kind}" for kind, n in media.refused_kinds.items())
        lines.append(
            f"{media.refused:,} refused: leading to this machine or its networks ({kinds})"
        )
    if media.suspicious:
        lines.append(f"{media.suspicious:,} suspicious: an HTML page where a file was expected")
    lines += media.problems
    return lines


VERIFY_LABELS = {
    "read": "records read from the source",
    "checked": "read back and compared",
    "verified": "verified: as sent",
    "differs": "differ from what was sent",
    "missing": "missing after acceptance",
    "in_doubt": "not visible yet (verify again later)",
    "duplicates": "held more than once (duplicates)",
    "repaired": "duplicate copies deleted (--repair)",
    "settled_found": "in flight, found applied",
    "settled_absent": "in flight, not applied",
    "changed": "changed since sent (run first)",
    "verified_before": "verified by an earlier verify (not read again)",
    "failed_before": "not as sent, found earlier (not read again)",
    "not_sent": "not sent yet, or failed before",
    "skipped": "invalid or filtered",
    "errors": "reads that did not get through",
    "dates_kept": "posts whose date Butter kept",
    "calls_reads": "API calls spent (reads)",
    "aborted": "stopped",
}


def _verify_counts(counts: MappingOf[str, object]) -> list[tuple[str, str]]:
    rows = []
    for name, value in counts.items():
        if name == "elapsed" and isinstance(value, float):
            rows.append(("time", f"{value:.1f} s"))
        elif isinstance(value, int) and not isinstance(value, bool) and name != "abort_exit":
            if value or name in ("read", "verified", "differs", "missing"):
                rows.append((VERIFY_LABELS.get(name, name.replace("_", " ")), f"{value:,}"))
        elif name == "aborted" and value:
            rows.append((VERIFY_LABELS[name], str(value)))
    return rows


# ------------------------------------------------------------------ diffs

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


def _shown(change: Change) -> ShownChange:
    fields = []
    for f in change.fields:
        before, after = _runs(f.before or "", f.after or "", cut=f.clipped)
        fields.append(
            ShownField(f.field, before, after, f.before is None, f.after is None, f.clipped)
        )
    return ShownChange(change, fields)


def _runs(
    before: str, after: str, *, cut: bool = False
) -> tuple[list[tuple[bool, str]], list[tuple[bool, str]]]:
    """Both values cut in runs of words, each marked changed or not (difflib, by word:
    a thousand characters are a few hundred tokens). ``cut``: the values end where the
    report cut them, at the same length but not the same place in the text: what differs
    in their last words is that cut, not a change, and is left out."""
    a, b = _TOKENS.findall(before), _TOKENS.findall(after)
    both_cut = cut and a[-1:] == b[-1:] == ["…"]
    if both_cut:
        a, b = a[:-1], b[:-1]
    old: list[tuple[bool, str]] = []
    new: list[tuple[bool, str]] = []
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    if both_cut:
        if len(opcodes) > 1 and opcodes[-1][0] != "equal":
            a, b = a[: opcodes[-1][1]], b[: opcodes[-1][3]]
            opcodes = opcodes[:-1]
        a.append("…")
        b.append("…")
        opcodes.append(("equal", len(a) - 1, len(a), len(b) - 1, len(b)))
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            old.append((False, "".join(a[i1:i2])))
            new.append((False, "".join(b[j1:j2])))
            continue
        if i2 > i1:
            old.append((True, "".join(a[i1:i2])))
        if j2 > j1:
            new.append((True, "".join(b[j1:j2])))
    return old, new


def redacted(value: object) -> object:
    """The template's ``finalize``: every string it prints, secrets redacted (but the
    chart, markup made here from numbers)."""
    from markupsafe import Markup

    if isinstance(value, str) and not isinstance(value, Markup):
        return redact_text(value)
    return value
