"""Requests per second, evenly spaced: the one limiter the writes and the media check use."""

from __future__ import annotations

from aiolimiter import AsyncLimiter


def paced_limiter(rate: float) -> AsyncLimiter:
    """At most a tenth of a second's worth at once (one write at Butter's 5/s), never a
    whole second's burst. A bucket of exactly one loses ~5% of the rate to wake-up latency
    at high rates; this keeps the average exact (see ``make bench``)."""
    burst = max(1.0, rate / 10)
    return AsyncLimiter(burst, burst / rate)
