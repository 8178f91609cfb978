"""The media pass, before planning: every distinct media URL a run would send, checked.

The export is streamed through the compiled mapping (as the engine does); each payload's
media URLs (``media_urls``) are deduplicated on disk (``SeenKeys``: a huge export keeps
memory flat) and handed through a bounded stream to checkers that work while the reader
goes on. What comes back is the dead URLs (and the refused ones, which lead to this
machine or its networks and were not asked), each with where it was first seen, and
``guard`` turns them into ``RecordError``s the plan reports like any invalid record.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import anyio
import anyio.lowlevel

from migrator.errors import RecordError
from migrator.log import get_logger
from migrator.mapping import Note
from migrator.media.check import CheckOptions, MediaChecker, UrlCheck
from migrator.media.urls import BODY_IMAGES, field_name, is_played, media_urls
from migrator.model import ContentModel
from migrator.records import Record
from migrator.seen import SeenKeys

log = get_logger("migrator.media")
# Reading and compiling is microseconds a record: give the checkers a turn this often.
_YIELD_EVERY = 64
# Dead (and suspicious) URLs logged one by one at warning level; the rest at debug.
LOG_FIRST = 20
# Problems kept in memory, with where they were first met, for the summary.
KEEP_FIRST = 20


@dataclass(frozen=True, slots=True)
class MediaUse:
    """Where a URL was first met: which record, where in the export, which field."""

    identity: str
    source: str
    field: str

    def __str__(self) -> str:
        return f"record {self.identity} ({self.source}), field {self.field}"


@dataclass(frozen=True, slots=True)
class MediaProblem:
    url: str
    reason: str
    first: MediaUse


class Problems:
    """URL → its problem. On disk: when an old host is gone, every one of its URLs is dead,
    and an export can hold a million. The first ones are kept in memory for the summary."""

    def __init__(self) -> None:
        self._reasons = SeenKeys()
        self.first: list[MediaProblem] = []
        self._count = 0

    def add(self, problem: MediaProblem) -> None:
        if self._reasons.first_seen(problem.url, problem.reason) is None:
            self._count += 1
            if len(self.first) < KEEP_FIRST:
                self.first.append(problem)

    def __contains__(self, url: object) -> bool:
        return url in self._reasons

    def __getitem__(self, url: str) -> str:
        reason = self._reasons.get(url)
        if reason is None:
            raise KeyError(url)
        return reason

    def __len__(self) -> int:
        return self._count


class UrlReasons(Protocol):
    """What ``guard`` needs: ``url in reasons`` and ``reasons[url]`` (a dict will do)."""

    def __contains__(self, url: object, /) -> bool: ...
    def __getitem__(self, url: str, /) -> str: ...
    def __len__(self) -> int: ...


class Either:
    """Two ``UrlReasons`` as one: ``url in either`` if in one of them."""

    def __init__(self, first: UrlReasons, second: UrlReasons):
        self.first, self.second = first, second

    def __contains__(self, url: object) -> bool:
        return url in self.first or url in self.second

    def __getitem__(self, url: str) -> str:
        return self.first[url] if url in self.first else self.second[url]

    def __len__(self) -> int:
        return len(self.first) + len(self.second)


@dataclass
class MediaReport:
    records: int = 0  # payloads whose media was looked at
    skipped: int = 0  # payloads that will not be sent (unchanged): not checked
    uses: int = 0  # media URLs in those payloads, repeats included
    checked: int = 0  # distinct URLs checked
    requests: int = 0  # HTTP requests made to the media hosts
    dead: Problems = field(default_factory=Problems)
    # Leading to this machine or its networks (``migrator.netguard``): not asked, not sent.
    refused: Problems = field(default_factory=Problems)
    refused_kinds: Counter[str] = field(default_factory=Counter)  # "loopback" → URLs
    suspicious: Problems = field(default_factory=Problems)
    elapsed: float = 0.0
    queued: int = 0  # distinct URLs handed to the checkers so far (for progress)

    def reasons(self) -> UrlReasons:
        """Dead or refused URL → reason: what ``guard`` takes."""
        return Either(self.dead, self.refused)

    def doubts(self) -> Problems:
        """Suspicious URL → reason (sent anyway; noted in the warnings file)."""
        return self.suspicious


async def check_media(
    records: Iterable[Record | RecordError],
    compiled: Callable[[Record], Any],
    model: ContentModel,
    options: CheckOptions | None = None,
    *,
    skip: Callable[[Any], bool] | None = None,
    on_progress: Callable[[MediaReport], None] | None = None,
) -> MediaReport:
    """Check every distinct media URL of the payloads ``compiled`` makes of ``records``.

    Bad records (``RecordError``, yielded or raised) and filtered ones are passed over:
    the plan reports them. ``skip(payload)`` true: nothing will be sent for it (unchanged
    since the last run), so its media is not checked."""
    options = options or CheckOptions()
    report = MediaReport()
    started = time.monotonic()

    def notify(report: MediaReport) -> None:
        report.elapsed = time.monotonic() - started
        if on_progress is not None:
            on_progress(report)

    send, receive = anyio.create_memory_object_stream[tuple[str, MediaUse]](options.concurrency * 4)

    async def checker_task(checker: MediaChecker, stream: Any) -> None:
        async with stream:
            async for url, use in stream:
                _record(report, await checker.check(url), use)
                notify(report)

    with SeenKeys() as seen:
        async with MediaChecker(options) as checker, anyio.create_task_group() as workers:
            async with receive:
                for _ in range(options.concurrency):
                    workers.start_soon(checker_task, checker, receive.clone())
            async with send:
                for n, record in enumerate(records, 1):
                    for url, use in _uses(record, compiled, model, skip, report):
                        if seen.first_seen(url, "") is None:
                            report.queued += 1
                            await send.send((url, use))
                    if n % _YIELD_EVERY == 0:
                        notify(report)
                        await anyio.lowlevel.checkpoint()
        report.requests = checker.requests
    notify(report)
    log.info(
        "media checked",
        urls=report.checked,
        dead=len(report.dead),
        refused=len(report.refused),
        suspicious=len(report.suspicious),
        requests=report.requests,
        seconds=round(report.elapsed, 2),
    )
    return report


def _uses(
    record: Record | RecordError,
    compiled: Callable[[Record], Any],
    model: ContentModel,
    skip: Callable[[Any], bool] | None,
    report: MediaReport,
) -> list[tuple[str, MediaUse]]:
    if isinstance(record, RecordError):
        return []
    try:
        payload = compiled(record)
    except RecordError:
        return []  # the plan reports it, with its reason
    if payload is None:
        return []
    if skip is not None and skip(payload):
        report.skipped += 1
        return []
    report.records += 1
    source = str(record.location)
    uses = [
        (url, MediaUse(record.identity, source, path)) for path, url in media_urls(payload, model)
    ]
    report.uses += len(uses)
    return uses


def _record(report: MediaReport, result: UrlCheck, use: MediaUse) -> None:
    report.checked += 1
    if result.verdict == "ok":
        return
    if result.refusal is not None:
        report.refused_kinds[result.refusal] += 1
    found = {"dead": report.dead, "refused": report.refused}.get(result.verdict, report.suspicious)
    found.add(MediaProblem(result.url, result.reason, use))
    # A host that is gone makes thousands of dead URLs: the first few are enough in the log
    # (the failures file lists every record).
    emit = log.warning if len(found) <= LOG_FIRST else log.debug
    emit(f"{result.verdict} media", url=result.url, reason=result.reason, first_seen=str(use))


def describe(url: str, reason: str) -> str:
    """``https://x/a.jpg answered 404 Not Found`` / ``https://x/a.jpg: connection refused``."""
    return f"{url} answered {reason}" if reason[:1].isdigit() else f"{url}: {reason}"


class MediaGuard:
    """``compiled`` with one more check: a payload using a dead media URL raises
    ``RecordError`` (so the plan reports it as invalid and nothing is sent for it)."""

    def __init__(
        self,
        compiled: Callable[[Record], Any],
        dead: UrlReasons,
        model: ContentModel,
        *,
        skip: Callable[[Any], bool] | None = None,
        suspicious: UrlReasons | None = None,
    ):
        self.compiled = compiled
        self.dead = dead
        self.suspicious = suspicious or {}
        self.model = model
        self.skip = skip
        # The engine reads the mapping off the compiled function.
        self.mapping = getattr(compiled, "mapping", None)

    def __call__(self, record: Record) -> Any:
        payload = self.compiled(record)
        if payload is None or not (self.dead or self.suspicious):
            return payload
        if self.skip is not None and self.skip(payload):
            return payload
        urls = list(media_urls(payload, self.model))
        # One line per field and URL, however often the body repeats the image.
        problems = list(Counter((p, u, self.dead[u]) for p, u in urls if u in self.dead).items())
        if not problems:
            # Sent anyway, and listed in the run's warnings file for a person to look at.
            notes = tuple(
                Note(path, url, f"suspicious media: {describe(url, self.suspicious[url])}")
                for path, url in dict.fromkeys(urls)  # an image repeated: one note
                if url in self.suspicious
            )
            return dataclasses.replace(payload, notes=payload.notes + notes) if notes else payload
        message = "; ".join(_problem(path, url, reason, n) for (path, url, reason), n in problems)
        if all(is_played(path) for (path, _, _), _ in problems):
            # Butter copies no sound or video file: it would take the post, unplayable.
            message += ": it would play nothing (serve the file, or fix its URL)"
        else:
            message += ": Butter would fail this item"
        if any(path == BODY_IMAGES for (path, _, _), _ in problems):
            message += (
                " (it copies the body's images, upload_images_to_media_library): fix or "
                "remove the image, or map upload_images_to_media_library = false to leave "
                "the body's images where they are"
            )
        loc = record.location
        raise RecordError(
            message,
            file=loc.file if loc.line is not None or loc.position is None else str(loc),
            line=loc.line,
            identity=record.identity,
            field=field_name(problems[0][0][0]),
        )


def _problem(path: str, url: str, reason: str, times: int) -> str:
    """``media field photo: URL answered 404 Not Found``; a body image by its tag:
    ``media field body <img src="URL"> (8 times): answered 404 Not Found``."""
    if path != BODY_IMAGES:
        return f"media field {path}: {describe(url, reason)}"
    what = f"answered {reason}" if reason[:1].isdigit() else reason
    repeated = f" ({times} times)" if times > 1 else ""
    return f'media field body <img src="{url}">{repeated}: {what}'


def guard(
    compiled: Callable[[Record], Any],
    dead: UrlReasons,
    *,
    model: ContentModel | None = None,
    skip: Callable[[Any], bool] | None = None,
    suspicious: UrlReasons | None = None,
) -> MediaGuard:
    """``compiled``, refusing the payloads that use a URL of ``dead`` (url → reason) and
    noting on them the ``suspicious`` ones. ``model`` defaults to the compiled mapping's;
    ``skip`` as in ``check_media``."""
    model = model or compiled.mapping.model  # type: ignore[attr-defined]
    return MediaGuard(compiled, dead, model, skip=skip, suspicious=suspicious)
