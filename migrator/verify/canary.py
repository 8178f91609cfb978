"""The canary: the first records of a run, read back and compared before the bulk is sent.

A mapping that is wrong for the real account (a media host Butter cannot reach, a locale
the account lacks, a field Butter stores differently) fails every record in Butter's
background queue, after the 202s. Checking the first few, once Butter applied them, costs
their calls only; the run stops (exit 3) with the difference instead of spending the quota.
"""

from __future__ import annotations

from migrator.butter import ButterClient, GaveUp, Rejected, Stopped
from migrator.engine import CanaryReport, JsonlWriter, RunOptions, target_key
from migrator.ledger import Ledger, LedgerState
from migrator.mapping import Mapping, Payload
from migrator.verify.run import Verifier
from migrator.verify.stats import VerifyStats


class CanaryCheck:
    """``engine.CanaryCheck`` for one mapping: verify's comparison of each record."""

    def __init__(self, mapping: Mapping, options: RunOptions):
        self.mapping = mapping
        self.options = options

    async def __call__(
        self,
        payloads: list[Payload],
        ledger: Ledger,
        client: ButterClient,
        failures: JsonlWriter,
    ) -> CanaryReport:
        """What is wrong with the canary records in Butter ("identity: reason"); empty
        when each is there as sent. A post date Butter kept as its own is a note, said
        once: nothing in the mapping can change it (a problem if the mapping requires it)."""
        verifier = Verifier(
            client, ledger, self.mapping, self.options, VerifyStats(), failures, recheck=True
        )
        problems: list[str] = []
        for payload in payloads:
            entry = ledger.get(target_key(payload), payload.identity)
            if entry is None or (entry.state == LedgerState.FAILED and not entry.accepted_hash):
                continue  # refused at once (a 400): already a failure of its own
            if entry.state == LedgerState.IN_FLIGHT:
                problems.append(f"{payload.identity}: in doubt (sent, never answered)")
                continue
            try:
                await verifier.check(payload, entry)
            except (GaveUp, Rejected) as exc:
                problems.append(f"{payload.identity}: could not read it back: {exc}")
            except Stopped:
                break
        if verifier.stats.aborted:
            problems.append(f"reading the canary back stopped: {verifier.stats.aborted}")
        return CanaryReport(problems + verifier.problems, _date_notes(verifier.dates_kept))


def _date_notes(kept: dict[str, str]) -> list[str]:
    if not kept:
        return []
    identity, how = next(iter(kept.items()))
    return [
        f"ButterCMS kept its own publication dates for {len(kept)} canary post(s) (it "
        f"ignored `published`; {identity}: {how}): this run's posts are dated by Butter, "
        "not by the export. `migrator verify` counts them all; mark the date "
        "`required = true` in the mapping to stop instead."
    ]
