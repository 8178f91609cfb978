"""The one retry policy, branch by branch, against a real local server that answers from a
script: each test says what the server answers, in order, and checks what the caller sees,
how many requests reached the server and what the policy counted."""

from __future__ import annotations

import asyncio
import email.utils
import time

import pytest

from migrator.butter import (
    Ambiguous,
    AuthFailed,
    ButterClient,
    FatalError,
    GaveUp,
    QuotaExhausted,
    Rejected,
    Retrier,
    RetryPolicy,
    Stopped,
    Unreachable,
)
from migrator.errors import ConfigError

from .conftest import FAST, SLOW, accepted, client, dropped, found, status, throttled

pytestmark = pytest.mark.anyio


async def create(retrier: Retrier, butter: ButterClient) -> None:
    await retrier.call(lambda: butter.create("post", {"slug": "a"}), idempotent=False)


async def test_a_throttle_with_retry_after_pauses_then_goes_through(scripted, session):
    server = scripted([throttled("0.2"), accepted])
    retrier = Retrier(FAST)
    started = time.monotonic()
    await create(retrier, client(server, session))
    assert time.monotonic() - started >= 0.2, "Retry-After was honoured"
    assert server.received == ["POST", "POST"]
    assert (retrier.counts.throttled, retrier.counts.retries) == (1, 0)


async def test_a_throttle_pauses_every_request_of_the_retrier(scripted, session):
    server = scripted([throttled("0.3")])
    retrier = Retrier(FAST)
    butter = client(server, session)
    started = time.monotonic()
    first = asyncio.create_task(create(retrier, butter))
    await asyncio.sleep(0.05)  # the throttle is in: a second request must wait for it too
    await create(retrier, butter)
    await first
    assert time.monotonic() - started >= 0.3
    assert server.received == ["POST", "POST", "POST"]


async def test_an_http_date_retry_after_is_a_throttle(scripted, session):
    soon = email.utils.formatdate(time.time() + 1, usegmt=True)
    server = scripted([throttled(soon), accepted])
    retrier = Retrier(FAST)
    await create(retrier, client(server, session))
    assert retrier.counts.throttled == 1 and len(server.received) == 2


async def test_a_429_without_retry_after_is_the_exhausted_quota(scripted, session):
    server = scripted([throttled(None)])
    with pytest.raises(QuotaExhausted):
        await create(Retrier(FAST), client(server, session))
    assert server.received == ["POST"], "a spent quota is never retried: retries burn calls"


async def test_the_quota_message_with_a_long_retry_after_is_fatal(scripted, session):
    quota = status(429, {"detail": "API Calls limit reached."}, **{"Retry-After": "86400"})
    server = scripted([quota])
    with pytest.raises(QuotaExhausted):
        await create(Retrier(FAST), client(server, session))
    assert len(server.received) == 1


async def test_too_many_throttles_in_a_row_give_up(scripted, session):
    server = scripted([throttled("0")] * 5)
    retrier = Retrier(FAST)
    with pytest.raises(GaveUp, match="throttled 3 times in a row"):
        await create(retrier, client(server, session))
    assert len(server.received) == FAST.max_throttles + 1
    assert retrier.counts.throttled == 3


async def test_a_5xx_is_retried_with_backoff(scripted, session):
    server = scripted([status(502), status(503), accepted])
    retrier = Retrier(FAST)
    await create(retrier, client(server, session))
    assert len(server.received) == 3 and retrier.counts.retries == 2


async def test_5xx_until_the_attempts_run_out_gives_up(scripted, session):
    server = scripted([status(500)] * 5)
    with pytest.raises(GaveUp, match="gave up after 3 attempts: ButterCMS server error 500"):
        await create(Retrier(FAST), client(server, session))
    assert len(server.received) == FAST.max_attempts


async def test_attempts_already_spent_count(scripted, session):
    server = scripted([status(500)] * 5)
    retrier = Retrier(FAST)
    butter = client(server, session)
    with pytest.raises(GaveUp, match="after 3 attempts"):
        await retrier.call(lambda: butter.create("post", {}), idempotent=False, attempts=1)
    assert len(server.received) == 2


async def test_a_create_that_timed_out_is_ambiguous_and_never_resent(scripted, session):
    server = scripted([SLOW])
    with pytest.raises(Ambiguous):
        await create(Retrier(FAST), client(server, session))
    assert server.received == ["POST"], "it may have been applied: only a read-back can tell"


async def test_a_create_whose_connection_dropped_is_ambiguous(scripted, session):
    server = scripted([dropped])
    with pytest.raises(Ambiguous):
        await create(Retrier(FAST), client(server, session))
    assert server.received == ["POST"]


async def test_an_idempotent_update_is_sent_again_after_a_drop_or_a_timeout(scripted, session):
    server = scripted([dropped, SLOW, accepted])
    retrier = Retrier(FAST)
    butter = client(server, session)
    await retrier.call(lambda: butter.update("post", None, {"title": "t"}, slug="a"))
    assert server.received == ["PATCH", "PATCH", "PATCH"] and retrier.counts.retries == 2


async def test_a_read_that_timed_out_is_retried(scripted, session):
    server = scripted([SLOW, found])
    retrier = Retrier(FAST)
    butter = client(server, session)
    got = await retrier.call(lambda: butter.find("post", None, slug="a", lookup=None))
    assert got == {"slug": "a"} and server.received == ["GET", "GET"]


async def test_nothing_listening_is_unreachable_after_the_attempts(session):
    butter = ButterClient("http://127.0.0.1:9/v2", "w", session=session)
    with pytest.raises(Unreachable, match="ButterCMS is unreachable: cannot connect"):
        await create(Retrier(FAST), butter)


async def test_a_400_is_raised_at_once(scripted, session):
    server = scripted([status(400, {"fields": ["required"]})])
    with pytest.raises(Rejected, match="fields: required"):
        await create(Retrier(FAST), client(server, session))
    assert len(server.received) == 1


async def test_a_401_stops_the_run_through_on_fatal(scripted, session):
    server = scripted([status(401, {"detail": "Invalid token."})])
    stops: list[FatalError] = []
    retrier = Retrier(FAST, on_fatal=stops.append)
    with pytest.raises(Stopped, match="refused the token"):
        await create(retrier, client(server, session))
    assert [type(e) for e in stops] == [AuthFailed] and len(server.received) == 1


def test_the_policy_is_checked_when_built():
    with pytest.raises(ConfigError, match="--max-attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ConfigError, match="rate"):
        RetryPolicy(rate=0)


def test_backoff_is_capped_and_jittered():
    policy = RetryPolicy(backoff_base=1.0, backoff_cap=4.0)
    waits = [policy.backoff(attempt) for attempt in (1, 2, 3, 10) for _ in range(200)]
    assert all(0 <= w <= 4.0 for w in waits)
    assert len({round(w, 3) for w in waits}) > 50, "full jitter: no two workers in step"
    assert max(policy.backoff(1) for _ in range(200)) <= 1.0


async def test_in_flight_bounds_requests_out_and_before_runs_ahead_of_the_slot():
    # More callers than slots: each one's ``before`` runs once its turn came, without
    # waiting for a slot, and never more than ``in_flight`` requests are out at once.
    retrier = Retrier(FAST, in_flight=2)
    out = most = prepared = 0
    order: list[str] = []

    async def before() -> None:
        nonlocal prepared
        prepared += 1

    async def request(n: int) -> int:
        nonlocal out, most
        out += 1
        most = max(most, out)
        order.append(f"sent {n} with {prepared} prepared")
        await asyncio.sleep(0.2)  # long beside the pacing of FAST
        out -= 1
        return n

    results = await asyncio.gather(
        *(retrier.call(lambda n=n: request(n), before=before) for n in range(6))
    )
    assert results == list(range(6))
    assert most == 2
    # All six prepared before the third request could leave (two slots held).
    assert order[2] == "sent 2 with 6 prepared", order
