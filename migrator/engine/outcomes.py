"""What the pool's answers mean for the ledger and the failures file.

The worker pool (``submit.py``) decides what happened to a record; this writes it down:
the ledger row, a line in ``<mapping>.failures.jsonl`` naming the record, its source line
and the reason, and the counts the summary shows.
"""

from __future__ import annotations

from migrator.engine.counts import SendCounts
from migrator.engine.plan import target_key
from migrator.engine.report import JsonlWriter, failure_line, tally
from migrator.ledger import Ledger, LedgerEntry
from migrator.log import get_logger, redact_text
from migrator.mapping import Payload

log = get_logger("migrator.submit")


class Outcomes:
    def __init__(self, ledger: Ledger, counts: SendCounts, failures: JsonlWriter):
        self.ledger = ledger
        self.counts = counts
        self.failures = failures

    def unsend(self, payload: Payload) -> None:
        """Nothing was applied: the record goes back to planned for the next run."""
        self.ledger.plan(
            target_key(payload),
            payload.identity,
            payload_hash=payload.hash,
            slug=payload.slug,
            lookup=payload.lookup,
            source=str(payload.source),
        )

    def duplicate(self, payload: Payload) -> None:
        """Butter holds this record twice (an earlier ambiguous create was applied late)."""
        self.counts.duplicates += 1
        field, value = payload.lookup or ("?", "?")
        self.write_payload(
            payload,
            f"duplicate: several {payload.target} items have {field} = {value!r}; "
            "`migrator verify --repair` deletes the extra copies migrator made",
        )

    def write(
        self,
        reason: str,
        *,
        stage: str,
        identity: str,
        source: str | None,
        target: str,
        counted: bool = True,
        fields: list[str] | None = None,
    ) -> None:
        """One line in the failures file; ``counted``: in "problems by reason";
        ``fields``: the fields concerned (a conflict's), listed in the line."""
        if counted:
            tally(self.counts.failure_reasons, reason)
        line = failure_line(
            stage=stage, reason=reason, identity=identity, source=source, target=target
        )
        if fields:
            line["field"] = fields[0]
            line["fields"] = list(fields)
        self.failures.write(line)

    def write_payload(
        self,
        payload: Payload,
        reason: str,
        *,
        stage: str = "api",
        counted: bool = True,
        fields: list[str] | None = None,
    ) -> None:
        self.write(
            reason,
            stage=stage,
            identity=payload.identity,
            source=str(payload.source),
            target=target_key(payload),
            counted=counted,
            fields=fields,
        )

    def warn(self, payload: Payload, reason: str) -> None:
        self.write_payload(payload, reason, stage="warning", counted=False)

    def report(self, payload: Payload, reason: str) -> None:
        """A failure the ledger already knows about: count it and write it down."""
        self.counts.failed += 1
        self.write_payload(payload, reason)

    def report_entry(self, entry: LedgerEntry, reason: str, stage: str) -> None:
        self.write(
            reason, stage=stage, identity=entry.identity, source=entry.source, target=entry.target
        )

    def fail(self, payload: Payload, reason: str, *, update: bool = False) -> None:
        reason = redact_text(reason)  # the ledger keeps it: no token quoted by an answer
        target = target_key(payload)
        # A failed update names the refused payload; the row keeps what Butter has.
        self.ledger.mark_failed(
            target, payload.identity, reason, payload_hash=payload.hash if update else None
        )
        self.report(payload, reason)
        log.warning("record failed", target=target, identity=payload.identity, reason=reason)

    def prune_failed(self, entry: LedgerEntry, why: str) -> None:
        self.counts.failed += 1
        self.report_entry(entry, f"could not delete (gone from the source): {why}", "prune")
