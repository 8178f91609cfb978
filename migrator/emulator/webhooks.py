"""Webhook delivery as Butter does it: one POST per configured URL per event, no retries."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import aiohttp
import orjson

from migrator.emulator.store import CollectionItem, Page, Post, Store
from migrator.log import get_logger

log = get_logger("migrator.emulator.webhooks")
_TIMEOUT = aiohttp.ClientTimeout(total=10)
EDITOR = "Write API"


def _timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def page_data(page: Page, status: str | None = None, locale: str | None = None) -> dict[str, Any]:
    return {
        "id": page.slug,
        "buttercms_id": page.id,
        "page_type": page.page_type,
        "editor": EDITOR,
        "name": page.name,
        "timestamp": _timestamp(),
        "locale": locale,
        "status": status or page.status,
        "updated": page.updated,
        "published": page.published,
        "scheduled": None,
    }


def item_data(item: CollectionItem, status: str | None = None) -> dict[str, Any]:
    values = next(iter(item.fields.values()), {})
    label = next((v for v in values.values() if isinstance(v, str) and v), str(item.id))
    return {
        "id": item.key,
        "itemid": f"/v2/content/?keys={item.key}[_id={item.id}]",
        "label": label,
        "editor": EDITOR,
        "timestamp": _timestamp(),
        "locale": None,
        "status": status or item.status,
    }


def post_data(post: Post, status: str | None = None) -> dict[str, Any]:
    return {
        "id": post.slug,
        "_id": post.id,
        "title": post.title,
        "editor": EDITOR,
        "timestamp": _timestamp(),
        "status": status or post.status,
        "updated": post.updated,
        "published": post.published,
    }


def status_event(prefix: str, old_status: str | None, new_status: str) -> str:
    """``published`` on (re)publish, ``unpublished`` when a published thing goes back to
    draft, ``draft`` when a draft is saved."""
    if new_status == "published":
        return f"{prefix}.published"
    if old_status == "published":
        return f"{prefix}.unpublished"
    return f"{prefix}.draft"


class Webhooks:
    def __init__(self, urls: tuple[str, ...], session: aiohttp.ClientSession, store: Store):
        self.urls = urls
        self.session = session
        self.store = store
        self._tasks: set[asyncio.Task[None]] = set()

    def emit(self, event: str, data: dict[str, Any]) -> None:
        for url in self.urls:
            payload = {"data": data, "webhook": {"event": event, "target": url}}
            task = asyncio.create_task(self._deliver(url, payload))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, url: str, payload: dict[str, Any]) -> None:
        event = payload["webhook"]["event"]
        try:
            async with self.session.post(
                url,
                data=orjson.dumps(payload),
                headers={"Content-Type": "application/json"},
                timeout=_TIMEOUT,
            ) as resp:
                await resp.read()
                ok = resp.status < 400
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("webhook delivery failed", url=url, webhook_event=event, error=str(exc))
            ok = False
        self.store.counters["webhooks_sent" if ok else "webhooks_failed"] += 1

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        # No retries at Butter either: deliveries still under way at shutdown are dropped.
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
