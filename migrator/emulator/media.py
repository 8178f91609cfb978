"""Butter's media handling: every media URL in a write is downloaded into the media library
and the field is rewritten to a CDN URL. There is no upload endpoint, so a URL Butter cannot
fetch fails the whole item: the emulator really downloads, to surface exactly that.

Downloads are bounded as a service's must be: only public addresses unless the config's
``media_policy`` allows more (``migrator.netguard``; redirects are checked too), at most
``media_max_bytes`` (streamed, never held whole) within ``media_timeout`` seconds.
"""

from __future__ import annotations

import hashlib
import re
import string
import struct
import zlib
from typing import Any

import aiohttp

from migrator.emulator.store import MediaFile, Store
from migrator.model import Field, is_empty
from migrator.netguard import AddressRefused, NetPolicy
from migrator.netguard import fetch as guarded_fetch

CDN_PREFIX = "https://cdn.buttercms.com/"
_BASE62 = string.digits + string.ascii_letters
_IMG_SRC = re.compile(r"""(<img\b[^>]*?\bsrc\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
CHUNK = 64 * 1024


def sample_png(red: int, green: int, blue: int) -> bytes:
    """A valid 1×1 PNG of one colour, for demos and tests: distinct colours, distinct bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes([0, red, green, blue]))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


class MediaError(Exception):
    """A media URL could not be downloaded; the message says which field and why."""


def handle_for(digest: bytes) -> str:
    # Real handles look like "DVG5DLMQ9ywaCwfEAgL2"; deriving one from the content keeps
    # runs reproducible and makes equal bytes share a URL.
    n = int.from_bytes(digest, "big")
    chars: list[str] = []
    while len(chars) < 20:
        n, r = divmod(n, 62)
        chars.append(_BASE62[r])
    return "".join(chars)


def shown_size(size: int) -> str:
    mb = size / (1024 * 1024)
    return f"{size:,} bytes" if mb < 1 else f"{mb:,.1f} MB".replace(".0 MB", " MB")


class MediaLibrary:
    """``session`` must use ``policy.connector()`` (so names are resolved through it)."""

    def __init__(
        self,
        store: Store,
        session: aiohttp.ClientSession,
        policy: NetPolicy,
        *,
        max_bytes: int,
        timeout: float,
    ):
        self.store = store
        self.session = session
        self.policy = policy
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def fetch(self, url: str, path: str) -> str:
        """Download ``url`` into the library and return its CDN URL."""
        if url.startswith(CDN_PREFIX):
            return url
        self.store.counters["media_downloads"] += 1
        failed = f"{path}: media download of {url} failed"
        try:
            size, digest, content_type = await self._download(url, failed)
        except AddressRefused as exc:
            raise MediaError(f"{failed}: refused: {exc}; {exc.hint}") from None
        except TimeoutError:
            raise MediaError(f"{failed}: timed out after {self.timeout:g} s") from None
        except (aiohttp.ClientError, ValueError) as exc:
            reason = str(exc) or type(exc).__name__
            raise MediaError(f"{failed}: {reason}") from None
        if not size:
            raise MediaError(f"{failed}: empty body")
        sha = digest.hex()
        media = self.store.media.get(sha)
        if media is None:
            handle = handle_for(digest)
            media = MediaFile(handle, CDN_PREFIX + handle, sha, size, content_type)
            self.store.media[sha] = media
        if url not in media.sources:
            media.sources.append(url)
        return media.url

    async def _download(self, url: str, failed: str) -> tuple[int, bytes, str]:
        """Size, sha256 and content type of ``url``'s body, read in chunks up to the cap."""
        cap = self.max_bytes
        async with guarded_fetch(
            self.session, "GET", url, self.policy, time_limit=self.timeout
        ) as got:
            resp = got.response
            if resp.status != 200:
                raise MediaError(f"{failed}: HTTP {resp.status}")
            if resp.content_length is not None and resp.content_length > cap:
                raise MediaError(
                    f"{failed}: {shown_size(resp.content_length)}, over the "
                    f"{shown_size(cap)} limit for a media file"
                )
            digest = hashlib.sha256()
            size = 0
            async for chunk in resp.content.iter_chunked(CHUNK):
                size += len(chunk)
                if size > cap:
                    # Dropping the connection stops a body that would never end.
                    resp.close()
                    raise MediaError(f"{failed}: over the {shown_size(cap)} limit for a media file")
                digest.update(chunk)
            return size, digest.digest(), resp.content_type

    async def rewrite_fields(
        self, fields: dict[str, Field], values: dict[str, Any], path: str
    ) -> dict[str, Any]:
        """A copy of ``values`` (already validated) with every media URL moved to the CDN."""
        out = dict(values)
        for name, value in values.items():
            f = fields.get(name)
            if f is not None:
                out[name] = await self._rewrite_value(f, value, f"{path}.{name}")
        return out

    async def _rewrite_value(self, f: Field, value: Any, path: str) -> Any:
        if is_empty(value):
            return value
        if f.type == "media":
            return await self.fetch(value, path)
        if f.type == "repeater":
            return [
                await self.rewrite_fields(f.fields, item, f"{path}[{i}]")
                for i, item in enumerate(value)
            ]
        if f.type == "component":
            return await self.rewrite_fields(f.fields, value, path)
        if f.type == "component_picker":
            out = []
            for i, item in enumerate(value):
                ((cname, cvalues),) = item.items()
                sub = f.choices.get(cname, {})
                rewritten = await self.rewrite_fields(sub, cvalues, f"{path}[{i}].{cname}")
                out.append({cname: rewritten})
            return out
        return value

    async def rewrite_html(self, html: str, path: str) -> str:
        """Copy every ``<img src>`` in ``html`` into the library (posts'
        ``upload_images_to_media_library``)."""
        parts: list[str] = []
        last = 0
        for m in _IMG_SRC.finditer(html):
            src = m.group(3)
            if not src.startswith(("http://", "https://")):
                continue
            new = await self.fetch(src, path)
            parts.append(html[last : m.start(3)])
            parts.append(new)
            last = m.end(3)
        parts.append(html[last:])
        return "".join(parts)
