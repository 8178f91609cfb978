"""A blog post's publication date, and a ButterCMS that refuses it.

Butter's Write API documents no date for posts (its Read API returns ``published``): an
account may honour the key, ignore it, or answer 400 naming it. On the first such 400 the
run says so once (log and summary) and sends that post and every later one without the
key. The ledger keeps each payload's hash with its date, so a re-run sends nothing that
did not change, and a later change to a post (its date included) is still sent.

A mapping that marks the date ``required = true`` stops the run instead (exit 3) before
the rest of the export spends the quota: the canary's first post tells, and without a
canary the first refusal does. An ignored date is only seen by reading back (the canary,
``verify``).
"""

from __future__ import annotations

from enum import Enum

from migrator.butter import FatalError, Rejected
from migrator.engine.counts import SendCounts
from migrator.log import get_logger
from migrator.records import JsonObject

log = get_logger("migrator.submit")
DATE_KEY = "published"


class DatesRefused(FatalError):
    """Butter refused ``published`` and the mapping requires it (exit 3)."""


class DateVerdict(Enum):
    OTHER = "other"  # a 400 about something else: the record failed
    RESEND = "resend"  # send it again without the date
    STOP = "stop"  # the mapping requires the date: stop the run


class PostDates:
    """What this run learnt about ``published``; it writes the pool's ``counts``."""

    def __init__(self, counts: SendCounts, required: str | None = None):
        """``required``: where the mapping requires the date ("m.toml: fields.published")."""
        self.counts = counts
        self.required = required

    @property
    def refused(self) -> bool:
        return self.counts.dates_refused is not None

    def body(self, body: JsonObject) -> JsonObject:
        """The body to send: without the date once Butter refused it."""
        if self.refused and DATE_KEY in body:
            return {k: v for k, v in body.items() if k != DATE_KEY}
        return body

    def judge(self, exc: Rejected, body: JsonObject) -> DateVerdict:
        """A 400 to ``body``: was it the date?"""
        if DATE_KEY not in body or not exc.names_field(DATE_KEY):
            return DateVerdict.OTHER
        if self.required is not None:
            return DateVerdict.STOP
        if not self.refused:
            self.counts.dates_refused = exc.reason
            log.warning(
                "ButterCMS refused the posts' publication date: sending posts without it "
                "from now on (Butter dates them itself)",
                reason=exc.reason,
            )
        return DateVerdict.RESEND

    def stop(self, exc: Rejected) -> DatesRefused:
        return DatesRefused(
            f"ButterCMS refused the posts' publication date ({exc.reason}), and "
            f"{self.required} is `required = true`: the run stopped before sending the rest. "
            "Remove `required = true` to send the posts without their dates (Butter then "
            "dates each one itself)."
        )

    def sent(self, payload_body: JsonObject, body: JsonObject) -> None:
        """Count a post Butter accepted without the date it had."""
        if DATE_KEY in payload_body and DATE_KEY not in body:
            self.counts.sent_undated += 1
