"""The Write API's front door: what Butter rejects at once (400), plan caps, then 202.

Only the checks Butter makes before answering live here; everything about the content model
happens later in the background queue (``apply.py``), as at Butter.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from aiohttp import web

from migrator.emulator.apply import Job
from migrator.emulator.faults import FaultInjector
from migrator.emulator.responses import bad_request, not_found, unsupported_media_type
from migrator.emulator.store import Store
from migrator.emulator.worker import Worker
from migrator.model import ContentModel, utc_timestamp

STATUSES = ("draft", "published")
ACCEPTED = {"status": "pending"}
# DRF's default parsers: JSON, and these two forms.
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
CAP_MESSAGES = {
    "pages": "Cannot create a new Page. Page Limit Reached.",
    "collection_items": "Cannot create a new Collection Item. Collection Item Limit Reached.",
    "posts": "Cannot create a new Blog Post. Blog Post Limit Reached.",
}
# Butter's documented 400 for a page create without them (docs: HTTP status codes & errors).
PAGE_MESSAGES = {
    "title": "You must specify a page title.",
    "slug": "You must specify a page slug.",
}
# The emulator's wording (Realism.post_dates "refuse"), in DRF's field → messages shape.
DATE_REFUSED = "Setting the publication date is not supported through the Write API."
DATE_FORMAT = (
    "Datetime has wrong format. Use one of these formats instead: "
    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)


async def json_body(request: web.Request) -> dict[str, Any]:
    """The write's body as Django REST Framework parses it: JSON, or a form (its fields
    as strings); an empty body is an empty object (PHP's SDK sends none for ``[]``)."""
    if request.content_type in FORM_TYPES:  # read by aiohttp's own parser, so not read() first
        try:
            form = await request.post()
        except ValueError as exc:
            raise bad_request({"detail": f"Multipart form parse error - {exc}"}) from None
        return {key: value for key, value in form.items() if isinstance(value, str)}
    raw = await request.read()
    if not raw:
        return {}
    if request.content_type != "application/json":
        raise unsupported_media_type(request.headers.get("Content-Type", ""))
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise bad_request({"detail": f"JSON parse error - {_json_error(raw)}"}) from None
    if not isinstance(body, dict):
        kind = "list" if isinstance(body, list) else type(body).__name__
        raise bad_request(
            {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]}
        )
    return body


def _json_error(raw: bytes) -> str:
    """Python's wording for a JSON syntax error, as DRF's parser reports it."""
    try:
        json.loads(raw)
    except ValueError as exc:
        return str(exc)
    return "invalid JSON"  # orjson is stricter (e.g. NaN): say so without detail


def check_required(
    body: dict[str, Any],
    *keys: str,
    aliases: dict[str, str] | None = None,
    messages: dict[str, str] | None = None,
) -> None:
    """DRF-style field → messages for required strings and the status choice.
    ``messages``: Butter's own wording for a key missing or blank, where it documents one."""
    errors: dict[str, list[str]] = {}
    own = messages or {}
    for key in keys:
        value = body.get(key)
        if value is None and aliases and aliases.get(key) in body:
            value = body[aliases[key]]
        if value is None:
            errors[key] = [own.get(key, "This field is required.")]
        elif not isinstance(value, str):
            errors[key] = ["Not a valid string."]
        elif not value.strip():
            errors[key] = [own.get(key, "This field may not be blank.")]
    if "status" in body and body["status"] not in STATUSES:
        errors["status"] = [f'"{body["status"]}" is not a valid choice.']
    if errors:
        raise bad_request(errors)


class WriteHandlers:
    def __init__(
        self,
        model: ContentModel,
        store: Store,
        worker: Worker,
        injector: FaultInjector,
        late_deletes: bool = False,
        post_dates: str = "honour",
    ):
        self.model = model
        self.store = store
        self.worker = worker
        self.injector = injector
        self.late_deletes = late_deletes
        self.post_dates = post_dates

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/v2/pages/", self.create_page),
            web.patch("/v2/pages/{page_type}/{slug}/", self.update_page),
            web.put("/v2/pages/{page_type}/{slug}/", self.update_page),
            web.post("/v2/content/", self.create_items),
            web.patch("/v2/content/{key}/{item_id}/", self.update_item),
            web.put("/v2/content/{key}/{item_id}/", self.update_item),
            web.delete("/v2/content/{key}/{item_id}/", self.delete_item),
            web.post("/v2/posts/", self.create_post),
            web.patch("/v2/posts/{slug}/", self.update_post),
            web.put("/v2/posts/{slug}/", self.update_post),
            web.delete("/v2/posts/{slug}/", self.delete_post),
        ]

    def _check_cap(self, cap: str) -> None:
        limit = {**self.model.limits, **self.injector.faults.caps}.get(cap)
        if limit is not None and self.store.count(cap) + self.store.pending_creates[cap] >= limit:
            self.store.counters["capped"] += 1
            raise bad_request({"error": CAP_MESSAGES[cap]})

    def _accept(self, request: web.Request, job: Job) -> web.Response:
        self.injector.maybe_drop(request, "before")
        self.worker.submit(job)
        self.injector.maybe_drop(request, "after")
        return web.json_response(ACCEPTED, status=202)

    def _job(self, request: web.Request, kind: str, action: str, body: dict[str, Any]) -> Job:
        target = tuple(request.match_info.values())
        locale = request.query.get("locale")
        return Job(kind, action, request.method, request.path, body, locale, target)

    def _delete(self, request: web.Request, kind: str) -> web.Response:
        """204 for a delete; with Realism.late_deletes the soft delete itself waits in the
        background queue like any write ("deletes are also processed in the background")."""
        self.injector.maybe_drop(request, "before")
        job = self._job(request, kind, "delete", {})
        if self.late_deletes:
            self.worker.submit(job)
        elif kind == "collection":
            key, item_id = job.target
            self.worker.applier.delete_item(key, int(item_id))
        else:
            self.worker.applier.delete_post(job.target[0])
        self.injector.maybe_drop(request, "after")
        return web.Response(status=204)

    # ------------------------------------------------------------------ pages

    async def create_page(self, request: web.Request) -> web.Response:
        body = await json_body(request)
        # Older official examples spell it "page-type"; Butter takes both.
        check_required(
            body,
            "title",
            "slug",
            "page_type",
            aliases={"page_type": "page-type"},
            messages=PAGE_MESSAGES,
        )
        self._check_cap("pages")
        return self._accept(request, self._job(request, "page", "create", body))

    async def update_page(self, request: web.Request) -> web.Response:
        body = await json_body(request)
        check_required(body)
        return self._accept(request, self._job(request, "page", "update", body))

    # ------------------------------------------------------------------ collections

    async def create_items(self, request: web.Request) -> web.Response:
        body = await json_body(request)
        check_required(body, "key")
        self._check_cap("collection_items")
        return self._accept(request, self._job(request, "collection", "create", body))

    async def update_item(self, request: web.Request) -> web.Response:
        if not request.match_info["item_id"].isdigit():
            raise not_found()
        body = await json_body(request)
        check_required(body)
        action = "replace" if request.method == "PUT" else "update"
        return self._accept(request, self._job(request, "collection", action, body))

    async def delete_item(self, request: web.Request) -> web.Response:
        key, item_id = request.match_info["key"], request.match_info["item_id"]
        items = self.store.collections.get(key, {})
        if not item_id.isdigit() or int(item_id) not in items:
            raise not_found()
        return self._delete(request, "collection")

    # ------------------------------------------------------------------ posts

    def _check_date(self, body: dict[str, Any]) -> None:
        """Realism.post_dates: a ``published`` refused at once, or checked when honoured
        (an ignored one is not even looked at)."""
        if "published" not in body or self.post_dates == "ignore":
            return
        if self.post_dates == "refuse":
            raise bad_request({"published": [DATE_REFUSED]})
        value = body["published"]
        try:
            utc_timestamp(value if isinstance(value, str) else "")
        except ValueError:
            raise bad_request({"published": [DATE_FORMAT]}) from None

    async def create_post(self, request: web.Request) -> web.Response:
        body = await json_body(request)
        check_required(body, "title", "slug")
        self._check_date(body)
        self._check_cap("posts")
        return self._accept(request, self._job(request, "post", "create", body))

    async def update_post(self, request: web.Request) -> web.Response:
        body = await json_body(request)
        check_required(body)
        self._check_date(body)
        return self._accept(request, self._job(request, "post", "update", body))

    async def delete_post(self, request: web.Request) -> web.Response:
        if request.match_info["slug"] not in self.store.posts:
            raise not_found()
        return self._delete(request, "post")
