"""What verify counted, and where its report goes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from migrator.engine import ReasonCounts


@dataclass
class VerifyStats:
    read: int = 0  # source records
    checked: int = 0  # read back and compared
    verified: int = 0
    differs: int = 0
    missing: int = 0
    settled_found: int = 0  # in flight, found applied
    settled_absent: int = 0  # in flight, not applied: back to planned
    in_doubt: int = 0  # not found, but no answer yet proves it absent: check again later
    not_sent: int = 0  # new, failed or planned in the ledger: nothing to verify
    verified_before: int = 0  # verified by an earlier verify, not read again (no --recheck)
    failed_before: int = 0  # found not as sent before, not read again: reported again
    changed: int = 0  # the source changed since it was sent: run first
    skipped: int = 0  # invalid or filtered records
    errors: int = 0  # reads that did not get through
    duplicates: int = 0  # records Butter holds more than once (after --repair: still)
    repaired: int = 0  # copies migrator made, deleted by --repair
    # Posts as sent but for their date: Butter kept its own (it ignored or refused
    # `published`). Not failures, unless the mapping requires the date (then: differs).
    dates_kept: int = 0
    calls_reads: int = 0
    elapsed: float = 0.0
    aborted: str | None = None
    abort_exit: int = 3
    failure_reasons: dict[str, int] = field(default_factory=ReasonCounts)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    @property
    def exit_code(self) -> int:
        if self.aborted:
            return self.abort_exit
        problems = (
            self.differs or self.missing or self.errors or self.in_doubt or self.failed_before
        )
        return 1 if problems or self.duplicates else 0


def verify_paths(ledger_path: Path) -> Path:
    stem = ledger_path.name.removesuffix(".sqlite").removesuffix(".ledger")
    return ledger_path.with_name(f"{stem}.verify.jsonl")
