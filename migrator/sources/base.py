"""What every source is: the ``Source`` base class and the ``SourceStats`` it keeps.

A source turns one export file into a stream of ``Record`` (or ``RecordError`` for a
record it could not read). Sources stream: they hold one record at a time, never the file.

A format is a subclass with a few named override points:

    class CsvSource(Source):
        name = "csv"                           # the format name it is registered under
        stats_type = CsvStats                  # what it counts (a SourceStats subclass)
        key = Option(None, optional(column))   # its [source] options (see options.py)

        def read(self) -> Iterator[Record | RecordError]:
            ...                                # the file's records and errors, in order

``Source.__init__(path, **options)`` checks every option (a bad value is a
``ConfigError`` keyed by the option; an unknown one a ``TypeError``, ``open_source`` says
it better) and stores the checked values as attributes; ``records()`` resets ``stats``,
runs ``read()`` and counts what it yields. The file is opened only then.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

from migrator.errors import RecordError
from migrator.records import Record
from migrator.sources.files import as_path
from migrator.sources.options import Option


@dataclass
class SourceStats:
    """Counts for the run summary, filled in while ``records()`` is iterated."""

    records: int = 0  # Records yielded
    errors: int = 0  # RecordErrors yielded
    warned: int = 0  # Records yielded with at least one warning
    # File-level notes (a renamed column, a guessed encoding) for the summary.
    notes: list[str] = field(default_factory=list)
    # What may have lost records no RecordError names (an XML error between items, a
    # file that is not what it claims): the run says so and exits 1.
    problems: list[str] = field(default_factory=list)

    def count(self, item: Any) -> Any:
        """Tally a yielded ``Record`` or ``RecordError``; returns it, to yield."""
        if isinstance(item, RecordError):
            self.errors += 1
        else:
            self.records += 1
            self.warned += bool(item.warnings)
        return item

    def summary(self) -> list[str]:
        """Short lines a person should see at the end of a run: the file's notes (the first
        few), then how many records could not be read or came with warnings. A format's
        stats put what else it knows first (an encoding guessed, items skipped)."""
        shown = self.notes[:SUMMARY_NOTES]
        lines = list(shown)
        if len(self.notes) > len(shown):
            lines.append(f"... and {len(self.notes) - len(shown)} more notes")
        if not self.records and not self.errors:
            lines.append("no records read")
        if self.errors:
            lines.append(f"{_records(self.errors)} could not be read")
        if self.warned:
            lines.append(f"{_records(self.warned)} read with warnings")
        return lines


# Notes shown in a summary; ``migrator inspect`` shows them all.
SUMMARY_NOTES = 5


def _records(n: int) -> str:
    return f"{n:,} record{'s' if n != 1 else ''}"


class Source:
    """One export file, read as a stream of records; see the module docstring."""

    name: ClassVar[str]
    stats_type: ClassVar[type[SourceStats]] = SourceStats
    stats: SourceStats

    def __init__(self, path: str | os.PathLike[str], **options: Any) -> None:
        self.path: Path = as_path(path)
        declared = self.declared_options()
        unknown = sorted(set(options) - set(declared))
        if unknown:
            raise TypeError(f"{type(self).__name__}() got unexpected options: {unknown}")
        for name, option in declared.items():
            self.__dict__[name] = option.value(options.get(name, option.default))
        self.stats = self.stats_type()

    @classmethod
    def declared_options(cls) -> dict[str, Option[Any]]:
        """The class's options by name, in the order they are checked (a subclass's own
        first, then those it inherits)."""
        found: dict[str, Option[Any]] = {}
        for klass in cls.__mro__:
            for name, value in vars(klass).items():
                if isinstance(value, Option) and name not in found:
                    found[name] = value
        return found

    @cached_property
    def file(self) -> str:
        """The path as text, for locations and messages."""
        return str(self.path)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.file!r})"

    @property
    def unique_identities(self) -> bool:
        """Whether this source itself makes sure no two records of one read share an
        identity (a duplicate key is a ``RecordError`` here): planning need not check again."""
        return False

    def records(self) -> Iterator[Record | RecordError]:
        """Yield every record in file order; a bad one is yielded as a ``RecordError``.

        Re-reads the file on every call and resets ``stats``. Raises ``SourceError`` only
        when the file cannot be read at all.
        """
        stats = self.stats = self.stats_type()
        items = self.read()
        try:
            for item in items:
                yield stats.count(item)
        finally:
            # A caller that stops early closes read() (and the files it holds) now.
            close = getattr(items, "close", None)
            if close is not None:
                close()

    def read(self) -> Iterator[Record | RecordError]:
        """The override point: the file's records and errors in order (``records()``
        counts them into ``stats``, which a format may add to as it reads)."""
        raise NotImplementedError(f"{type(self).__name__} does not define read()")


# --- the inspect mini-protocol -----------------------------------------------------------
#
# `migrator inspect EXPORT` works with any source class that has some of these (all
# optional, so Source does not define them; the command says which one is missing):
#
#   @classmethod
#   def sniff(cls, path: Path, head: bytes) -> bool
#       True when the file (its path, its first 64 KiB) looks like this format; used when
#       --format is not given. Cheap and side-effect free: no full read.
#   def describe(self) -> dict[str, Any]
#       A nested summary (plain dicts, lists, str/int/None) for a person writing a
#       mapping: what kinds of records there are and how many, their fields or columns,
#       sample values, and what could not be read. Reads the whole file (streaming).
#   def scaffold(self, kind: str) -> str | Scaffold
#       A starter mapping (TOML text) for one record kind; `load_mapping` must accept it
#       against the shipped content model where the kind's target exists there. Raises
#       ValueError for an unknown kind. The JSON sources return a `Scaffold`
#       (the mapping and the content model tables it assumes: `inspect --model-out`).
