"""An aiohttp client for the ButterCMS Write API, plus the reads that settle doubts.

It sends and reads; it does not retry. Every answer becomes either a parsed body or an
error class from ``migrator.butter.errors`` (``error_for_response``), so the engine decides
what to do from the class alone.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
import orjson

from migrator.butter.errors import (
    Ambiguous,
    ApiError,
    AuthFailed,
    Forbidden,
    LookupRefused,
    NotFound,
    NotSent,
    describe_body,
    error_for_response,
)
from migrator.log import register_secret

CREATE_PATHS = {"page": "pages/", "collection": "content/", "post": "posts/"}


def item_path(kind: str, target: str | None, *, slug: str | None, item_id: str | None) -> str:
    """Where one page, post or collection item is updated or deleted (relative to /v2/)."""
    if kind == "page":
        return f"pages/{quote(target or '*')}/{quote(slug or '')}/"
    if kind == "post":
        return f"posts/{quote(slug or '')}/"
    if not item_id:
        raise ValueError("a collection item is updated or deleted by its id")
    return f"content/{quote(target or '')}/{quote(str(item_id))}/"


def update_body(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """A create body in Butter's update (PATCH) shape.

    Pages: ``status`` and ``fields`` (title and slug cannot change). Posts: everything but
    the slug. Collection items: ``status`` and ``fields`` as an *object* (a create sends a
    list of one).
    """
    if kind == "page":
        return {k: body[k] for k in ("status", "fields") if body.get(k) is not None}
    if kind == "post":
        return {k: v for k, v in body.items() if k != "slug" and v is not None}
    fields = body.get("fields")
    out: dict[str, Any] = {"fields": fields[0] if isinstance(fields, list) else fields}
    if body.get("status") is not None:
        out["status"] = body["status"]
    return out


@dataclass(frozen=True)
class ReadBack:
    """A read-back: the item (None: absent, as far as this answer knows), the answer's age
    (a cached answer can predate the write), and how many items matched (2: a duplicate)."""

    item: dict[str, Any] | None
    age: float = 0.0
    matches: int = 0


@dataclass
class CallCounter:
    """API calls spent: Butter bills every call, reads included, against a monthly quota."""

    writes: int = 0
    reads: int = 0

    @property
    def total(self) -> int:
        return self.writes + self.reads


class ButterClient:
    def __init__(
        self,
        base_url: str,
        write_token: str,
        *,
        read_token: str | None = None,
        session: aiohttp.ClientSession,
    ):
        self.base_url = base_url.rstrip("/") + "/"
        # Redacted from logs and errors from now on (the Python API reads no token itself).
        register_secret(write_token)
        register_secret(read_token)
        self._write_token = write_token
        self._read_token = read_token
        self._session = session
        self.calls = CallCounter()

    @property
    def can_read(self) -> bool:
        return bool(self._read_token)

    # ------------------------------------------------------------------ writes

    async def create(self, kind: str, body: dict[str, Any], *, locale: str | None = None) -> None:
        """POST a page, collection item or post. Returns on 202; raises otherwise."""
        params = {"locale": locale} if locale else None
        await self._write("POST", CREATE_PATHS[kind], body, params=params)

    async def update(
        self,
        kind: str,
        target: str | None,
        body: dict[str, Any],
        *,
        slug: str | None = None,
        item_id: str | None = None,
        locale: str | None = None,
    ) -> None:
        """PATCH a page (by slug), post (by slug) or collection item (by id) with ``body``
        in Butter's update shape (``update_body``). Returns on 202; raises otherwise."""
        params = {"locale": locale} if locale else None
        path = item_path(kind, target, slug=slug, item_id=item_id)
        await self._write("PATCH", path, body, params=params)

    async def delete(
        self, kind: str, target: str | None, *, slug: str | None = None, item_id: str | None = None
    ) -> bool:
        """DELETE a post (by slug) or collection item (by id). False: it was already gone.
        Pages cannot be deleted through the API."""
        if kind == "page":
            raise ValueError("ButterCMS's API cannot delete pages")
        try:
            await self._write("DELETE", item_path(kind, target, slug=slug, item_id=item_id), None)
        except NotFound:
            return False
        return True

    async def _write(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        *,
        params: dict[str, str] | None = None,
    ) -> Any:
        headers = {"Authorization": f"Token {self._write_token}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            async with self._session.request(
                method,
                self.base_url + path,
                data=orjson.dumps(body) if body is not None else None,
                headers=headers,
                params=params,
                allow_redirects=False,
            ) as resp:
                # Counted once Butter answered: a refused connection costs no call.
                self.calls.writes += 1
                payload = await _json_or_text(resp)
                error = error_for_response(resp.status, resp.headers, payload)
        except aiohttp.ClientConnectorError as exc:
            # Never connected: nothing left this machine.
            raise NotSent(f"cannot connect to {self.base_url}: {exc.os_error}") from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            # Sent (at least partly), then the connection or the wait died: maybe applied.
            self.calls.writes += 1
            raise Ambiguous(f"no answer after sending ({type(exc).__name__}: {exc})") from exc
        if error is not None:
            raise error
        return payload

    # ------------------------------------------------------------------ reads

    async def find(
        self,
        kind: str,
        target: str | None,
        *,
        slug: str | None,
        lookup: tuple[str, str] | None,
        locale: str | None = None,
        fresh: bool = False,
        ages: list[float] | None = None,
    ) -> dict[str, Any] | None:
        """Read back what a create would have made: the item, or None if absent.
        ``ages``: the answer's age is appended to it (see ``read_back``)."""
        found = await self.read_back(
            kind, target, slug=slug, lookup=lookup, locale=locale, fresh=fresh
        )
        if ages is not None:
            ages.append(found.age)
        return found.item

    async def read_back(
        self,
        kind: str,
        target: str | None,
        *,
        slug: str | None,
        lookup: tuple[str, str] | None,
        locale: str | None = None,
        fresh: bool = False,
    ) -> ReadBack:
        """What a create would have made, how old the answer is (Butter caches reads) and,
        for collection items, how many match. ``fresh``: a query parameter of its own, to
        get past a cache keyed by the URL (where the cache honours it)."""
        extra = {"_": secrets.token_hex(4)} if fresh else {}
        if kind in ("page", "post"):
            path = (
                f"pages/{quote(target or '*')}/{quote(slug or '')}/"
                if kind == "page"
                else f"posts/{quote(slug or '')}/"
            )
            params = {"locale": locale} if locale and kind == "page" else {}
            data, age = await self._read(path, {**params, **extra})
            item = data.get("data") if isinstance(data, dict) else None
            return ReadBack(item, age, 1 if item is not None else 0)
        if lookup is None:
            raise ValueError("a collection item is found by a lookup field")
        items, age = await self._find_items(target or "", lookup, locale, 2, extra)
        return ReadBack(items[0] if items else None, age, len(items))

    async def find_items(
        self,
        key: str,
        lookup: tuple[str, str],
        *,
        locale: str | None = None,
        limit: int = 2,
        fresh: bool = False,
        ages: list[float] | None = None,
    ) -> list[dict[str, Any]]:
        """Collection items whose ``lookup[0]`` field equals ``lookup[1]`` (at most
        ``limit``: two are enough to tell a duplicate). Each has ``meta.id``. ``fresh``
        and ``ages`` as for ``find``."""
        extra = {"_": secrets.token_hex(4)} if fresh else {}
        items, age = await self._find_items(key, lookup, locale, limit, extra)
        if ages is not None:
            ages.append(age)
        return items

    async def _find_items(
        self,
        key: str,
        lookup: tuple[str, str],
        locale: str | None,
        limit: int,
        extra: dict[str, str],
    ) -> tuple[list[dict[str, Any]], float]:
        field, value = lookup
        params = {f"fields.{field}": value, "page_size": str(limit), **extra}
        if locale:
            params["locale"] = locale
        try:
            data, age = await self._read(f"content/{quote(key)}/", params)
        except Forbidden as exc:
            raise LookupRefused(
                f"ButterCMS refused to look up {key!r} items by their {field!r} field "
                f"({exc.reason}): Butter filters collections only on some fields; set the "
                "mapping's target.lookup_field to one it accepts (a text field that is "
                "unique per item)",
                status=403,
                body=exc.body,
            ) from None
        items = (data or {}).get("data", {}).get(key, []) if isinstance(data, dict) else []
        return [i for i in items if isinstance(i, dict)], age

    async def _read(self, path: str, params: dict[str, str]) -> tuple[Any, float]:
        """(the body, or None for a 404; the answer's age in seconds, from ``Age``)."""
        if not self._read_token:
            raise ApiError("reading back needs a read token: set BUTTER_READ_TOKEN")
        try:
            async with self._session.get(
                self.base_url + path,
                params={"preview": "1", **params},
                headers={"Authorization": f"Token {self._read_token}"},
                allow_redirects=False,
            ) as resp:
                self.calls.reads += 1
                payload = await _json_or_text(resp)
                age = _age(resp.headers.get("Age"), resp.headers.get("X-Cache"))
                if resp.status == 404:
                    return None, age
                error = error_for_response(resp.status, resp.headers, payload)
                if isinstance(error, AuthFailed):
                    error = AuthFailed(
                        f"ButterCMS refused the read token ({resp.status}: "
                        f"{describe_body(payload)}): set BUTTER_READ_TOKEN or pass "
                        "--read-token-file (Settings → API Tokens → Read API token)",
                        status=resp.status,
                        body=payload,
                    )
        except aiohttp.ClientConnectorError as exc:
            raise NotSent(f"cannot connect to {self.base_url}: {exc.os_error}") from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            # A read changes nothing, so an interrupted one is simply worth retrying.
            raise NotSent(f"read interrupted ({type(exc).__name__}: {exc})") from exc
        if error is not None:
            raise error
        return payload, age


def _age(value: str | None, x_cache: str | None) -> float:
    """How old the answer may be. ``Age`` counts whole seconds, so a cached answer
    (``X-Cache: HIT``) may be up to a second older than it says."""
    try:
        age = max(0.0, float(value)) if value else 0.0
    except ValueError:
        age = 0.0
    cached = age > 0 or "HIT" in (x_cache or "").upper()
    return age + 1.0 if cached else age


async def _json_or_text(resp: aiohttp.ClientResponse) -> Any:
    raw = await resp.read()
    if not raw:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw.decode("utf-8", "replace")[:500]
