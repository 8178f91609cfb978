"""Realism.read_cache_ttl: Butter's Read API sits behind a CDN that answers from its cache.

The recorded /v2/content/ reads carry ``X-Cache: MISS, HIT`` and ``Age: 1171`` / ``Age: 2233``
(realdata/json/buttercms-reference/buttercms-python-vcr--test_content_field_get.json and
--test_content_field_all_filtered.json). Here a GET answer (200, or 404: CDNs cache those
too) is kept for ``read_cache_ttl`` seconds under its URL and served as it was, stale even
after a write changed the data, with ``Age`` (whole seconds since it was stored) and
``X-Cache: HIT``; a fresh answer carries ``X-Cache: MISS`` and ``Age: 0``.

The key is the path and the query string in the order sent. With
``cache_ignores_query_params`` the parameters the Read API does not know are left out of the
key, so a cache-buster (``?nocache=<time>``) does not bypass the cache. A ``preview=1`` read
bypasses the cache unless ``cache_preview`` is on; Butter documents neither, and the
realistic answer to both is the pessimistic one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlencode

from aiohttp import web

from migrator.emulator.config import Realism
from migrator.emulator.faults import Handler
from migrator.emulator.reads import wants_preview
from migrator.emulator.store import Store

# What the Read API reads from a query string (butter-api.md "Reads", Butter's filtering
# guide); ``fields.<name>`` filters come on top.
READ_PARAMS = frozenset(
    {
        "auth_token",
        "preview",
        "locale",
        "levels",
        "page",
        "page_size",
        "limit",
        "offset",
        "keys",
        "order",
        "author_slug",
        "category_slug",
        "tag_slug",
        "exclude_body",
        "query",  # the searches
        "include",  # include=recent_posts on authors, categories and tags
    }
)
CACHED_STATUSES = frozenset({200, 404})


@dataclass
class _Entry:
    stored_at: float
    status: int
    body: bytes


class ReadCache:
    def __init__(self, realism: Realism, store: Store):
        self.realism = realism
        self.store = store
        self._entries: dict[str, _Entry] = {}

    def key(self, request: web.Request) -> str:
        pairs = [
            (name, value)
            for name, value in request.query.items()
            if not self.realism.cache_ignores_query_params
            or name in READ_PARAMS
            or name.startswith("fields.")
        ]
        return f"{request.path}?{urlencode(pairs)}" if pairs else request.path

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        ttl = self.realism.read_cache_ttl
        if not ttl or request.method != "GET" or not request.path.startswith("/v2/"):
            return await handler(request)
        if wants_preview(request.query) and not self.realism.cache_preview:
            self.store.counters["cache_bypassed"] += 1
            return _miss(await _answer(request, handler))
        key, now = self.key(request), time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and now - entry.stored_at < ttl:
            self.store.counters["cache_hits"] += 1
            age = str(int(now - entry.stored_at))
            return web.Response(
                status=entry.status,
                body=entry.body,
                content_type="application/json",
                headers={"Age": age, "X-Cache": "HIT"},
            )
        self.store.counters["cache_misses"] += 1
        resp = await _answer(request, handler)
        if resp.status in CACHED_STATUSES and isinstance(resp, web.Response):
            body = resp.body
            if isinstance(body, bytes):
                self._entries[key] = _Entry(now, resp.status, body)
        return _miss(resp)


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The handler's answer, a raised 404 turned into a returned one so it can be kept."""
    try:
        return await handler(request)
    except web.HTTPNotFound as exc:
        if exc.content_type != "application/json" or exc.text is None:
            raise
        return web.Response(status=404, text=exc.text, content_type="application/json")


def _miss(resp: web.StreamResponse) -> web.StreamResponse:
    resp.headers["X-Cache"] = "MISS"
    resp.headers["Age"] = "0"
    return resp
