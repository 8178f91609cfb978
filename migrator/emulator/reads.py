"""The Read API of pages and collections: what migrator's verify reads, and what
ButterCMS's official SDKs call (the blog's reads are in blog.py).

Shapes follow the recorded real responses in realdata/json/buttercms-reference/ (replayed
by tests/emulator/sdk/test_replay.py); references expand by ``levels`` (``render.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web

from migrator.emulator.config import Realism
from migrator.emulator.render import DEFAULT_LEVELS, MAX_LEVELS, Renderer, View
from migrator.emulator.responses import bad_request, dumps, forbidden, not_found
from migrator.emulator.store import SINGLE_PAGES, Page, Store
from migrator.model import ContentModel, Field

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 10
PAGE_NOT_FOUND = {"detail": "Page not found."}
MULTIPLE_PAGES = {"detail": "Multiple pages found"}
# Realism.strict_reads: the field types a collection filter or order may name. Butter says
# which field types it filters on nowhere; the emulator's pessimistic choice leaves out
# media (Butter rewrites the URL, so the sent one never matches) and references.
FILTERABLE_TYPES = frozenset(
    {"short_text", "long_text", "wysiwyg", "number", "date", "checkbox", "dropdown", "color"}
)
PREVIEW_VALUES = ("1", "true", "True")


def wants_preview(query: Mapping[str, str]) -> bool:
    return query.get("preview") in PREVIEW_VALUES


def _int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request({"detail": f"{name} must be a whole number, got {raw!r}"}) from None
    if not low <= value <= high:
        raise bad_request({"detail": f"{name} must be between {low} and {high}, got {value}"})
    return value


def paginate(request: web.Request, items: Sequence[Any]) -> tuple[Sequence[Any], dict[str, Any]]:
    """Either page+page_size or limit+offset (never both), as Butter documents."""
    q = request.query
    by_page = "page" in q or "page_size" in q
    by_offset = "limit" in q or "offset" in q
    if by_page and by_offset:
        raise bad_request(
            {"detail": "Use either page and page_size, or limit and offset, not both."}
        )
    count = len(items)
    if by_offset:
        limit = _int_param(request, "limit", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
        offset = _int_param(request, "offset", 0, 0, 1 << 31)
        nxt = offset + limit if offset + limit < count else None
        prev = max(0, offset - limit) if offset > 0 else None
        meta = {"count": count, "next_offset": nxt, "previous_offset": prev}
        return items[offset : offset + limit], meta
    page = _int_param(request, "page", 1, 1, 1 << 31)
    size = _int_param(request, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    start = (page - 1) * size
    if page > 1 and start >= count:
        raise not_found("Invalid page.")
    meta = {
        "count": count,
        "next_page": page + 1 if start + size < count else None,
        "previous_page": page - 1 if page > 1 else None,
    }
    return items[start : start + size], meta


def _sort_key(f: Field | None, value: Any) -> tuple[bool, Any]:
    """Blank values last; numbers by value, everything else as text."""
    if f is not None and f.type == "number":
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return (not number, value if number else 0)
    return (value in ("", None), str(value))


# Page attributes a page list may be ordered by, besides the page type's fields.
PAGE_ORDER_KEYS = ("published", "updated", "slug", "name")


class ReadHandlers:
    def __init__(self, model: ContentModel, store: Store, realism: Realism | None = None):
        self.model = model
        self.store = store
        self.realism = realism or Realism()
        self.render = Renderer(model, store, self.realism)

    def routes(self) -> list[web.RouteDef]:
        # Fixed paths before the patterns that would take them ("search" as a page type).
        return [
            web.get("/v2/pages/", self.list_single_pages),
            web.get("/v2/pages/search/", self.search_pages),
            web.get("/v2/pages/{page_type}/", self.list_pages),
            web.get("/v2/pages/{page_type}/{slug}/", self.get_page),
            web.get("/v2/content/", self.get_collections),
            web.get("/v2/content/{key}/", self.get_collection),
            web.get("/v2/content/{key}/{item_id}/", self.get_item),
        ]

    # ------------------------------------------------------------------ shared

    def _locale(self, request: web.Request) -> str:
        locale = request.query.get("locale")
        if locale is None:
            return self.model.default_locale
        if locale not in self.model.locales:
            raise bad_request({"detail": "Invalid locale parameter"})
        return locale

    def _view(self, request: web.Request) -> View:
        raw = request.query.get("levels")
        levels = DEFAULT_LEVELS
        if raw is not None:
            try:
                levels = int(raw)
            except ValueError:
                raise bad_request(
                    {"detail": f"levels must be a whole number, got {raw!r}"}
                ) from None
            # Butter's docs: "values outside this range are automatically adjusted".
            levels = min(max(levels, 1), MAX_LEVELS)
        return View(self._locale(request), wants_preview(request.query), levels)

    def _visible(self, request: web.Request, status: str) -> bool:
        return status == "published" or wants_preview(request.query)

    def _field_filters(self, request: web.Request) -> dict[str, str]:
        return {k[len("fields.") :]: v for k, v in request.query.items() if k.startswith("fields.")}

    @staticmethod
    def _matches(values: dict[str, Any], filters: dict[str, str]) -> bool:
        """Filters compare with the stored values: a reference by the slug or id written."""

        def text(v: Any) -> str:
            return ("true" if v else "false") if isinstance(v, bool) else str(v)

        def hit(v: Any, want: str) -> bool:
            return any(text(x) == want for x in v) if isinstance(v, list) else text(v) == want

        return all(name in values and hit(values[name], want) for name, want in filters.items())

    # ------------------------------------------------------------------ pages

    async def get_page(self, request: web.Request) -> web.Response:
        view = self._view(request)
        page_type, slug = request.match_info["page_type"], request.match_info["slug"]
        if page_type == "*" and self.realism.strict_reads:
            # Drafts count too: whether Butter counts only what the read may see is unknown.
            if sum(slug in pages for pages in self.store.pages.values()) > 1:
                raise forbidden(MULTIPLE_PAGES["detail"])
        page = self.store.find_page(page_type, slug)
        if page is None or not self.render.page_visible(page, view):
            raise not_found(PAGE_NOT_FOUND["detail"])
        return web.json_response({"data": self.render.page(page, view)}, dumps=dumps)

    def _single_pages(self, request: web.Request) -> web.Response:
        """``/v2/pages/*/`` and ``/v2/pages/``: the single pages only (``page_type: null``),
        without ``name``, as recorded (buttercms-js-mock--page-list.json); Butter's docs:
        no field filters or ordering here."""
        view = self._view(request)
        pages = self.store.pages.get(SINGLE_PAGES, {}).values()
        rendered = [self.render.page(p, view) for p in pages if self.render.page_visible(p, view)]
        for p in rendered:
            del p["name"]
        data, meta = paginate(request, rendered)
        return web.json_response({"meta": meta, "data": list(data)}, dumps=dumps)

    async def list_single_pages(self, request: web.Request) -> web.Response:
        return self._single_pages(request)

    async def list_pages(self, request: web.Request) -> web.Response:
        page_type = request.match_info["page_type"]
        if page_type == "*":
            return self._single_pages(request)
        if page_type not in self.model.page_types:
            raise not_found(PAGE_NOT_FOUND["detail"])
        view = self._view(request)
        fields = self.model.page_types[page_type].fields
        filters = self._field_filters(request)
        pages = [
            p
            for p in self.store.pages.get(page_type, {}).values()
            if self.render.page_visible(p, view)
            and self._matches(self.render.raw_values(fields, p.fields, view.locale), filters)
        ]
        pages = self._order_pages(request, fields, pages, view)
        data, meta = paginate(request, pages)
        rendered = [self.render.page(p, view) for p in data]
        return web.json_response({"meta": meta, "data": rendered}, dumps=dumps)

    def _order_pages(
        self, request: web.Request, fields: dict[str, Field], pages: list[Page], view: View
    ) -> list[Page]:
        """``order=published``, ``-updated``, ``title`` (a field; ``fields.title`` too):
        Butter's docs. An order on nothing the page type has is ignored **[undocumented]**."""
        order = request.query.get("order")
        if not order:
            return pages
        name = order.removeprefix("-").removeprefix("fields.")
        descending = order.startswith("-")
        if name in fields:
            f: Field | None = fields[name]

            def key(p: Page) -> tuple[bool, Any]:
                return _sort_key(f, self.render.raw_values(fields, p.fields, view.locale).get(name))

        elif name in PAGE_ORDER_KEYS:
            f = None

            def key(p: Page) -> tuple[bool, Any]:
                if name == "published":
                    return _sort_key(None, self.render.page_status(p, view.locale)[1])
                return _sort_key(None, getattr(p, name))

        else:
            return pages
        ordered = sorted(pages, key=key, reverse=descending)
        if descending:  # blank values stay last either way
            ordered.sort(key=lambda p: key(p)[0])
        return ordered

    async def search_pages(self, request: web.Request) -> web.Response:
        """``/v2/pages/search/?query=``: pages of every type (``page_type=`` narrows it)
        whose slug, name or any text field holds the query, case-insensitively
        **[undocumented]**: Butter says only that it searches pages."""
        query = request.query.get("query", "").strip().lower()
        if not query:
            raise bad_request({"query": ["This field is required."]})
        view = self._view(request)
        wanted = request.query.get("page_type")
        found = []
        for page_type, pages in self.store.pages.items():
            if wanted and page_type != wanted:
                continue
            for page in pages.values():
                values = self.render.raw_values(
                    self.render.page_fields(page), page.fields, view.locale
                )
                texts = [page.slug, page.name, *_texts(values)]
                if self.render.page_visible(page, view) and any(query in t.lower() for t in texts):
                    found.append(page)
        data, meta = paginate(request, found)
        rendered = [self.render.page(p, view) for p in data]
        return web.json_response({"meta": meta, "data": rendered}, dumps=dumps)

    # ------------------------------------------------------------------ collections

    def _items(self, request: web.Request, key: str, view: View) -> list[dict[str, Any]]:
        fields = self.model.collections[key].fields
        filters = self._field_filters(request)
        order = self._check_collection_query(request, key, filters)
        items = [
            (item, values)
            for item in self.store.collections.get(key, {}).values()
            if self.render.item_visible(item, view)
            and self._matches(
                values := self.render.raw_values(fields, item.fields, view.locale), filters
            )
        ]
        if order is not None:
            name, descending = order
            items.sort(key=lambda i: _sort_key(fields[name], i[1].get(name)), reverse=descending)
        return [self.render.item(item, view) for item, _ in items]

    def _check_collection_query(
        self, request: web.Request, key: str, filters: dict[str, str]
    ) -> tuple[str, bool] | None:
        """The order to sort by, if any (``order=name``, ``-name``: a field of the collection).
        Realism.strict_reads: 403 for a filter or ``order`` on a field the collection
        does not have or Butter does not filter on (butter-api.md: "Butter answers 403 for
        an invalid collection filter or order"). Without the switch, unknown filters match
        nothing and an unknown ``order`` is ignored."""
        fields = self.model.collections[key].fields
        order = request.query.get("order")
        name = order.removeprefix("-").removeprefix("fields.") if order else None
        if not self.realism.strict_reads:
            if order is None or name not in fields:
                return None
            return str(name), order.startswith("-")
        for fname in filters:
            if fields.get(fname) is None:
                raise forbidden(f"Invalid filter: {fname!r} is not a field of collection {key!r}")
            if fields[fname].type not in FILTERABLE_TYPES:
                raise forbidden(
                    f"Invalid filter: cannot filter on {fields[fname].type} field {fname!r}"
                )
        if order is None or name is None:
            return None
        if fields.get(name) is None or fields[name].type not in FILTERABLE_TYPES:
            raise forbidden(f"Invalid order: cannot order collection {key!r} by {order!r}")
        return name, order.startswith("-")

    def _keyed(self, request: web.Request, keys: list[str]) -> web.Response:
        """One key: its items paged, with ``meta`` (recorded: test_content_field_get); several:
        each key's items whole, no ``meta`` (recorded: test_content_field_all_filtered)."""
        view = self._view(request)
        if any(k not in self.model.collections for k in keys):
            raise not_found()
        if len(keys) == 1:
            data, meta = paginate(request, self._items(request, keys[0], view))
            return web.json_response({"meta": meta, "data": {keys[0]: list(data)}}, dumps=dumps)
        body = {"data": {k: self._items(request, k, view) for k in keys}}
        return web.json_response(body, dumps=dumps)

    async def get_collection(self, request: web.Request) -> web.Response:
        # buttercms-js 3 asks /v2/content/<a,b>/ for content.retrieve(["a", "b"]).
        return self._keyed(request, [k for k in request.match_info["key"].split(",") if k])

    async def get_collections(self, request: web.Request) -> web.Response:
        keys = [k for k in request.query.get("keys", "").split(",") if k]
        if not keys:  # Butter answers 200 with nothing in it (issue 16)
            self._view(request)  # a bad locale or levels is still refused
            return web.json_response({"data": {}}, dumps=dumps)
        return self._keyed(request, keys)

    async def get_item(self, request: web.Request) -> web.Response:
        """``/v2/content/<key>/<id>/``: one item as ``{"data": {"meta": {"id"}, ...}}``
        (the docs list the endpoint; the shape is the list's item **[undocumented]**)."""
        key, raw_id = request.match_info["key"], request.match_info["item_id"]
        view = self._view(request)
        if key not in self.model.collections or not raw_id.isdigit():
            raise not_found()
        item = self.store.collections.get(key, {}).get(int(raw_id))
        if item is None or not self.render.item_visible(item, view):
            raise not_found()
        return web.json_response({"data": self.render.item(item, view)}, dumps=dumps)


def _texts(value: Any) -> list[str]:
    """Every string inside a stored value (components, repeaters and pickers included)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []
