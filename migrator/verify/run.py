"""Verify: read every accepted record back through the Read API and compare.

A 202 means *accepted*, not *created*: Butter applies writes in a background queue and
can still fail them there, silently. So, once Butter had time (``settle_delay`` after the
record was last sent), each record the ledger holds as accepted is read back — drafts
with ``preview=1``, every locale that was sent — and compared with what was sent (the
source is read again and mapped again, so no body needs to be stored):

- equal                   → ledger ``verified`` (and a collection item's id is learnt)
- absent                  → ``failed``: "missing after acceptance"; no longer in Butter,
                            so the next ``migrator run --retry-failed`` creates it again
- present but different   → ``failed`` with the fields that differ; Butter has it, so
                            ``--retry-failed`` updates it
- in flight (a run died mid-send) → settled: found → accepted, then verified; absent →
                            back to planned, and the next run sends it

Reads follow the run's retry policy (``migrator.butter.Retrier``): the same pacing,
global pause on throttling, retries and clean stop on a bad token or an exhausted quota.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import TypeVar

import aiohttp
import anyio
import anyio.lowlevel
from anyio.streams.memory import MemoryObjectReceiveStream

from migrator.butter import (
    ButterClient,
    FatalError,
    GaveUp,
    ReadBack,
    Rejected,
    Retrier,
    Stopped,
)
from migrator.engine import (
    Compiled,
    JsonlWriter,
    RefResolver,
    RunOptions,
    Settled,
    SettleWindow,
    SlugHolders,
    Verdict,
    as_sent,
    compiled_mapping,
    failure_line,
    settle,
    tally,
    target_key,
)
from migrator.errors import ConfigError, LedgerFault, RecordError
from migrator.ledger import CheckpointLedger, Ledger, LedgerEntry, LedgerState
from migrator.log import get_logger, redact_text
from migrator.mapping import Mapping, Payload
from migrator.model import Field
from migrator.records import JsonObject, Record
from migrator.sources import open_source
from migrator.verify.compare import diff_fields, diff_post, diff_published
from migrator.verify.stats import VerifyStats

T = TypeVar("T")
# The states of a record Butter accepted at some point (FAILED: maybe only a later update).
_SENT = frozenset(
    {LedgerState.ACCEPTED, LedgerState.IN_FLIGHT, LedgerState.VERIFIED, LedgerState.FAILED}
)

log = get_logger("migrator.verify")
MISSING = "missing after acceptance (failed in Butter's background queue?)"
DATE_KEPT = "Butter kept its own publication date (it ignored or refused `published`)"
IN_DOUBT = (
    "not visible yet: Butter may still be applying it, or its read cache is older than the "
    "write; verify again later"
)


async def verify_migration(
    mapping: Mapping,
    source_path: Path,
    options: RunOptions,
    *,
    base_url: str,
    read_token: str | None,
    recheck: bool = False,
    repair_token: str | None = None,
) -> VerifyStats:
    """``options.failures_path`` receives one line per record that is not as sent.
    ``recheck``: read back records already verified, or failed after acceptance, too.
    ``repair_token`` (the write token): delete the duplicate copies migrator made."""
    if not read_token:
        raise ConfigError(
            "verify reads back through the Read API: set BUTTER_READ_TOKEN or pass "
            "--read-token-file (ButterCMS → Settings → API Tokens → Read API token)"
        )
    if not options.ledger_path.exists():
        raise ConfigError(f"no ledger at {options.ledger_path}; run `migrator run` first")
    stats = VerifyStats()
    started = time.monotonic()
    source = open_source(mapping.source_format, source_path, **mapping.source_options)
    timeout = aiohttp.ClientTimeout(total=60, connect=10)
    connector = aiohttp.TCPConnector(limit=options.concurrency * 2)
    failures = JsonlWriter(options.failures_path)
    try:
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            # No write token but to repair: verify only reads.
            client = ButterClient(
                base_url, repair_token or "", read_token=read_token, session=session
            )
            with (
                CheckpointLedger(options.ledger_path) as ledger,
                compiled_mapping(mapping, source_path, options) as compiled,
            ):
                ledger.bind(base_url, repair_token)  # the ledger's own target, or none yet
                verifier = Verifier(
                    client,
                    ledger,
                    mapping,
                    options,
                    stats,
                    failures,
                    recheck,
                    repair=repair_token is not None,
                )
                try:
                    await verifier.run(source.records(), compiled)
                finally:
                    stats.calls_reads = client.calls.reads
                    try:
                        ledger.flush()
                    except LedgerFault as exc:
                        verifier.fault(exc)
    finally:
        failures.close()
        stats.elapsed = time.monotonic() - started
    return stats


class Verifier:
    def __init__(
        self,
        client: ButterClient,
        ledger: Ledger,
        mapping: Mapping,
        options: RunOptions,
        stats: VerifyStats,
        failures: JsonlWriter,
        recheck: bool,
        repair: bool = False,
        retrier: Retrier | None = None,
    ):
        """``retrier``: a run's own (the edit check reads under the run's pacing)."""
        self.client = client
        self.repair = repair
        self.ledger = ledger
        self.mapping = mapping
        self.options = options
        self.stats = stats
        self.failures = failures
        self.problems: list[str] = []  # "identity: reason", for the canary
        self.dates_kept: dict[str, str] = {}  # identity → how its date differs, once each
        self.states = {LedgerState.ACCEPTED, LedgerState.IN_FLIGHT}
        if recheck:
            self.states |= {LedgerState.VERIFIED, LedgerState.FAILED}
        self._scope = anyio.CancelScope()
        # The run's retry policy: pacing, global pause, retries; a fatal answer stops.
        self.retrier = retrier or Retrier(options.retry_policy, on_fatal=self._abort)
        self.window = SettleWindow(options.settle_delay, options.settle_timeout)
        self.refs = RefResolver(client, ledger, self._read)
        # Who else was sent with a record's slug: the real cause of a difference.
        self.slug_holders = SlugHolders(ledger)
        kind, name = mapping.target.kind, mapping.target.name
        self.fields: dict[str, Field] = (
            (mapping.model.fields_of(kind, name or "") or {}) if kind != "post" else {}
        )

    async def _read(self, request: Callable[[], Awaitable[T]]) -> T:
        return await self.retrier.call(request)

    def _abort(self, exc: FatalError) -> None:
        if not self.stats.aborted:
            self.stats.aborted = redact_text(str(exc))
            self.stats.abort_exit = exc.exit_code
            log.error("verify stopped", reason=str(exc))
        self._scope.cancel()

    def fault(self, exc: LedgerFault) -> None:
        """The ledger failed (``LedgerFault``): stop, one message, exit 3."""
        if not self.stats.aborted:
            self.stats.aborted = str(exc)
            log.error("verify stopped", reason=str(exc))
        self._scope.cancel()

    async def run(self, records: Iterable[Record | RecordError], compiled: Compiled) -> None:
        """``compiled``: the mapping as the run compiled it (``compiled_mapping``)."""
        send, receive = anyio.create_memory_object_stream[tuple[Payload, LedgerEntry]](
            self.options.concurrency * 2
        )
        with self._scope, contextlib.closing(self.slug_holders):
            async with anyio.create_task_group() as tg:
                for _ in range(self.options.concurrency):
                    tg.start_soon(self._worker, receive.clone())
                receive.close()
                async with send:
                    try:
                        for n, record in enumerate(records, 1):
                            item = self._plan(record, compiled)
                            if item is not None:
                                await send.send(item)
                            elif n % 256 == 0:
                                await anyio.lowlevel.checkpoint()
                    except LedgerFault as exc:
                        self.fault(exc)

    def _plan(
        self, record: Record | RecordError, compiled: Compiled
    ) -> tuple[Payload, LedgerEntry] | None:
        self.stats.read += 1
        if isinstance(record, RecordError):
            self.stats.skipped += 1
            return None
        try:
            payload = compiled(record)
        except RecordError:
            payload = None
        if payload is None:
            self.stats.skipped += 1
            return None
        entry = self.ledger.get(target_key(payload), payload.identity)
        if entry is None or entry.state not in _SENT:
            self.stats.not_sent += 1
            return None
        payload = as_sent(payload, entry, suffix=self.mapping.target.unique_slugs == "suffix")
        if entry.state == LedgerState.FAILED and entry.accepted_hash is None:
            if entry.reason == MISSING and entry.payload_hash == payload.hash:
                # An earlier verify found it missing: still so until a run sends it again.
                self._earlier_problem(payload, entry)
            else:
                self.stats.not_sent += 1  # failed before Butter ever had it
            return None
        if entry.state != LedgerState.IN_FLIGHT and entry.accepted_hash != payload.hash:
            self.stats.changed += 1
            return None
        if entry.state not in self.states:  # verified, or not as sent, by an earlier verify
            if entry.state == LedgerState.VERIFIED:
                self.stats.verified_before += 1
            else:
                self._earlier_problem(payload, entry)
            return None
        return payload, entry

    def _earlier_problem(self, payload: Payload, entry: LedgerEntry) -> None:
        """Reported again as found (not read again): the report and the exit code stay
        what the verify that found it said, until a run fixes it or --recheck reads it."""
        self.stats.failed_before += 1
        self._report(payload, entry.reason or "not as sent (found earlier)")

    async def _worker(
        self, receive: MemoryObjectReceiveStream[tuple[Payload, LedgerEntry]]
    ) -> None:
        async with receive:
            async for payload, entry in receive:
                try:
                    await self.check(payload, entry)
                except Stopped:
                    return
                except LedgerFault as exc:
                    self.fault(exc)
                    return
                except (GaveUp, Rejected) as exc:
                    self.stats.errors += 1
                    self._report(payload, f"could not read back: {exc}")

    async def _wait_for_butter(self, entry: LedgerEntry) -> None:
        """Butter applies writes within seconds; reading earlier would find nothing."""
        wait = entry.updated_at.timestamp() + self.options.settle_delay - time.time()
        if wait > 0:
            await anyio.sleep(wait)

    async def _settle(self, payload: Payload, entry: LedgerEntry) -> Settled:
        """Is it in Butter? Read back until the answer is conclusive (``engine.settle``):
        a miss from a cache older than the write, or before Butter applied it, is no proof."""

        async def read() -> ReadBack:
            return await self._read(
                lambda: self.client.read_back(
                    payload.kind,
                    payload.target,
                    slug=entry.slug,
                    lookup=entry.lookup or payload.lookup,
                    locale=payload.locale,
                    fresh=True,
                )
            )

        return await settle(read, sent_at=entry.updated_at.timestamp(), window=self.window)

    def _in_doubt(self, payload: Payload) -> None:
        self.stats.in_doubt += 1
        self._report(payload, IN_DOUBT)

    async def check(self, payload: Payload, entry: LedgerEntry) -> None:
        """Read one record back (once Butter had time) and compare it with ``payload``."""
        target = target_key(payload)
        await self._wait_for_butter(entry)
        if entry.state == LedgerState.IN_FLIGHT:
            settled = await self._settle(payload, entry)
            if settled.verdict is Verdict.IN_DOUBT:
                self._in_doubt(payload)
                return
            found = settled.read.item if settled.read else None
            if found is None:
                self.ledger.plan(
                    target,
                    payload.identity,
                    payload_hash=entry.payload_hash or payload.hash,
                    slug=entry.slug,
                    lookup=entry.lookup,
                    source=entry.source,
                )
                self.stats.settled_absent += 1
                log.info("settled: not applied; the next run sends it", identity=payload.identity)
                return
            meta = found.get("meta") if isinstance(found, dict) else None
            self.ledger.mark_accepted(
                target,
                payload.identity,
                payload_hash=entry.payload_hash or payload.hash,
                butter_id=str(meta["id"]) if isinstance(meta, dict) and "id" in meta else None,
            )
            self.stats.settled_found += 1
            if entry.payload_hash != payload.hash:
                self.stats.changed += 1
                return
            entry = self.ledger.get(target, payload.identity) or entry
        self.stats.checked += 1
        problems, butter_id = await self._compare(payload, entry)
        if problems is None:
            # Not found: conclusive only once no answer can predate the write.
            settled = await self._settle(payload, entry)
            if settled.verdict is Verdict.IN_DOUBT:
                self._in_doubt(payload)
                return
            if settled.verdict is Verdict.FOUND:
                problems, butter_id = await self._compare(payload, entry)
        if problems is None:
            self.stats.missing += 1
            self.ledger.mark_missing(target, payload.identity, MISSING)
            self._report(payload, MISSING)
        elif problems:
            self.stats.differs += 1
            reason = "differs after acceptance: " + "; ".join(problems[:8])
            other = entry.slug and self.slug_holders.other(target, entry.slug, payload.identity)
            if other:
                # Butter keeps one record per slug: what it has there is another record.
                reason = (
                    f"slug {entry.slug!r} taken by {other[0]!r} ({other[1] or 'source unknown'}):"
                    f" Butter keeps one record per slug and has another there; it differs: "
                    + "; ".join(problems[:8])
                )
            if len(problems) > 8:
                reason += f"; and {len(problems) - 8} more"
            self.ledger.mark_failed(target, payload.identity, redact_text(reason))
            self._report(payload, reason, field=problems[0].split(":")[0])
        else:
            self.stats.verified += 1
            self.ledger.mark_verified(target, payload.identity, butter_id=butter_id)

    async def _compare(
        self,
        payload: Payload,
        entry: LedgerEntry,
        body: JsonObject | None = None,
        ages: list[float] | None = None,
    ) -> tuple[list[str] | None, str | None]:
        """(differences, or None when absent; the item id when learnt). ``body``: what to
        compare with (default: ``payload`` as sent, its references resolved); ``ages``:
        read past the cache where it allows, and note how old each answer was."""
        fresh = ages is not None
        if body is None:
            body, _ = await self.refs.resolve(payload)
        pending = {ref["field"] for ref in entry.pending_refs or []}
        if payload.kind == "post":
            got = await self._read(
                lambda: self.client.find(
                    "post", None, slug=entry.slug, lookup=None, fresh=fresh, ages=ages
                )
            )
            return (None, None) if got is None else (self._post_problems(payload, body, got), None)
        problems: list[str] = []
        butter_id = None
        for locale, sent in self._locales(payload, body):
            sent = {k: v for k, v in sent.items() if k not in pending}
            prefix = f"{locale}." if locale and not payload.locale else ""
            if payload.kind == "page":
                got = await self._read(
                    functools.partial(
                        self.client.find,
                        "page",
                        payload.target,
                        slug=entry.slug,
                        lookup=None,
                        locale=locale,
                        fresh=fresh,
                        ages=ages,
                    )
                )
                if got is None:
                    return None, None
                problems += diff_fields(self.fields, sent, got.get("fields"), prefix)
                if body.get("status") == "published" and not got.get("published"):
                    problems.append("status: sent 'published', read back a draft")
                continue
            lookup = entry.lookup or payload.lookup
            assert lookup is not None and payload.target is not None  # a collection item's
            items = await self._read(
                functools.partial(
                    self.client.find_items,
                    payload.target,
                    lookup,
                    locale=locale,
                    limit=10,
                    fresh=fresh,
                    ages=ages,
                )
            )
            if not items:
                return None, None
            ours = _item_with_id(items, entry.butter_id) or items[0]
            extras = [item for item in items if item is not ours]
            if extras and butter_id is None:  # once per record, not once per locale
                problems += await self._duplicates(payload, entry, lookup, extras, sent, prefix)
            meta = ours.get("meta") or {}
            butter_id = str(meta["id"]) if "id" in meta else None
            problems += diff_fields(self.fields, sent, _values(ours), prefix)
        return problems, butter_id

    def _post_problems(self, payload: Payload, body: JsonObject, got: JsonObject) -> list[str]:
        """What differs; a date Butter kept as its own is a difference only when the
        mapping requires it, else a warning line per record and one count."""
        problems = diff_post(body, got)
        date = diff_published(body, got)
        if date is None:
            return problems
        if self.mapping.published_required:
            return [*problems, f"{date} (Butter kept its own date; the mapping requires it)"]
        if payload.identity not in self.dates_kept:  # compared twice after a settle: once
            self.dates_kept[payload.identity] = date
            self.stats.dates_kept += 1
            self.failures.write(
                failure_line(
                    stage="warning",
                    reason=f"{DATE_KEPT}: {date}",
                    identity=payload.identity,
                    source=str(payload.source),
                    field="published",
                    target=target_key(payload),
                )
            )
        return problems

    async def _duplicates(
        self,
        payload: Payload,
        entry: LedgerEntry,
        lookup: tuple[str, str],
        extras: list[JsonObject],
        sent: JsonObject,
        prefix: str,
    ) -> list[str]:
        """Report the other items with this lookup value; with ``repair``, delete the ones
        migrator made: identical to what it sent, beside the item the ledger holds."""
        left = extras
        if self.repair and entry.butter_id is not None:
            left = []
            for item in extras:
                if diff_fields(self.fields, sent, _values(item), prefix):
                    left.append(item)  # not what migrator sent: not its copy to delete
                    continue
                item_id = str((item.get("meta") or {}).get("id"))
                await self._read(
                    functools.partial(
                        self.client.delete, "collection", payload.target, item_id=item_id
                    )
                )
                self.stats.repaired += 1
                log.info("repaired: deleted a duplicate", identity=payload.identity, id=item_id)
        if not left:
            return []
        self.stats.duplicates += 1
        return [
            f"{lookup[0]}: {len(left) + 1} items have {lookup[1]!r} (duplicates; "
            "`migrator verify --repair` deletes the copies migrator made)"
        ]

    def _locales(self, payload: Payload, body: JsonObject) -> list[tuple[str | None, JsonObject]]:
        fields = body["fields"][0] if payload.kind == "collection" else body["fields"]
        if payload.locale:
            return [(payload.locale, fields)]
        if self.mapping.locales:  # multi-locale form: {locale: values}
            return list(fields.items())
        return [(None, fields)]

    def _report(self, payload: Payload, reason: str, field: str | None = None) -> None:
        tally(self.stats.failure_reasons, reason)
        self.problems.append(f"{payload.identity}: {reason}")
        self.failures.write(
            failure_line(
                stage="verify",
                reason=reason,
                identity=payload.identity,
                source=str(payload.source),
                field=field,
                target=target_key(payload),
            )
        )


def _item_with_id(items: list[JsonObject], butter_id: str | None) -> JsonObject | None:
    for item in items:
        if butter_id is not None and str((item.get("meta") or {}).get("id")) == butter_id:
            return item
    return None


def _values(item: JsonObject) -> JsonObject:
    return {k: v for k, v in item.items() if k != "meta"}
