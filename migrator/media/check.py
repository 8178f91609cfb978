"""Is a media URL alive? A polite, rate-limited HEAD (or a one-byte GET) per URL.

ButterCMS downloads every media URL of a write in its background queue; one it cannot
fetch fails the whole item after the 202. Asking each URL first costs the old host one
small request and tells the user which records would fail, before any API call.

- HEAD, following redirects. Hosts that refuse HEAD (405, 501, or the 403 some CDNs and
  signed-URL stores answer) are asked again with ``GET`` and ``Range: bytes=0-0``, and the
  body is never read beyond what arrived with the headers.
- **dead**: a status ≥ 400, a connection error, a timeout, a URL that is not http(s).
- **refused**: the URL (or a redirect) leads to an address of this machine or its networks
  (``migrator.netguard``: loopback, private, link-local, metadata...): not asked at all, and
  the record is not sent, as for a dead URL. A run against the local emulator, and
  ``--allow-private-media`` / ``--allow-media-host``, let such addresses through.
- **suspicious**: a 2xx HTML page, usually a login page or a "not found" page served with
  200: Butter would store the page as the media file. Reported, not blocked. So is a URL
  whose host kept answering 429 (throttled): it is not known to be dead.

Every outcome carries a short reason for people ("404 Not Found", "connection refused",
"timed out after 10 s"); nothing here raises for a bad URL.
"""

from __future__ import annotations

import dataclasses
import socket
import ssl
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Literal

import aiohttp
import anyio
from yarl import URL

from migrator.butter import GaveUp, Retrier, RetryPolicy, Throttled
from migrator.errors import ConfigError
from migrator.log import get_logger
from migrator.netguard import AddressRefused, Fetched, NetPolicy, fetch

log = get_logger("migrator.media")
Verdict = Literal["ok", "dead", "suspicious", "refused"]
# Answers to HEAD that say "not this method", not "not this file": ask again with GET.
HEAD_REFUSED = frozenset({403, 405, 501})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# A 429 from a media host: waits (Retry-After, at most MAX_RETRY_AFTER s) before giving up.
THROTTLE_RETRIES = 2
MAX_RETRY_AFTER = 10.0
USER_AGENT = "migrator-media-check (checking media URLs before a ButterCMS migration)"


@dataclass(frozen=True)
class CheckOptions:
    """``rate``: requests per second to the media hosts, all together; ``concurrency``:
    requests in flight; ``timeout``: seconds per request (connect, redirects, headers);
    ``policy``: the addresses that may be asked (default: public ones only)."""

    rate: float = 10.0
    concurrency: int = 8
    timeout: float = 10.0
    policy: NetPolicy = field(default_factory=NetPolicy)

    def __post_init__(self) -> None:
        if not self.rate > 0:
            raise ConfigError("--media-rate must be a positive number of requests per second")
        if self.concurrency < 1:
            raise ConfigError("media check concurrency must be at least 1")
        if not self.timeout > 0:
            raise ConfigError("--media-timeout must be a positive number of seconds")


@dataclass(frozen=True)
class UrlCheck:
    url: str
    verdict: Verdict
    reason: str  # short, for people: "200 OK", "404 Not Found", "connection refused"
    status: int | None = None
    content_type: str | None = None
    refusal: str | None = None  # refused: the kind of address (``netguard.KINDS``)

    @property
    def dead(self) -> bool:
        return self.verdict == "dead"


class MediaChecker:
    """``async with MediaChecker(options) as checker: await checker.check(url)``.

    Owns its HTTP session (no Butter token goes near the media hosts). Safe to call from
    many tasks at once: the rate and concurrency bounds are the checker's own."""

    def __init__(self, options: CheckOptions | None = None):
        self.options = options or CheckOptions()
        # The one retry policy: paced; a 429 pauses the checks, then asks again, twice.
        policy = RetryPolicy(rate=self.options.rate, max_attempts=1, max_throttles=THROTTLE_RETRIES)
        self._retrier = Retrier(policy, service="media host")
        self._slots = anyio.CapacityLimiter(self.options.concurrency)
        self._session: aiohttp.ClientSession | None = None
        # Hosts that refused connections or do not resolve: their other URLs get the same
        # answer without another request (an old site that is gone has thousands of them).
        self._down: dict[tuple[str, str | None, int | None], UrlCheck] = {}
        self.requests = 0

    async def __aenter__(self) -> MediaChecker:
        # Every name resolved through the policy: the check and the connection use the
        # same addresses.
        connector = self.options.policy.connector(limit=self.options.concurrency)
        self._session = aiohttp.ClientSession(
            connector=connector, headers={"User-Agent": USER_AGENT}
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def check(self, url: str) -> UrlCheck:
        try:
            parsed = URL(url)
        except (ValueError, TypeError):
            return UrlCheck(url, "dead", "not a valid URL")
        if parsed.scheme not in ("http", "https") or not parsed.host:
            return UrlCheck(url, "dead", "not an http(s) URL")
        host = (parsed.scheme, parsed.host, parsed.port)
        if host in self._down:
            return dataclasses.replace(self._down[host], url=url)
        try:
            self.options.policy.check_url(parsed)  # an IP literal: refused without a request
            async with self._slots:
                result = await self._ask(url)
        except AddressRefused as exc:
            reason = f"not asked: {exc}; {exc.hint}"
            result = UrlCheck(url, "refused", reason, refusal=exc.kind)
            if exc.redirected_to is None:
                self._down[host] = result  # the host itself: its other URLs too
        except Exception as exc:  # a check reports, never raises: see _error_reason
            reason, host_down = _error_reason(exc, self.options.timeout)
            result = UrlCheck(url, "dead", reason)
            if host_down:
                self._down[host] = result
        log.debug("media checked", url=url, verdict=result.verdict, reason=result.reason)
        return result

    async def _ask(self, url: str) -> UrlCheck:
        # A host that throttles the check has not said the file is gone: wait as it asks,
        # try again, and if it still says 429 report the URL unchecked (sent anyway).
        try:
            return await self._retrier.call(lambda: self._ask_once(url))
        except GaveUp as exc:
            assert isinstance(exc.last, Throttled)
            result: UrlCheck = exc.last.body
            return UrlCheck(
                url,
                "suspicious",
                f"{result.reason}: the host throttled the check, so it is not known to be dead",
                result.status,
                result.content_type,
            )

    async def _ask_once(self, url: str) -> UrlCheck:
        """One check (HEAD, or GET where HEAD is refused); a 429 raises ``Throttled``."""
        session = self._session
        assert session is not None, "use `async with MediaChecker(...)`"
        policy, timeout = self.options.policy, self.options.timeout
        self.requests += 1
        async with fetch(session, "HEAD", url, policy, time_limit=timeout) as head:
            if head.response.status not in HEAD_REFUSED:
                return _unless_throttled(_verdict(url, head), head.response)
        await self._retrier.acquire()
        self.requests += 1
        ranged = {"Range": "bytes=0-0"}
        async with fetch(session, "GET", url, policy, time_limit=timeout, headers=ranged) as get:
            result = _unless_throttled(_verdict(url, get), get.response)
            # A host that ignores Range sends the whole file: drop the connection rather
            # than read it.
            get.response.close()
            return result


def _unless_throttled(result: UrlCheck, resp: aiohttp.ClientResponse) -> UrlCheck:
    if result.status != 429:
        return result
    try:
        wait = min(float(resp.headers.get("Retry-After", "")), MAX_RETRY_AFTER)
    except ValueError:
        wait = 1.0
    raise Throttled(f"throttled: {result.reason}", retry_after=wait, body=result)


def _verdict(url: str, fetched: Fetched) -> UrlCheck:
    resp = fetched.response
    status = resp.status
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = resp.reason or "unknown status"
    reason = f"{status} {phrase}"
    if fetched.redirects and str(fetched.redirects[-1]) != url:
        reason += f" (redirected to {fetched.redirects[-1]})"
    content_type = resp.headers.get("Content-Type", "").split(";")[0].strip().lower() or None
    if status >= 400:
        return UrlCheck(url, "dead", reason, status, content_type)
    if 200 <= status < 300 and content_type in HTML_TYPES:
        reason = (
            f"{reason} but an HTML page ({content_type}), not a media file: "
            "a login page or a soft 404?"
        )
        return UrlCheck(url, "suspicious", reason, status, content_type)
    return UrlCheck(url, "ok", reason, status, content_type)


def _error_reason(exc: Exception, timeout: float) -> tuple[str, bool]:
    """A short reason for a failed request, and whether the whole host is unreachable."""
    if isinstance(exc, TimeoutError):
        return f"timed out after {timeout:g} s", False
    if isinstance(exc, aiohttp.TooManyRedirects):
        return "too many redirects", False
    if isinstance(exc, aiohttp.NonHttpUrlRedirectClientError):
        return "redirected to a URL that is not http(s)", False
    if isinstance(exc, aiohttp.InvalidURL):
        return "not a valid URL", False
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return "TLS certificate not trusted", False
    if isinstance(exc, aiohttp.ClientConnectorError):
        os_error = exc.os_error
        if isinstance(os_error, ConnectionRefusedError):
            return "connection refused", True
        if isinstance(os_error, socket.gaierror):
            return f"host not found ({exc.host})", True
        if isinstance(os_error, ssl.SSLError):
            return f"TLS error: {os_error.reason or os_error}", False
        return f"cannot connect: {os_error.strerror or os_error}", False
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the server closed the connection", False
    if isinstance(exc, aiohttp.ClientError | OSError):
        return str(exc) or type(exc).__name__, False
    return f"unexpected error: {type(exc).__name__}: {exc}", False
