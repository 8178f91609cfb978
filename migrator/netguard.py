"""Where a media fetch may go: the public internet, not this machine nor its networks.

An export decides which URLs ``--check-media`` asks and the emulator downloads. Left alone,
one could make the operator's machine probe its intranet or its cloud's metadata service
(``http://169.254.169.254/``, ``http://10.0.0.5/admin``, ``http://2130706433/`` = 127.0.0.1).

    policy = NetPolicy()                                  # public addresses only
    async with aiohttp.ClientSession(connector=policy.connector()) as session:
        async with fetch(session, "GET", url, policy, time_limit=10) as got:
            ...                                           # AddressRefused: not asked

Two checks, both needed:

- ``GuardedResolver``: the connector's DNS resolver. Every address a name resolves to is
  checked, and the connection is made to exactly those addresses (no second lookup a
  rebinding DNS server could answer differently).
- ``fetch`` follows redirects itself and checks each URL before asking it: aiohttp
  connects to an IP-literal host (``http://127.0.0.1/``) without calling the resolver, and
  a redirect may point at one. Names on each hop still go through the resolver.

Refused: loopback, private, shared (CGNAT), link-local, multicast, reserved, unspecified
addresses, IPv4 inside IPv6 (``::ffff:127.0.0.1``, 6to4, NAT64) judged as that IPv4, and the
cloud metadata addresses. ``allow_private`` lets all of these through but the metadata
ones; ``allowed`` (host names or CIDRs) lets through exactly what it names.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import anyio
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from migrator.errors import ConfigError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_REDIRECTS = 10
REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Cloud instance metadata services: AWS/GCP/Azure/OpenStack, AWS over IPv6, AWS ECS tasks,
# Alibaba, Oracle, Azure's wireserver. Never asked unless named in ``allowed``.
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",
        "fd00:ec2::254",
        "169.254.170.2",
        "100.100.100.200",
        "192.0.0.192",
        "168.63.129.16",
    )
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")


# Kinds of refused address → how a message says it.
KINDS = {
    "cloud metadata": "a cloud metadata address",
    "unspecified": "the unspecified address (this machine)",
    "loopback": "a loopback address (this machine)",
    "link-local": "a link-local address",
    "multicast": "a multicast address",
    "reserved": "a reserved address",
    "private network": "a private network address",
    "not public": "not a public address",
}


class AddressRefused(aiohttp.ClientConnectionError):
    """A media URL leads to an address the policy refuses; nothing was sent to it.
    ``kind``: a key of ``KINDS``."""

    def __init__(self, host: str, address: IPAddress, kind: str):
        super().__init__(host, address, kind)
        self.host, self.address, self.kind = host, address, kind
        self.redirected_to: str | None = None  # set when a redirect led there

    def __str__(self) -> str:
        shown = [str(self.address)] if self.host != str(self.address) else []
        inner = embedded_ipv4(self.address)
        shown += [f"IPv4 {inner}"] if inner is not None else []
        where = f"{self.host} ({', '.join(shown)})" if shown else self.host
        text = f"{where} is {KINDS[self.kind]}"
        return f"redirected to {self.redirected_to}: {text}" if self.redirected_to else text

    @property
    def hint(self) -> str:
        """How a user lets it through."""
        if self.kind == "cloud metadata":
            return f"only --allow-media-host {self.address} allows it"
        return "--allow-private-media or --allow-media-host allows it"


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64), if any."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def classify(ip: IPAddress) -> str | None:
    """The kind of non-public address ``ip`` is (a key of ``KINDS``), None if public. An
    IPv6 address carrying an IPv4 one is what that IPv4 address is."""
    inner = embedded_ipv4(ip)
    if inner is not None:
        return classify(inner)
    if ip in METADATA:
        return "cloud metadata"
    for kind, test in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private network", ip.is_private),
        ("not public", not ip.is_global),
    ):
        if test:
            return kind
    return None


def literal_address(host: str) -> IPAddress | None:
    """The address an IP-literal host means, legacy IPv4 forms included (``2130706433``,
    ``0177.0.0.1``, ``0x7f.1``, ``127.1``: the C library reads them all as 127.0.0.1)."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    if host and all(c in "0123456789abcdefxABCDEFX." for c in host) and host[0].isdigit():
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def is_loopback_url(url: str) -> bool:
    """``http://127.0.0.1:8700/v2``, ``http://localhost:8700/v2``: a target on this machine
    (the local emulator), so the run is a rehearsal."""
    host = (urlsplit(url.strip()).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    ip = literal_address(host)
    return ip is not None and ip.is_loopback


@dataclass(frozen=True)
class NetPolicy:
    """Which addresses media fetches may reach. The default: public ones only.

    ``allow_private``: also this machine and its networks (not the metadata addresses);
    ``allowed``: host names or CIDRs let through whatever they resolve to
    (``media.intranet``, ``10.1.0.0/16``, ``127.0.0.1``)."""

    allow_private: bool = False
    allowed: tuple[str, ...] = ()
    _networks: tuple[IPNetwork, ...] = field(init=False, repr=False, compare=False)
    _names: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        networks: list[IPNetwork] = []
        names: set[str] = set()
        for entry in self.allowed:
            value = entry.strip().lower()
            try:
                networks.append(ipaddress.ip_network(value.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            if not value or "/" in value or ":" in value or " " in value:
                raise ConfigError(f"--allow-media-host: {entry!r} is not a host name or a CIDR")
            names.add(value.rstrip("."))
        object.__setattr__(self, "allowed", tuple(self.allowed))
        object.__setattr__(self, "_networks", tuple(networks))
        object.__setattr__(self, "_names", frozenset(names))

    def refusal(self, host: str, ip: IPAddress) -> str | None:
        """The kind of address (``KINDS``) that makes ``ip`` (what ``host`` resolves to)
        refused; None: it may be asked."""
        if self.allows_name(host) or any(ip in net for net in self._networks):
            return None
        inner = embedded_ipv4(ip)
        if inner is not None and any(inner in net for net in self._networks):
            return None
        kind = classify(ip)
        if kind is None or (self.allow_private and kind != "cloud metadata"):
            return None
        return kind

    def allows_name(self, host: str) -> bool:
        return host.rstrip(".").lower() in self._names

    def check_url(self, url: URL) -> None:
        """Raise ``AddressRefused`` for a URL whose host is a refused IP literal. Names are
        checked when they resolve (``GuardedResolver``)."""
        host = url.raw_host or ""
        ip = literal_address(host)
        if ip is None:
            return
        kind = self.refusal(host, ip)
        if kind is not None:
            raise AddressRefused(host, ip, kind)

    def connector(self, **options: Any) -> aiohttp.TCPConnector:
        """A connector whose every DNS answer passes this policy."""
        return aiohttp.TCPConnector(resolver=GuardedResolver(self), **options)


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver, refusing a name if any address it resolves to is refused (a
    name that also points inwards is not one to trust with its other addresses)."""

    def __init__(self, policy: NetPolicy, inner: AbstractResolver | None = None):
        self.policy = policy
        self.inner = inner or aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self.inner.resolve(host, port, family)
        for result in results:
            ip = ipaddress.ip_address(result["host"])
            kind = self.policy.refusal(host, ip)
            if kind is not None:
                raise AddressRefused(host, ip, kind)
        return results

    async def close(self) -> None:
        await self.inner.close()


@dataclass
class Fetched:
    response: aiohttp.ClientResponse
    redirects: list[URL]  # every URL redirected to, the final one last


@asynccontextmanager
async def fetch(
    session: aiohttp.ClientSession,
    method: str,
    url: str | URL,
    policy: NetPolicy,
    *,
    time_limit: float,
    max_redirects: int = MAX_REDIRECTS,
    headers: dict[str, str] | None = None,
) -> AsyncIterator[Fetched]:
    """One request, redirects followed by hand (each hop checked by ``policy``), all of it
    and the caller's reading of the body within ``time_limit`` seconds (``TimeoutError``).

    ``session`` must use ``policy.connector()``. Raises ``AddressRefused``, aiohttp's
    ``TooManyRedirects`` and ``NonHttpUrlRedirectClientError``, and what aiohttp raises."""
    current = URL(url)
    redirects: list[URL] = []
    with anyio.fail_after(time_limit):
        while True:
            try:
                policy.check_url(current)
                resp = await session.request(
                    method, current, allow_redirects=False, headers=headers
                )
            except AddressRefused as exc:
                if redirects:
                    exc.redirected_to = str(current)
                raise
            try:
                location = resp.headers.get("Location")
                if resp.status not in REDIRECTS or location is None:
                    yield Fetched(resp, redirects)
                    return
                if len(redirects) >= max_redirects:
                    raise aiohttp.TooManyRedirects(resp.request_info, (resp,))
                try:
                    target = current.join(URL(location))
                except ValueError:
                    raise aiohttp.InvalidUrlRedirectClientError(
                        location, "not a valid URL"
                    ) from None
                if target.scheme not in ("http", "https"):
                    raise aiohttp.NonHttpUrlRedirectClientError(location)
            finally:
                # Unread bodies are not drained: the connection is closed instead.
                resp.release()
            if resp.status == 303 and method != "HEAD":
                method = "GET"
            redirects.append(target)
            current = target
