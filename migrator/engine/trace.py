"""What the run report shows beyond the counts, kept small: the writes, throttles and
retries over time (``Timeline``), and the fields of changed records before and after
(``Changes``). Both are bounded, however long the run and however big the records."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio
import orjson

from migrator.records import JsonObject, JsonValue

CONTEXT = 120  # characters shown around the part of a long value that changed
# (seconds since the run started, writes, throttle answers, retries): counts so far.
Sample = tuple[float, int, int, int]


class Timeline:
    """The run's counters sampled every ``step`` seconds. Past ``limit`` samples every
    other one is dropped and the step doubles: a week-long run keeps ``limit`` points."""

    def __init__(self, *, step: float = 1.0, limit: int = 1200):
        self.step = step
        self.limit = limit
        self.samples: list[Sample] = []
        self._started = time.monotonic()

    def sample(self, writes: int, throttles: int, retries: int, *, last: bool = False) -> None:
        """``last``: where the run ended; it replaces a sample taken a moment before (a
        rate over a few milliseconds would say nothing)."""
        t = round(time.monotonic() - self._started, 3)
        if last and len(self.samples) > 1 and t - self.samples[-1][0] < self.step / 2:
            self.samples.pop()
        self.samples.append((t, writes, throttles, retries))
        if len(self.samples) > self.limit:
            # Counts so far: any subset of the samples still adds up (the newest kept).
            newest = self.samples[-1]
            self.samples = self.samples[::2]
            if self.samples[-1] is not newest:
                self.samples.append(newest)
            self.step *= 2

    async def record(self, counters: Callable[[], tuple[int, int, int]]) -> None:
        """Sample ``counters`` every step until cancelled."""
        self.sample(*counters())
        while True:
            await anyio.sleep(self.step)
            self.sample(*counters())


@dataclass(frozen=True)
class FieldChange:
    field: str  # "title", "en.headline", "tags.2"
    before: str | None  # None: not in the body before (or after)
    after: str | None
    clipped: bool = False  # a value was cut at ``Changes.chars``


@dataclass(frozen=True)
class Change:
    identity: str
    source: str  # file:line
    target: str
    fields: tuple[FieldChange, ...]
    more_fields: int = 0  # fields that differ past ``Changes.fields``


@dataclass
class Changes:
    """Changed records, their fields as Butter last accepted them (the ledger's sent body)
    and as the run sends them: the first ``records``, at most ``fields`` fields each, each
    value at most ``chars`` characters. ``total`` counts them all."""

    records: int = 100
    fields: int = 20
    chars: int = 1000
    total: int = 0
    kept: list[Change] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return len(self.kept) >= self.records

    def note(
        self,
        *,
        identity: str,
        source: str,
        target: str,
        before: JsonObject | None,
        after: JsonObject,
        skip: frozenset[str] = frozenset(),
    ) -> None:
        """``before`` None: the ledger did not keep the body (an older migrator sent it).
        ``skip``: fields not compared (references: ids before, keys after)."""
        self.total += 1
        if self.full:
            return
        old = flatten(before) if before is not None else {}
        new = flatten(after)
        differ = [
            name
            for name in sorted(old.keys() | new.keys())
            if old.get(name) != new.get(name) and name.split(".")[-1] not in skip
        ]
        kept = [self._field(name, old.get(name), new.get(name)) for name in differ[: self.fields]]
        self.kept.append(
            Change(identity, source, target, tuple(kept), max(0, len(differ) - self.fields))
        )

    def _field(self, name: str, before: str | None, after: str | None) -> FieldChange:
        if all(v is None or len(v) <= self.chars for v in (before, after)):
            return FieldChange(name, before, after)
        if before is None or after is None:
            return FieldChange(name, _clip(before, self.chars), _clip(after, self.chars), True)
        # Long values (a post's body): the part that differs, with some text around it,
        # cut at the same place in both, so what is shown as changed did change.
        same_start = _same_start(before, after)
        most = min(len(before), len(after)) - same_start
        same_end = min(_same_start(before[::-1], after[::-1]), most)
        start = max(0, same_start - CONTEXT)

        def cut(text: str) -> str:
            end = min(len(text), len(text) - same_end + CONTEXT, start + self.chars)
            return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")

        return FieldChange(name, cut(before), cut(after), True)


def flatten(body: JsonObject) -> dict[str, str]:
    """A Butter body as field → value text: ``fields`` (a collection's one-item list too)
    is where the fields are, so its name is left out; nested values get dotted names."""
    out: dict[str, str] = {}
    for key, value in body.items():
        if key == "fields":
            inner = value[0] if isinstance(value, list) and len(value) == 1 else value
            _flatten(inner, "", out)
        else:
            _flatten(value, key, out)
    return out


def _flatten(value: JsonValue, name: str, out: dict[str, str]) -> None:
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            _flatten(inner, f"{name}.{key}" if name else str(key), out)
    elif isinstance(value, list) and value and not all(_scalar(v) for v in value):
        for n, inner in enumerate(value):
            _flatten(inner, f"{name}.{n}" if name else str(n), out)
    else:
        out[name or "(body)"] = _text(value)


def _scalar(value: JsonValue) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _text(value: JsonValue) -> str:
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def _same_start(a: str, b: str) -> int:
    """How many characters ``a`` and ``b`` begin with alike (a binary search of slices:
    string comparisons in C, for bodies of megabytes)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    return low


def _clip(text: str | None, chars: int) -> str | None:
    return text if text is None or len(text) <= chars else text[:chars]
