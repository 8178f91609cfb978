"""Every error migrator raises on purpose descends from ``MigratorError``.

    MigratorError
    ├── ConfigError        a mapping, content model or option is wrong (exit 2)
    │   └── MappingError   a mapping file fails its checks (lists every problem at once)
    ├── SourceError        an export cannot be read at all (the file, not one record)
    ├── RecordError        one record is bad; the run goes on without it
    ├── LedgerLocked       another run holds the checkpoint ledger (exit 2)
    ├── LedgerFault        the ledger's file cannot be used: damaged, read-only, disk full
    └── ApiError           the ButterCMS API said no (migrator.butter.errors has the tree)

Each carries the context a user needs to fix the input from the message alone:
the file, the record (identity or line) and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# What each exit code of `run` and `verify` means: a word and a line, for the JSON
# summary (docs/json-summary.md) and the scheduling guide (docs/scheduled-reimports.md).
EXIT_CODES: dict[int, tuple[str, str]] = {
    0: ("ok", "every record is accepted (or verified); nothing needs attention"),
    1: (
        "attention",
        "some records failed, are invalid, in doubt or in conflict, the export could not "
        "be read whole, or --prune refused to delete: see the failures file",
    ),
    2: (
        "error",
        "a usage or configuration error (the run did not start, or one stopped it), or "
        "the ledger is in use by another run",
    ),
    3: (
        "stopped",
        "the run stopped: bad token, quota exhausted, API unreachable, the canary failed, "
        "or the ledger failed; what was accepted is kept",
    ),
    130: (
        "interrupted",
        "Ctrl-C or SIGTERM; what was accepted is kept, the same command resumes",
    ),
}


class MigratorError(Exception):
    """Root of every error migrator raises on purpose."""

    exit_code = 1


class ConfigError(MigratorError):
    """Bad configuration: a mapping, a content model file, an option. Nothing was sent."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | Path | None = None, key: str | None = None):
        self.file = str(file) if file is not None else None
        self.key = key
        where = ": ".join(p for p in (self.file, key) if p)
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class Problem:
    """One problem found while checking a file; many are reported together."""

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message}"


class MappingError(ConfigError):
    """A mapping file failed its checks. ``problems`` lists every one of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"{len(problems)} {noun} in mapping:\n{lines}")


class SourceError(MigratorError):
    """The export cannot be read at all (missing, unreadable, wrong format)."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | Path, line: int | None = None):
        self.file = str(file)
        self.line = line
        where = f"{self.file}:{line}" if line is not None else self.file
        super().__init__(f"{where}: {message}")


class RecordError(MigratorError):
    """One record is bad. It is reported and skipped; the rest of the run goes on."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        identity: str | None = None,
        field: str | None = None,
        end_line: int | None = None,
    ):
        self.reason = message
        self.file = str(file) if file is not None else None
        self.line = line
        # A record spanning several lines (grouped CSV rows): shown as file:12-15.
        self.end_line = end_line
        self.identity = identity
        self.field = field
        parts = []
        if self.file:
            where = self.file
            if line is not None:
                span = end_line is not None and end_line > line
                where = f"{self.file}:{line}-{end_line}" if span else f"{self.file}:{line}"
            parts.append(where)
        if identity:
            parts.append(f"record {identity}")
        if field:
            parts.append(f"field {field!r}")
        super().__init__(f"{', '.join(parts)}: {message}" if parts else message)


class LedgerLocked(MigratorError):
    """Another migrator run is using the same checkpoint ledger."""

    exit_code = 2


class LedgerFault(MigratorError):
    """The checkpoint ledger's file failed: damaged pages, a read-only file or folder, a
    full disk, a lock held by another program. Exit 2 when nothing was sent yet; a run it
    stops once sending has begun exits 3 (``RunStats.abort_exit``)."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | Path):
        self.file = str(file)
        super().__init__(f"ledger {self.file}: {message}")
