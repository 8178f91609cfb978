"""Submit: the rate-limited worker pool that sends payloads to the Write API.

Every answer is classified by ``migrator.butter.errors``; this module only decides
what each class means for the record and the run:

- accepted (202)       → ledger says accepted, only now (saved progress never runs ahead)
- throttled (429 short)→ every worker pauses until Retry-After has passed
- 5xx, not connected   → retry with capped exponential backoff and jitter, bounded
- rejected (400)       → this record failed with Butter's reason; the run goes on
- ambiguous            → the write may have been applied: after Butter's processing delay,
                         read back, and create only if it is absent
- 401, quota           → the run stops at once

Updates (PATCH) and deletes (DELETE) are idempotent: an ambiguous one is simply sent
again, and an update is never marked in flight — the ledger keeps saying "accepted with
the old payload" until the new one's 202 is in hand, so a crash re-sends the update.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio

from migrator.butter import (
    Ambiguous,
    ButterClient,
    FatalError,
    NotSent,
    Rejected,
    RetriableError,
    Throttled,
    Unreachable,
    update_body,
)
from migrator.engine.options import RunOptions
from migrator.engine.plan import Planned, target_key
from migrator.engine.refs import (
    RefResolver,
    describe_missing,
    hook_from_dict,
    patch_fields,
    ref_value,
)
from migrator.engine.report import JsonlWriter, RunStats, failure_line, reason_key
from migrator.log import get_logger
from migrator.pacing import paced_limiter

log = get_logger("migrator.submit")
T = TypeVar("T")


class GaveUp(Exception):
    """An idempotent request could not get through; ``str()`` says why."""


class Stopped(Exception):
    """The run was aborted (bad token, quota) while this request waited."""


def split_target(target: str) -> tuple[str, str | None]:
    """``page:landing_page`` → (``page``, ``landing_page``); ``post`` → (``post``, None)."""
    kind, _, name = target.partition(":")
    return kind, name or None


class PauseGate:
    """A global pause: the first worker to see a throttle stops them all until it lifts."""

    def __init__(self) -> None:
        self._resume_at = 0.0

    def pause(self, seconds: float) -> None:
        self._resume_at = max(self._resume_at, time.monotonic() + seconds)

    async def wait(self) -> None:
        # A loop, not an Event: another throttle may push the resume time further out.
        while (delay := self._resume_at - time.monotonic()) > 0:  # noqa: ASYNC110
            await anyio.sleep(delay)


def backoff(attempt: int, base: float, cap: float) -> float:
    """Capped exponential backoff with full jitter (no retry storms, no unbounded waits)."""
    return random.uniform(0, min(cap, base * 2 ** (attempt - 1)))


class Submitter:
    def __init__(
        self,
        client: ButterClient,
        ledger: Any,
        options: RunOptions,
        stats: RunStats,
        failures: JsonlWriter,
        *,
        on_abort: Callable[[FatalError], None],
        on_done: Callable[[], None] = lambda: None,
    ):
        self.client = client
        self.ledger = ledger
        self.options = options
        self.stats = stats
        self.failures = failures
        self.gate = PauseGate()
        self.limiter = paced_limiter(options.rate)
        self._on_abort = on_abort
        self._on_done = on_done
        self._task_group: anyio.abc.TaskGroup | None = None
        self.refs = RefResolver(client, ledger, self.call)
        self.last_create = 0.0  # monotonic time of the last accepted create

    async def run_workers(self, receive: Any) -> None:
        """Consume planned items with ``concurrency`` workers until the stream closes."""
        async with anyio.create_task_group() as tg:
            self._task_group = tg
            async with receive:
                for _ in range(self.options.concurrency):
                    tg.start_soon(self._worker, receive.clone())

    async def _worker(self, receive: Any) -> None:
        async with receive:
            async for item in receive:
                await self.handle(item)

    async def handle(self, item: Planned) -> None:
        try:
            if item.action == "settle":
                # Left in flight by an earlier run that crashed: maybe applied, maybe not.
                self.stats.ambiguous += 1
                await self._settle(item.payload, item.entry, sent_at=_wall_to_monotonic(item.entry))
            elif item.action == "update":
                await self._update(item.payload, item.entry)
            elif item.action == "delete":
                await self._delete(item.entry)
            elif item.action == "refs":
                await self._patch_refs(item.entry)
            else:
                await self._send(item.payload)
        except Stopped:
            pass
        self._on_done()

    # ------------------------------------------------------------------ idempotent calls

    async def call(self, request: Callable[[], Awaitable[T]]) -> T:
        """An idempotent request (PATCH, DELETE, a read), paced and retried like a create.

        Raises ``Rejected`` (this record is wrong), ``GaveUp`` (retries exhausted) or
        ``Stopped`` (the run is aborting: the abort is already signalled)."""
        attempts = throttles = 0
        while True:
            await self._acquire()
            try:
                return await request()
            except Throttled as exc:
                self.stats.throttled += 1
                throttles += 1
                self.gate.pause(exc.retry_after)
                if throttles > self.options.max_throttles:
                    raise GaveUp(f"throttled {throttles} times in a row") from None
            except (RetriableError, Ambiguous) as exc:
                # Sending an idempotent request again is safe, even after an ambiguous end.
                attempts += 1
                if attempts >= self.options.max_attempts:
                    if isinstance(exc, NotSent):
                        self._on_abort(Unreachable(f"ButterCMS is unreachable: {exc}"))
                        raise Stopped from None
                    raise GaveUp(f"gave up after {attempts} attempts: {exc}") from None
                self.stats.retries += 1
                await anyio.sleep(
                    backoff(attempts, self.options.backoff_base, self.options.backoff_cap)
                )
            except FatalError as exc:
                self._on_abort(exc)
                raise Stopped from None

    async def item_id(self, target: str, entry: Any, locale: str | None = None) -> str | None:
        """A collection item's id: from the ledger, else learnt by reading back (and kept)."""
        if entry.butter_id:
            return str(entry.butter_id)
        if entry.lookup is None or not self.client.can_read:
            return None
        _, key = split_target(target)
        items = await self.call(
            lambda: self.client.find_items(key or "", entry.lookup, locale=locale, limit=1)
        )
        meta = items[0].get("meta") if items else None
        found = meta.get("id") if isinstance(meta, dict) else None
        if found is None:
            return None
        self.ledger.set_butter_id(target, entry.identity, str(found))
        return str(found)

    # ------------------------------------------------------------------ sending

    async def _acquire(self) -> None:
        await self.gate.wait()
        await self.limiter.acquire()
        # A pause may have begun while this worker waited for its turn.
        await self.gate.wait()

    async def _send(self, payload: Any, *, attempts: int = 0) -> None:
        target = target_key(payload)
        throttles = 0
        bound = log.bind(target=target, identity=payload.identity)
        try:
            body, pending = await self.refs.resolve(payload)
        except (Rejected, GaveUp) as exc:
            self._fail(payload, f"resolving references: {exc}")
            return
        while True:
            await self._acquire()
            self.ledger.begin(
                target,
                payload.identity,
                payload_hash=payload.hash,
                slug=payload.slug,
                lookup=payload.lookup,
                source=str(payload.source),
            )
            try:
                await self.client.create(payload.kind, body, locale=payload.locale)
            except Throttled as exc:
                self.stats.throttled += 1
                throttles += 1
                self.gate.pause(exc.retry_after)
                bound.info("throttled", retry_after=exc.retry_after)
                if throttles > self.options.max_throttles:
                    self._fail(payload, f"throttled {throttles} times in a row")
                    return
                continue
            except RetriableError as exc:
                attempts += 1
                if attempts >= self.options.max_attempts and isinstance(exc, NotSent):
                    # Nothing can get through: stop instead of failing every record in turn.
                    self._unsend(payload)
                    self._on_abort(Unreachable(f"ButterCMS is unreachable: {exc}"))
                    return
                if attempts >= self.options.max_attempts:
                    self._fail(payload, f"gave up after {attempts} attempts: {exc}")
                    return
                self.stats.retries += 1
                delay = backoff(attempts, self.options.backoff_base, self.options.backoff_cap)
                bound.info("retrying", error=str(exc), attempt=attempts, delay=round(delay, 2))
                await anyio.sleep(delay)
                continue
            except Ambiguous as exc:
                # The ledger row stays in flight until a read-back settles it.
                self.stats.ambiguous += 1
                bound.warning("ambiguous", error=str(exc))
                assert self._task_group is not None
                self._task_group.start_soon(self._settle_later, payload, time.monotonic())
                return
            except Rejected as exc:
                self._fail(payload, f"rejected by ButterCMS: {exc.reason}")
                return
            except FatalError as exc:
                self._unsend(payload)
                self._on_abort(exc)
                return
            self.ledger.mark_accepted(target, payload.identity, payload_hash=payload.hash)
            self._note_pending(target, payload.identity, pending)
            self.stats.accepted += 1
            self.last_create = time.monotonic()
            return

    def _note_pending(self, target: str, identity: str, pending: list[dict[str, Any]]) -> None:
        self.ledger.set_pending_refs(target, identity, pending or None)
        if pending:
            self.stats.refs_pending += 1

    # ------------------------------------------------------------------ updating

    async def _update(self, payload: Any, entry: Any) -> None:
        """PATCH a record Butter already has: pages and posts by the slug Butter knows,
        collection items by id (from the ledger, or learnt by reading back)."""
        target = target_key(payload)
        try:
            body, pending = await self.refs.resolve(payload)
            item_id = None
            if payload.kind == "collection":
                item_id = await self.item_id(target, entry, payload.locale)
                if item_id is None:
                    self._update_without_id(payload, entry)
                    return
            slug = entry.slug or payload.slug
            if payload.kind != "collection" and payload.slug != slug:
                self._warn(
                    payload,
                    f"slug changed from {slug!r} to {payload.slug!r}: ButterCMS cannot change "
                    f"a slug, so {slug!r} was updated",
                )
            await self.call(
                lambda: self.client.update(
                    payload.kind,
                    payload.target,
                    update_body(payload.kind, body),
                    slug=slug,
                    item_id=item_id,
                    locale=payload.locale,
                )
            )
        except Rejected as exc:
            self._fail(payload, f"update rejected by ButterCMS: {exc.reason}", update=True)
            return
        except GaveUp as exc:
            self._fail(payload, f"update {exc}", update=True)
            return
        self.ledger.mark_updated(
            target,
            payload.identity,
            payload_hash=payload.hash,
            lookup=payload.lookup,
            source=str(payload.source),
        )
        self._note_pending(target, payload.identity, pending)
        self.stats.updated += 1

    def _update_without_id(self, payload: Any, entry: Any) -> None:
        target = target_key(payload)
        if not self.client.can_read:
            self._fail(
                payload,
                "updating a collection item needs its id: set BUTTER_READ_TOKEN so migrator "
                "can look it up by reading back",
            )
            return
        field, value = entry.lookup or ("?", "?")
        reason = (
            f"not found in ButterCMS by {field} = {value!r} (deleted there, or it failed in "
            "Butter's background queue): the next run creates it again"
        )
        self.ledger.mark_missing(target, payload.identity, reason)
        self._report(payload, reason)

    # ------------------------------------------------------------------ deleting (--prune)

    async def _delete(self, entry: Any) -> None:
        kind, name = split_target(entry.target)
        try:
            item_id = None
            if kind == "collection":
                item_id = await self.item_id(entry.target, entry)
                if item_id is None and not self.client.can_read:
                    self._prune_failed(entry, "its item id is unknown: set BUTTER_READ_TOKEN")
                    return
            # A collection item its lookup no longer finds is already gone: nothing to send.
            removed = False
            if kind != "collection" or item_id is not None:
                removed = await self.call(
                    lambda: self.client.delete(kind, name, slug=entry.slug, item_id=item_id)
                )
        except (Rejected, GaveUp) as exc:
            self._prune_failed(entry, str(exc))
            return
        self.ledger.mark_deleted(entry.target, entry.identity)
        self.stats.deleted += 1
        log.info(
            "deleted: gone from the source",
            target=entry.target,
            identity=entry.identity,
            already_gone=not removed,
        )

    def _prune_failed(self, entry: Any, why: str) -> None:
        self.stats.failed += 1
        self._report_entry(entry, f"could not delete (gone from the source): {why}", "prune")

    # ------------------------------------------------------------------ pending references

    async def _patch_refs(self, entry: Any) -> None:
        """Resolve the references a record was written without, and PATCH them in."""
        kind, name = split_target(entry.target)
        still: list[dict[str, Any]] = []
        try:
            for data in entry.pending_refs or []:
                hook, query_locale = hook_from_dict(data)
                ids, missing = await self.refs.resolve_hook(hook)
                if missing:
                    still.append(data)
                    self.stats.refs_unresolved += 1
                    self._report_entry(entry, describe_missing(hook, missing), stage="refs")
                    continue
                item_id = None
                if kind == "collection":
                    item_id = await self.item_id(entry.target, entry, query_locale)
                    if item_id is None:
                        still.append(data)
                        self.stats.refs_unresolved += 1
                        self._report_entry(
                            entry, "reference not patched in: the item's id is unknown", "refs"
                        )
                        continue
                body = {"fields": patch_fields(hook, ref_value(hook, ids))}
                await self.call(
                    functools.partial(
                        self.client.update,
                        kind,
                        name,
                        body,
                        slug=entry.slug,
                        item_id=item_id,
                        locale=query_locale,
                    )
                )
                self.stats.refs_patched += 1
        except (Rejected, GaveUp) as exc:
            self.stats.refs_unresolved += 1
            self._report_entry(entry, f"reference not patched in: {exc}", "refs")
            return
        self.ledger.set_pending_refs(entry.target, entry.identity, still or None)

    # ------------------------------------------------------------------ reporting

    def _unsend(self, payload: Any) -> None:
        """Nothing was applied: the record goes back to planned for the next run."""
        self.ledger.plan(
            target_key(payload),
            payload.identity,
            payload_hash=payload.hash,
            slug=payload.slug,
            lookup=payload.lookup,
            source=str(payload.source),
        )

    def _write(
        self,
        reason: str,
        *,
        stage: str,
        identity: str,
        source: str | None,
        target: str,
        tally: bool = True,
    ) -> None:
        """One line in the failures file; ``tally``: counted in "problems by reason"."""
        if tally:
            key = reason_key(reason)
            self.stats.failure_reasons[key] = self.stats.failure_reasons.get(key, 0) + 1
        self.failures.write(
            failure_line(
                stage=stage, reason=reason, identity=identity, source=source, target=target
            )
        )

    def _write_payload(
        self, payload: Any, reason: str, *, stage: str = "api", tally: bool = True
    ) -> None:
        self._write(
            reason,
            stage=stage,
            identity=payload.identity,
            source=str(payload.source),
            target=target_key(payload),
            tally=tally,
        )

    def _warn(self, payload: Any, reason: str) -> None:
        self._write_payload(payload, reason, stage="warning", tally=False)

    def _report(self, payload: Any, reason: str) -> None:
        """A failure the ledger already knows about: count it and write it down."""
        self.stats.failed += 1
        self._write_payload(payload, reason)

    def _report_entry(self, entry: Any, reason: str, stage: str) -> None:
        self._write(
            reason, stage=stage, identity=entry.identity, source=entry.source, target=entry.target
        )

    def _fail(self, payload: Any, reason: str, *, update: bool = False) -> None:
        target = target_key(payload)
        # A failed update names the refused payload; the row keeps what Butter has.
        self.ledger.mark_failed(
            target, payload.identity, reason, payload_hash=payload.hash if update else None
        )
        self._report(payload, reason)
        log.warning("record failed", target=target, identity=payload.identity, reason=reason)

    # ------------------------------------------------------------------ settling

    async def _settle_later(self, payload: Any, sent_at: float) -> None:
        await self._settle(payload, None, sent_at=sent_at)

    async def _settle(self, payload: Any, entry: Any, *, sent_at: float) -> None:
        """Read back an ambiguous create; send it again only if Butter does not have it."""
        target = target_key(payload)
        wait = sent_at + self.options.settle_delay - time.monotonic()
        if wait > 0:
            await anyio.sleep(wait)
        if not self.client.can_read:
            self.stats.unsettled += 1
            reason = (
                "ambiguous: the connection died after sending, so it may have been applied; "
                "set BUTTER_READ_TOKEN so migrator can check before sending again"
            )
            self._write_payload(payload, reason, tally=False)
            return
        found = await self._read_back(payload)
        if found is _ABORTED:
            return
        if found is not None:
            meta = found.get("meta") if isinstance(found, dict) else None
            sent_hash = entry.payload_hash if entry is not None else payload.hash
            self.ledger.mark_accepted(
                target,
                payload.identity,
                payload_hash=sent_hash,
                butter_id=meta.get("id") if isinstance(meta, dict) else None,
            )
            self.stats.found_on_read_back += 1
            self.stats.accepted += 1
            log.info("settled: already applied", target=target, identity=payload.identity)
            return
        log.info("settled: absent, sending again", target=target, identity=payload.identity)
        await self._send(payload, attempts=1)

    async def _read_back(self, payload: Any) -> Any:
        attempts = 0
        while True:
            await self._acquire()
            try:
                return await self.client.find(
                    payload.kind,
                    payload.target,
                    slug=payload.slug,
                    lookup=payload.lookup,
                    locale=payload.locale,
                )
            except Throttled as exc:
                self.gate.pause(exc.retry_after)
            except RetriableError:
                attempts += 1
                if attempts >= self.options.max_attempts:
                    self.stats.unsettled += 1
                    return _ABORTED
                await anyio.sleep(
                    backoff(attempts, self.options.backoff_base, self.options.backoff_cap)
                )
            except FatalError as exc:
                self._on_abort(exc)
                return _ABORTED


_ABORTED = object()


def _wall_to_monotonic(entry: Any) -> float:
    """When an earlier run sent this record, on this process's monotonic clock."""
    updated = getattr(entry, "updated_at", None)
    if not updated:
        return time.monotonic()
    from datetime import datetime

    try:
        sent = datetime.fromisoformat(str(updated)).timestamp()
    except ValueError:
        return time.monotonic()
    return time.monotonic() - max(0.0, time.time() - sent)
