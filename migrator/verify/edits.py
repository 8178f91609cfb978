"""The edit check: has a record been edited in ButterCMS since migrator sent it?

``engine.EditCheck`` for one mapping, filled with verify's own read-back and comparison
(``Verifier._compare``, ``compare.py``): what Butter holds is compared with the body the
ledger kept from the last send, exactly as ``verify`` compares it with what was sent, so
what Butter changes on the way in (media moved to its CDN, references read back as
objects, component pickers reshaped, dates) is not taken for an edit. Each difference is
an edit made in Butter, named by its top-level field.
"""

from __future__ import annotations

import re
import time

from migrator.butter import ButterClient, Retrier
from migrator.engine import Edits, JsonlWriter, RunOptions, Verdict
from migrator.ledger import Ledger, LedgerEntry
from migrator.mapping import Mapping, Payload
from migrator.records import JsonObject
from migrator.verify.run import IN_DOUBT, Verifier
from migrator.verify.stats import VerifyStats

# Why a record could not be checked; the text before " (" is the summary's note.
NOT_YET = (
    "not found yet, and migrator's last write to it is recent (Butter may still be applying "
    "it, and a delete or an edit would not show); the next run reads it again "
    "(--overwrite-edits updates now)"
)
STALE = (
    "ButterCMS answered from its read cache (a copy up to {age:.0f} s old, which would not "
    "show an edit made since); the next run reads it again (--overwrite-edits updates now)"
)
# "faq[1].question: sent ...", "es.headline: ...", "body: ..." → the field and the rest.
_WHERE = re.compile(r"^([^:\[.]+)(?:[.\[]([^:\[.]+))?")


class EditCheck:
    """``engine.EditCheck`` for one mapping (one per run: its verifier is kept)."""

    def __init__(self, mapping: Mapping, options: RunOptions):
        self.mapping = mapping
        self.options = options
        self._verifier: Verifier | None = None

    def _for(
        self, ledger: Ledger, client: ButterClient, retrier: Retrier, failures: JsonlWriter
    ) -> Verifier:
        v = self._verifier
        if v is None or v.client is not client or v.ledger is not ledger:
            v = Verifier(
                client,
                ledger,
                self.mapping,
                self.options,
                VerifyStats(),
                failures,
                recheck=True,
                retrier=retrier,
            )
            # Only the comparison is used: not the slug index (a temporary file).
            v.slug_holders.close()
            self._verifier = v
        return v

    async def __call__(
        self,
        payload: Payload,
        entry: LedgerEntry,
        sent: JsonObject,
        *,
        ledger: Ledger,
        client: ButterClient,
        retrier: Retrier,
        failures: JsonlWriter,
    ) -> Edits:
        verifier = self._for(ledger, client, retrier, failures)
        # Migrator's own last write may not be applied yet (a run just before this one).
        await verifier._wait_for_butter(entry)
        ages: list[float] = []
        problems, butter_id = await verifier._compare(payload, entry, sent, ages)
        if problems is None:
            # Not found: a miss counts only from an answer no older than migrator's last
            # write, given Butter the settle timeout to apply it. Sooner, the run does not
            # wait on it (verify does): the next run reads it again.
            if time.time() < entry.updated_at.timestamp() + self.options.settle_timeout:
                return Edits(unsure=NOT_YET)
            settled = await verifier._settle(payload, entry)
            if settled.verdict is Verdict.IN_DOUBT:
                return Edits(unsure=IN_DOUBT)
            if settled.verdict is Verdict.FOUND:
                ages.clear()
                problems, butter_id = await verifier._compare(payload, entry, sent, ages)
        if problems is None:
            return Edits(gone=True)
        fields = self.fields_of(problems)
        stale = max(ages, default=0.0)
        if not fields and stale > 0:
            # A cached copy hides whatever was edited after it was made: not proof enough
            # to overwrite. Read again by the next run, once the cache let it go.
            return Edits(unsure=STALE.format(age=stale), butter_id=butter_id)
        return Edits(fields=fields, butter_id=butter_id)

    def fields_of(self, problems: list[str]) -> tuple[str, ...]:
        """The top-level fields that ``diff_fields``/``diff_post`` lines name, once each:
        ``headline``, or ``headline (es)`` for a locale of a multi-locale record."""
        locales = (
            {*self.mapping.locales, self.mapping.base_locale} if self.mapping.locales else set()
        )
        out: dict[str, None] = {}
        for line in problems:
            m = _WHERE.match(line)
            if m is None:
                continue
            first, second = m.group(1).strip(), m.group(2)
            name = f"{second} ({first})" if first in locales and second else first
            out[name] = None
        return tuple(out)
