"""Submit: the rate-limited worker pool that sends payloads to the Write API.

Every answer is classified by ``migrator.butter.errors``; this module only decides
what each class means for the record and the run:

- accepted (202)       → ledger says accepted, only now (saved progress never runs ahead)
- throttled, 5xx, not connected → retried by the one policy (``migrator.butter.retry``):
                         a global pause, capped backoff with jitter, bounded
- rejected (400)       → this record failed with Butter's reason; the run goes on
- ambiguous            → the write may have been applied: after Butter's processing delay,
                         read back, and create only if it is absent
- 401, quota           → the run stops at once

Updates (PATCH) and deletes (DELETE) are idempotent: an ambiguous one is simply sent
again, and an update is never marked in flight — the ledger keeps saying "accepted with
the old payload" until the new one's 202 is in hand, so a crash re-sends the update.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import anyio
import anyio.abc
import anyio.lowlevel
import anyio.to_thread

from migrator.butter import (
    Ambiguous,
    ButterClient,
    GaveUp,
    NotFound,
    Rejected,
    Retrier,
    Stopped,
    update_body,
)
from migrator.engine.counts import SendCounts
from migrator.engine.dates import DatesRefused, DateVerdict, PostDates
from migrator.engine.edits import EditPolicy, field_name, merge_patch, owned_body
from migrator.engine.options import RunOptions
from migrator.engine.outcomes import Outcomes
from migrator.engine.plan import Planned, split_target, target_key
from migrator.engine.refs import (
    RefResolver,
    describe_missing,
    hook_from_dict,
    patch_fields,
    ref_value,
)
from migrator.engine.report import JsonlWriter
from migrator.engine.settle import Settler, SettleWindow
from migrator.errors import LedgerFault
from migrator.ledger import Ledger, LedgerEntry
from migrator.log import get_logger
from migrator.mapping import Payload
from migrator.records import JsonObject

log = get_logger("migrator.submit")
T = TypeVar("T")


_MIN_TURNS, _MAX_TURNS = 3, 16
# Workers per request slot (``Retrier(in_flight=concurrency)``): while ``concurrency``
# requests are out, the other workers make their creates' begins durable, so a freed slot
# is used at once instead of after an fsync. One at concurrency 1: records then leave in
# plan order, a retry's backoff included.
WORKERS_PER_SLOT = 4


def pool_size(concurrency: int) -> int:
    return concurrency * WORKERS_PER_SLOT if concurrency > 1 else 1


class _Commit:
    """One commit that staged begins wait for: ``durable`` once it returned."""

    def __init__(self) -> None:
        self.done = anyio.Event()
        self.durable = False
        self.error: Exception | None = None


class GroupBegin:
    """Begins made durable in groups: one commit (one fsync) for the begins of all the
    creates about to leave, instead of one each.

    Each worker stages its row; the first to find no commit pending yields a few turns,
    so the other workers ready to send stage theirs, then commits for all on the loop and
    syncs the commit to disk in a worker thread (``ledger.commit_staged``): the loop goes
    on meanwhile, and the begins staged then form the next group, committed once this
    sync returned. ``begin`` returns only once the sync covering its row has returned: no
    create ever leaves before its begin is durable. A failed commit or sync raises in
    every worker that waited for it."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        self._pending: _Commit | None = None  # the group still taking rows
        self._syncing: _Commit | None = None  # the group whose sync runs
        self.staged = 0  # begins staged so far
        self.commits = 0  # commits made for them

    async def begin(self, payload: Payload) -> None:
        self.ledger.stage_begin(
            target_key(payload),
            payload.identity,
            payload_hash=payload.hash,
            slug=payload.slug,
            lookup=payload.lookup,
            source=str(payload.source),
        )
        self.staged += 1
        group = self._pending
        if group is not None:  # staged before that group commits: it holds this row
            await _durable(group)
            return
        group = self._pending = _Commit()
        try:
            # Let the other workers with a create to send stage theirs: a few turns of the
            # loop, and more while they keep coming (each costs far less than an fsync);
            # then for as long as the group before is still syncing.
            staged, turns = -1, 0
            while turns < _MIN_TURNS or (staged != self.staged and turns < _MAX_TURNS):
                staged, turns = self.staged, turns + 1
                await anyio.lowlevel.checkpoint()
            while self._syncing is not None:
                await self._syncing.done.wait()
        except BaseException:
            # Cancelled while gathering: committed and synced at once, on the loop, as
            # before, so no staged row waits for a commit that would not come.
            self._pending = None
            try:
                self.ledger.flush()
                group.durable = True
                self.commits += 1
            except Exception as exc:
                group.error = exc
                raise
            finally:
                group.done.set()
            raise
        # From here to the commit nothing awaits: no row is staged in between.
        self._pending = None
        self._syncing = group
        try:
            try:
                sync = self.ledger.commit_staged()
                # Not abandoned if cancelled: the sync runs its course.
                await anyio.to_thread.run_sync(sync)
            except Exception as exc:  # a LedgerFault: every waiter raises it too
                group.error = exc
                raise
            group.durable = True
            self.commits += 1
        finally:
            self._syncing = None
            group.done.set()  # on the loop: an anyio Event is not for other threads


async def _durable(group: _Commit) -> None:
    await group.done.wait()
    if not group.durable:
        raise group.error or Stopped("the run stopped before this begin was committed")


class Handoff:
    """Planned items from the pump to the pool: a bounded queue (a slow API slows the
    pump). A plain asyncio queue: an anyio memory stream costs a checkpoint and a lookup
    of the running async library per item each way (~11% of an unthrottled send).
    ``close()`` once the last item is in: each worker then ends after the items before."""

    _CLOSED = object()

    def __init__(self, size: int):
        self._queue: asyncio.Queue[Planned | object] = asyncio.Queue(size)

    async def send(self, item: Planned) -> None:
        await self._queue.put(item)

    async def close(self) -> None:
        await self._queue.put(self._CLOSED)

    async def __aiter__(self) -> AsyncIterator[Planned]:
        while True:
            item = await self._queue.get()
            if item is self._CLOSED:
                self._queue.put_nowait(item)  # for the next worker: the slot it held is free
                return
            assert isinstance(item, Planned)
            yield item


class Submitter:
    """The worker pool. It owns ``counts``; pacing and retries are ``retrier``'s."""

    def __init__(
        self,
        client: ButterClient,
        ledger: Ledger,
        options: RunOptions,
        retrier: Retrier,
        failures: JsonlWriter,
        *,
        on_done: Callable[[], None] = lambda: None,
        on_fault: Callable[[LedgerFault], None] | None = None,
        dates_required: str | None = None,
        edits: EditPolicy | None = None,
    ):
        """``retrier``: its ``on_fatal`` stops the run; ``on_fault`` is told of a ledger
        fault (and stops the run too), else it is raised. ``dates_required``: the mapping
        field that requires a post's date (a refusal then stops the run). ``edits``: how
        edits made in Butter are found and kept (``edits.py``)."""
        self.client = client
        self.ledger = ledger
        self.options = options
        self.retrier = retrier
        self.counts = SendCounts()
        self.outcomes = Outcomes(ledger, self.counts, failures)
        self.dates = PostDates(self.counts, dates_required)
        self.edits = edits or EditPolicy()
        self._on_done = on_done
        self._on_fault = on_fault
        self._task_group: anyio.abc.TaskGroup | None = None
        self.refs = RefResolver(client, ledger, self.call)
        self.begins = GroupBegin(ledger)
        window = SettleWindow(options.settle_delay, options.settle_timeout)
        self.settler = Settler(client, retrier, self.outcomes, window, resend=self._send)
        self.last_create = 0.0  # monotonic time of the last accepted create
        self.handled = 0  # items done with (answered, failed or handed to the settler)
        self._settling = 0  # doubts being settled in the background

    async def run_workers(self, handoff: Handoff) -> None:
        """Handle planned items with ``pool_size(concurrency)`` workers until the handoff
        is closed."""
        async with anyio.create_task_group() as tg:
            self._task_group = tg
            for _ in range(pool_size(self.options.concurrency)):
                tg.start_soon(self._worker, handoff)

    async def _worker(self, handoff: Handoff) -> None:
        async for item in handoff:
            await self.handle(item)

    async def handle(self, item: Planned) -> None:
        try:
            if item.action == "settle":
                # Left in flight by an earlier run that crashed: maybe applied, maybe not.
                assert item.payload is not None and item.entry is not None
                self.counts.ambiguous += 1
                sent_at = item.entry.updated_at.timestamp()
                await self.settler.settle(item.payload, item.entry, sent_at=sent_at)
            elif item.action == "update":
                assert item.payload is not None and item.entry is not None
                await self._update(item.payload, item.entry)
            elif item.action == "delete":
                assert item.entry is not None
                await self._delete(item.entry)
            elif item.action == "refs":
                assert item.entry is not None
                await self._patch_refs(item.entry)
            else:
                assert item.payload is not None
                await self._send(item.payload)
        except Stopped:
            pass
        except LedgerFault as fault:
            self._fault(fault)
        self.handled += 1
        self._on_done()

    def _stop(self, exc: DatesRefused) -> None:
        if self.retrier.on_fatal is None:
            raise exc
        self.retrier.on_fatal(exc)

    def _fault(self, fault: LedgerFault) -> None:
        if self._on_fault is None:
            raise fault
        self._on_fault(fault)

    async def drained(self, queued: int) -> None:
        """Until the first ``queued`` items are done with, doubts settled included."""
        while self.handled < queued or self._settling:  # noqa: ASYNC110  (no event to wait on)
            await anyio.sleep(0.02)

    async def _settle_in_background(self, payload: Payload, sent_at: float) -> None:
        self._settling += 1
        try:
            await self.settler.settle(payload, None, sent_at)
        except LedgerFault as fault:
            self._fault(fault)
        finally:
            self._settling -= 1

    # ------------------------------------------------------------------ idempotent calls

    async def call(self, request: Callable[[], Awaitable[T]]) -> T:
        """An idempotent request (PATCH, DELETE, a read) under the retry policy.

        Raises ``Rejected`` (this record is wrong), ``GaveUp`` (retries exhausted) or
        ``Stopped`` (the run is stopping: already signalled)."""
        return await self.retrier.call(request)

    async def item_id(
        self, target: str, entry: LedgerEntry, locale: str | None = None
    ) -> str | None:
        """A collection item's id: from the ledger, else learnt by reading back (and kept)."""
        if entry.butter_id:
            return str(entry.butter_id)
        lookup = entry.lookup
        if lookup is None or not self.client.can_read:
            return None
        _, key = split_target(target)
        items = await self.call(
            lambda: self.client.find_items(key or "", lookup, locale=locale, limit=1)
        )
        meta = items[0].get("meta") if items else None
        found = meta.get("id") if isinstance(meta, dict) else None
        if found is None:
            return None
        self.ledger.set_butter_id(target, entry.identity, str(found))
        return str(found)

    # ------------------------------------------------------------------ sending

    async def _send(self, payload: Payload, *, attempts: int = 0) -> None:
        target = target_key(payload)
        try:
            resolved, pending = await self.refs.resolve(payload)
        except (Rejected, GaveUp) as exc:
            self.outcomes.fail(payload, f"resolving references: {exc}")
            return
        body = resolved
        begun = sent = False

        async def begin() -> None:
            # In flight, durably, before each attempt leaves: a crash is then settled.
            nonlocal begun
            begun = True
            await self.begins.begin(payload)

        async def create() -> None:
            nonlocal body, sent
            # Decided as it leaves, not when a worker took it: once a refusal of the date
            # is in, the creates still waiting for a slot go without it.
            body = self.dates.body(resolved)
            sent = True
            await self.client.create(payload.kind, body, locale=payload.locale)

        context = {"target": target, "identity": payload.identity}
        try:
            await self.retrier.call(
                create, idempotent=False, attempts=attempts, context=context, before=begin
            )
        except anyio.get_cancelled_exc_class():
            if begun and not sent:  # stopped before its request left: never sent
                self._unsend_quietly(payload)
            raise
        except Ambiguous as exc:
            # The ledger row stays in flight until a read-back settles it.
            self.counts.ambiguous += 1
            log.warning("ambiguous", error=str(exc), **context)
            # Settled in the background: the rest of the run does not wait for it.
            assert self._task_group is not None
            self._task_group.start_soon(self._settle_in_background, payload, time.time())
            return
        except GaveUp as exc:
            self.outcomes.fail(payload, str(exc))
            return
        except Rejected as exc:
            verdict = self.dates.judge(exc, body)
            if verdict is DateVerdict.RESEND:  # nothing was applied: the same post, undated
                await self._send(payload, attempts=attempts)
            elif verdict is DateVerdict.STOP:
                self.outcomes.unsend(payload)  # nothing was applied: planned again
                self._stop(self.dates.stop(exc))
            else:
                self.outcomes.fail(payload, f"rejected by ButterCMS: {exc.reason}")
            return
        except Stopped:
            # A bad token, a spent quota, or nothing gets through: the run stops instead of
            # failing every record in turn; this one goes back to planned.
            self.outcomes.unsend(payload)
            return
        # The hash of the payload as mapped (its date included, even when not sent): a
        # re-run finds it unchanged, and a later change is still sent.
        # Its pending references in the same statement: one write a record, not two.
        self.ledger.mark_accepted(
            target, payload.identity, payload_hash=payload.hash, sent=body, pending_refs=pending
        )
        self._note_pending(pending)
        self.dates.sent(payload.body, body)
        self.counts.accepted += 1
        self.last_create = time.monotonic()

    def _unsend_quietly(self, payload: Payload) -> None:
        """Planned again, so the next run need not read it back; a ledger that failed
        leaves it in flight, which the next run settles."""
        try:
            self.outcomes.unsend(payload)
        except LedgerFault:
            pass

    def _note_pending(self, pending: list[JsonObject]) -> None:
        if pending:
            self.counts.refs_pending += 1

    # ------------------------------------------------------------------ updating

    async def _update(self, payload: Payload, entry: LedgerEntry, *, checked: bool = False) -> None:
        """PATCH a record Butter already has: pages and posts by the slug Butter knows,
        collection items by id (from the ledger, or learnt by reading back). Unless told
        to overwrite, what Butter holds is checked for edits made there first (once:
        ``checked`` when the same update is sent again)."""
        target = target_key(payload)
        policy = self.edits
        try:
            resolved, pending = await self.refs.resolve(payload)
            body = self.dates.body(resolved)
            if policy.reads and not checked:
                found = await self._check_edits(payload, entry)
                if found is None:
                    return
                entry = found
            item_id = None
            if payload.kind == "collection":
                item_id = await self.item_id(target, entry, payload.locale)
                if item_id is None:
                    await self._update_without_id(payload, entry)
                    return
            slug = entry.slug or payload.slug
            if payload.kind != "collection" and payload.slug != slug:
                self.outcomes.warn(
                    payload,
                    f"slug changed from {slug!r} to {payload.slug!r}: ButterCMS cannot change "
                    f"a slug, so {slug!r} was updated",
                )

            async def send_update() -> None:
                nonlocal body
                # Decided as it leaves (as a create's): a date refused meanwhile is left out.
                body = self.dates.body(resolved)
                patch = owned_body(
                    payload.kind, update_body(payload.kind, body), policy.owned, policy.multi_locale
                )
                await self.client.update(
                    payload.kind,
                    payload.target,
                    patch,
                    slug=slug,
                    item_id=item_id,
                    locale=payload.locale,
                )

            await self.call(send_update)
        except NotFound as exc:
            if policy.overwrite:  # deleted in Butter, and told to overwrite: create it again
                await self._recreate(payload, f"update: not found in ButterCMS ({exc.reason})")
                return
            self.outcomes.fail(payload, f"update rejected by ButterCMS: {exc.reason}", update=True)
            return
        except Rejected as exc:
            verdict = self.dates.judge(exc, body)
            if verdict is DateVerdict.RESEND:
                # Checked a moment ago: a second read would be Butter's cached copy.
                await self._update(payload, entry, checked=True)
            elif verdict is DateVerdict.STOP:
                self._stop(self.dates.stop(exc))  # the ledger still holds what Butter has
            else:
                self.outcomes.fail(
                    payload, f"update rejected by ButterCMS: {exc.reason}", update=True
                )
            return
        except GaveUp as exc:
            self.outcomes.fail(payload, f"update {exc}", update=True)
            return
        self.ledger.mark_updated(
            target,
            payload.identity,
            payload_hash=payload.hash,
            lookup=payload.lookup,
            source=str(payload.source),
            sent=body,
            pending_refs=pending,
        )
        self._note_pending(pending)
        self.dates.sent(payload.body, body)
        self.counts.updated += 1

    async def _check_edits(self, payload: Payload, entry: LedgerEntry) -> LedgerEntry | None:
        """Read the record and compare it with what migrator last sent: the entry to
        update (its item id learnt), or None when it must not be updated."""
        check = self.edits.check
        assert check is not None
        sent = self.ledger.last_sent(entry.target, entry.identity)
        if sent is None:  # sent before the ledger kept bodies: nothing to compare with
            self.counts.unchecked += 1
            return entry
        if not self.client.can_read:
            self._not_checked(
                payload,
                "checking it for edits made in ButterCMS needs a read token: set "
                "BUTTER_READ_TOKEN, or pass --overwrite-edits to update without checking",
                note="no read token",
            )
            return None
        edits = await check(
            payload,
            entry,
            sent,
            ledger=self.ledger,
            client=self.client,
            retrier=self.retrier,
            failures=self.outcomes.failures,
        )
        if edits.butter_id and not entry.butter_id:
            self.ledger.set_butter_id(entry.target, entry.identity, edits.butter_id)
            entry = dataclasses.replace(entry, butter_id=edits.butter_id)
        if edits.gone:
            self.counts.gone_in_butter += 1
            self._conflict(
                payload,
                note="deleted in ButterCMS",
                reason="deleted in ButterCMS since migrator sent it (by an editor, or it failed in "
                "Butter's background queue: `migrator verify` tells): not updated, and not "
                "created again. To create it again: migrator run --overwrite-edits",
            )
            return None
        if edits.unsure:
            self._not_checked(payload, edits.unsure, note=edits.unsure.split(" (")[0])
            return None
        owned = self.edits.owned
        mine = [f for f in edits.fields if owned is None or field_name(f) in owned]
        if len(mine) < len(edits.fields):
            self.counts.edits_kept += 1  # edited where migrator does not update: left alone
        if mine:
            self.counts.conflicts += 1
            self._conflict(
                payload,
                note=", ".join(mine),
                reason=f"edited in ButterCMS since migrator sent it: {', '.join(mine)}; not "
                "updated (--overwrite-edits replaces the edits; [target] update_fields names "
                "the fields migrator may update)",
                fields=mine,
            )
            return None
        return entry

    def _not_checked(self, payload: Payload, why: str, *, note: str) -> None:
        self.counts.not_checked += 1
        self._conflict(payload, note=f"not checked: {note}", reason=f"not updated: {why}")

    def _conflict(
        self, payload: Payload, *, note: str, reason: str, fields: list[str] | None = None
    ) -> None:
        """Not updated, to keep what Butter holds; the ledger still says "changed", so the
        next run checks it again (until the edit is overwritten or the source agrees)."""
        if len(self.counts.conflict_notes) < 10:
            self.counts.conflict_notes.append(f"{payload.identity} ({payload.source}): {note}")
        self.outcomes.write_payload(payload, reason, stage="conflict", fields=fields)
        log.warning(
            "not updated: keeping what ButterCMS holds", identity=payload.identity, reason=reason
        )

    async def _recreate(self, payload: Payload, why: str) -> None:
        """Deleted in Butter, and --overwrite-edits: sent again as a new record."""
        target = target_key(payload)
        self.ledger.mark_missing(target, payload.identity, why)
        log.info("not in ButterCMS: creating it again", target=target, identity=payload.identity)
        await self._send(payload)

    async def _update_without_id(self, payload: Payload, entry: LedgerEntry) -> None:
        target = target_key(payload)
        if not self.client.can_read:
            self.outcomes.fail(
                payload,
                "updating a collection item needs its id: set BUTTER_READ_TOKEN so migrator "
                "can look it up by reading back",
            )
            return
        field, value = entry.lookup or ("?", "?")
        if self.edits.overwrite:
            await self._recreate(payload, f"not found in ButterCMS by {field} = {value!r}")
            return
        reason = (
            f"not found in ButterCMS by {field} = {value!r} (deleted there, or it failed in "
            "Butter's background queue): the next run creates it again"
        )
        self.ledger.mark_missing(target, payload.identity, reason)
        self.outcomes.report(payload, reason)

    # ------------------------------------------------------------------ deleting (--prune)

    async def _delete(self, entry: LedgerEntry) -> None:
        kind, name = split_target(entry.target)
        try:
            item_id = None
            if kind == "collection":
                item_id = await self.item_id(entry.target, entry)
                if item_id is None and not self.client.can_read:
                    self.outcomes.prune_failed(
                        entry, "its item id is unknown: set BUTTER_READ_TOKEN"
                    )
                    return
            # A collection item its lookup no longer finds is already gone: nothing to send.
            removed = False
            if kind != "collection" or item_id is not None:
                removed = await self.call(
                    lambda: self.client.delete(kind, name, slug=entry.slug, item_id=item_id)
                )
        except (Rejected, GaveUp) as exc:
            self.outcomes.prune_failed(entry, str(exc))
            return
        self.ledger.mark_deleted(entry.target, entry.identity)
        self.counts.deleted += 1
        log.info(
            "deleted: gone from the source",
            target=entry.target,
            identity=entry.identity,
            already_gone=not removed,
        )

    # ------------------------------------------------------------------ pending references

    async def _patch_refs(self, entry: LedgerEntry) -> None:
        """Resolve the references a record was written without, and PATCH them in."""
        kind, name = split_target(entry.target)
        still: list[JsonObject] = []
        try:
            for data in entry.pending_refs or []:
                hook, query_locale = hook_from_dict(data)
                ids, missing = await self.refs.resolve_hook(hook)
                if missing:
                    still.append(data)
                    self.counts.refs_unresolved += 1
                    self.outcomes.report_entry(entry, describe_missing(hook, missing), stage="refs")
                    continue
                item_id = None
                if kind == "collection":
                    item_id = await self.item_id(entry.target, entry, query_locale)
                    if item_id is None:
                        still.append(data)
                        self.counts.refs_unresolved += 1
                        self.outcomes.report_entry(
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
                self.counts.refs_patched += 1
                sent = self.ledger.last_sent(entry.target, entry.identity)
                if sent is not None:  # what the next edit check compares with
                    fields = body["fields"]
                    assert isinstance(fields, dict)
                    self.ledger.set_sent(
                        entry.target, entry.identity, merge_patch(sent, kind, fields)
                    )
        except (Rejected, GaveUp) as exc:
            self.counts.refs_unresolved += 1
            self.outcomes.report_entry(entry, f"reference not patched in: {exc}", "refs")
            return
        self.ledger.set_pending_refs(entry.target, entry.identity, still or None)
