"""What the ButterCMS API answered, as error classes: decided here and nowhere else.

ApiError
├── RetriableError        try again after a backoff
│   ├── Throttled         429 with a short Retry-After: pause every worker
│   ├── ServerError       5xx
│   └── NotSent           could not connect; the request never left, so resending is safe
├── Ambiguous             the connection died after the request was sent: it may have been
│                         applied. Never resend a create blindly; read back first.
├── Rejected              400: this record is wrong; Butter's messages say why
│   ├── NotFound          404: no such page, post or item (a DELETE of one already gone)
│   └── Forbidden         403: not a token problem: Butter refuses an invalid collection
│                         filter or order, and a `*` page read that matches several pages
└── FatalError            stop the run now
    ├── AuthFailed        401
    ├── QuotaExhausted    429 "API Calls limit reached." (monthly quota): retrying burns calls
    ├── Unreachable       nothing gets through
    └── LookupRefused     403 on a lookup: the mapping's lookup field cannot be filtered on
                          (a configuration error: exit 2)
"""

from __future__ import annotations

import email.utils
import re
import time
from typing import Any

from migrator.errors import MigratorError

# A Retry-After longer than this is the monthly quota reset, not a throttle.
MAX_THROTTLE_WAIT = 120.0


class ApiError(MigratorError):
    def __init__(self, message: str, *, status: int | None = None, body: Any = None):
        super().__init__(message)
        self.status = status
        self.body = body


class RetriableError(ApiError):
    pass


class Throttled(RetriableError):
    def __init__(self, message: str, *, retry_after: float, body: Any = None):
        super().__init__(message, status=429, body=body)
        self.retry_after = retry_after


class ServerError(RetriableError):
    pass


class NotSent(RetriableError):
    pass


class Ambiguous(ApiError):
    pass


class Rejected(ApiError):
    """400: the payload is wrong. ``reason`` is Butter's answer in one line."""

    def __init__(self, reason: str, *, status: int = 400, body: Any = None):
        super().__init__(reason, status=status, body=body)
        self.reason = reason

    def names_field(self, name: str) -> bool:
        """A 400 about ``name``: DRF's ``{"name": [...]}``, or a ``detail``/``error`` text
        that names it (a sender may then try again without that key)."""
        if self.status != 400 or not isinstance(self.body, dict):
            return False
        if name in self.body:
            return True
        texts = [self.body.get(k) for k in ("detail", "error", "non_field_errors")]
        words = " ".join(str(t) for t in texts if t)
        return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", words) is not None


class NotFound(Rejected):
    pass


class Forbidden(Rejected):
    pass


class FatalError(ApiError):
    exit_code = 3


class AuthFailed(FatalError):
    pass


class QuotaExhausted(FatalError):
    pass


class Unreachable(FatalError):
    pass


class LookupRefused(FatalError):
    """Every record of the mapping would hit it: fix the mapping, then run again."""

    exit_code = 2


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    parsed = email.utils.parsedate_to_datetime(value) if value else None
    return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def describe_body(body: Any) -> str:
    """Butter's DRF-style error body as one readable line."""
    if isinstance(body, dict):
        if set(body) <= {"detail", "error"}:
            return str(body.get("detail") or body.get("error"))
        parts = []
        for key, value in body.items():
            msgs = value if isinstance(value, list) else [value]
            parts.append(f"{key}: {'; '.join(str(m) for m in msgs)}")
        return ", ".join(parts)
    return str(body)[:500] if body else "no details"


def error_for_response(status: int, headers: Any, body: Any) -> ApiError | None:
    """Map one HTTP answer to an error class, or None when it is a success."""
    if status < 300:
        return None
    text = describe_body(body)
    if status == 403:
        return Forbidden(f"403: {text}", status=status, body=body)
    if status == 401:
        return AuthFailed(
            f"ButterCMS refused the token ({status}: {text}). Writes need the account's write "
            "token (Settings → API Tokens → Write API token), not the read token; set "
            "BUTTER_WRITE_TOKEN or pass --token-file.",
            status=status,
            body=body,
        )
    if status == 429:
        retry_after = parse_retry_after(headers.get("Retry-After"))
        quota_text = "limit reached" in text.lower()
        if (
            retry_after is not None
            and retry_after <= MAX_THROTTLE_WAIT
            and not (quota_text and retry_after > 60)
        ):
            return Throttled(f"throttled: {text}", retry_after=retry_after, body=body)
        return QuotaExhausted(
            f"ButterCMS API call quota exhausted ({text}). Retrying would only burn more "
            "calls; the run stops. Re-run after the monthly reset or upgrade the plan.",
            status=429,
            body=body,
        )
    if status >= 500:
        return ServerError(f"ButterCMS server error {status}: {text}", status=status, body=body)
    if status == 404:
        return NotFound(f"not found: {text}", status=status, body=body)
    return Rejected(text, status=status, body=body)
