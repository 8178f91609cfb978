"""The Read API of pages and collections, enough to verify a migration and to learn
collection item ids (the blog's reads are in blog.py).

Shapes follow the recorded real responses in realdata/json/buttercms-reference/.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web

from migrator.emulator.config import Realism
from migrator.emulator.responses import bad_request, dumps, forbidden, not_found
from migrator.emulator.store import CollectionItem, Page, Store
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


def render_fields(fields: dict[str, Field], values: dict[str, Any]) -> dict[str, Any]:
    """Stored values as Butter reads them back: pickers become ``{"type", "fields"}``."""
    out = dict(values)
    for name, f in fields.items():
        if f.type == "component_picker" and isinstance(values.get(name), list):
            out[name] = [
                {"type": cname, "fields": cvalues}
                for item in values[name]
                for cname, cvalues in item.items()
            ]
    return out


def _sort_key(f: Field, value: Any) -> tuple[bool, Any]:
    """Blank values last; numbers by value, everything else as text."""
    if f.type == "number":
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return (not number, value if number else 0)
    return (value in ("", None), str(value))


class ReadHandlers:
    def __init__(self, model: ContentModel, store: Store, realism: Realism | None = None):
        self.model = model
        self.store = store
        self.realism = realism or Realism()

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/v2/pages/{page_type}/", self.list_pages),
            web.get("/v2/pages/{page_type}/{slug}/", self.get_page),
            web.get("/v2/content/", self.get_collections),
            web.get("/v2/content/{key}/", self.get_collection),
        ]

    # ------------------------------------------------------------------ shared

    def _locale(self, request: web.Request) -> str:
        locale = request.query.get("locale")
        if locale is None:
            return self.model.default_locale
        if locale not in self.model.locales:
            raise bad_request({"detail": "Invalid locale parameter"})
        return locale

    def _visible(self, request: web.Request, status: str) -> bool:
        return status == "published" or wants_preview(request.query)

    def _field_filters(self, request: web.Request) -> dict[str, str]:
        return {k[len("fields.") :]: v for k, v in request.query.items() if k.startswith("fields.")}

    @staticmethod
    def _matches(values: dict[str, Any], filters: dict[str, str]) -> bool:
        def text(v: Any) -> str:
            return ("true" if v else "false") if isinstance(v, bool) else str(v)

        return all(name in values and text(values[name]) == want for name, want in filters.items())

    def _values(
        self, fields: dict[str, Field], stored: dict[str, dict[str, Any]], locale: str
    ) -> dict[str, Any]:
        values = stored.get(locale)
        if values is None:  # a locale never written reads back blank
            values = {name: f.empty_value() for name, f in fields.items()}
        return render_fields(fields, values)

    # ------------------------------------------------------------------ pages

    def _page_status(self, page: Page, locale: str) -> tuple[str, str | None]:
        """Status and ``published`` as a read in ``locale`` sees them: with
        Realism.status_per_locale, that locale version's (a version never written is a
        draft); otherwise the page's."""
        if self.realism.status_per_locale:
            return page.statuses.get(locale, "draft"), page.published_in.get(locale)
        return page.status, page.published

    def _page_visible(self, request: web.Request, page: Page, locale: str) -> bool:
        return self._visible(request, self._page_status(page, locale)[0])

    def _page(self, page: Page, locale: str) -> dict[str, Any]:
        fields = self.model.page_types[page.page_type].fields
        return {
            "slug": page.slug,
            "name": page.name,
            "published": self._page_status(page, locale)[1],
            "updated": page.updated,
            "page_type": page.page_type,
            "fields": self._values(fields, page.fields, locale),
        }

    async def get_page(self, request: web.Request) -> web.Response:
        locale = self._locale(request)
        page_type, slug = request.match_info["page_type"], request.match_info["slug"]
        if page_type == "*" and self.realism.strict_reads:
            # Drafts count too: whether Butter counts only what the read may see is unknown.
            if sum(slug in pages for pages in self.store.pages.values()) > 1:
                raise forbidden(MULTIPLE_PAGES["detail"])
        page = self.store.find_page(page_type, slug)
        if page is None or not self._page_visible(request, page, locale):
            raise not_found(PAGE_NOT_FOUND["detail"])
        return web.json_response({"data": self._page(page, locale)}, dumps=dumps)

    async def list_pages(self, request: web.Request) -> web.Response:
        locale = self._locale(request)
        page_type = request.match_info["page_type"]
        if page_type == "*":
            pages = [p for t in self.store.pages.values() for p in t.values()]
        elif page_type in self.model.page_types:
            pages = list(self.store.pages.get(page_type, {}).values())
        else:
            raise not_found(PAGE_NOT_FOUND["detail"])
        filters = self._field_filters(request)
        rendered = [self._page(p, locale) for p in pages if self._page_visible(request, p, locale)]
        rendered = [p for p in rendered if self._matches(p["fields"], filters)]
        data, meta = paginate(request, rendered)
        return web.json_response({"meta": meta, "data": list(data)}, dumps=dumps)

    # ------------------------------------------------------------------ collections

    def _items(self, request: web.Request, key: str, locale: str) -> list[dict[str, Any]]:
        fields = self.model.collections[key].fields
        filters = self._field_filters(request)
        order = self._check_collection_query(request, key, filters)
        out = []
        for item in self.store.collections.get(key, {}).values():
            if not self._visible(request, item.status):
                continue
            values = self._values(fields, item.fields, locale)
            if self._matches(values, filters):
                out.append(self._item(item, values))
        if order is not None:
            name, descending = order
            out.sort(key=lambda i: _sort_key(fields[name], i.get(name)), reverse=descending)
        return out

    def _check_collection_query(
        self, request: web.Request, key: str, filters: dict[str, str]
    ) -> tuple[str, bool] | None:
        """Realism.strict_reads: 403 for a filter or ``order`` on a field the collection
        does not have or Butter does not filter on (butter-api.md: "Butter answers 403 for
        an invalid collection filter or order"). Returns the order to sort by, if any.
        Without the switch, unknown filters match nothing and ``order`` is ignored."""
        if not self.realism.strict_reads:
            return None
        fields = self.model.collections[key].fields
        for name in filters:
            if fields.get(name) is None:
                raise forbidden(f"Invalid filter: {name!r} is not a field of collection {key!r}")
            if fields[name].type not in FILTERABLE_TYPES:
                raise forbidden(
                    f"Invalid filter: cannot filter on {fields[name].type} field {name!r}"
                )
        order = request.query.get("order")
        if order is None:
            return None
        name = order.removeprefix("-")
        if fields.get(name) is None or fields[name].type not in FILTERABLE_TYPES:
            raise forbidden(f"Invalid order: cannot order collection {key!r} by {order!r}")
        return name, order.startswith("-")

    @staticmethod
    def _item(item: CollectionItem, values: dict[str, Any]) -> dict[str, Any]:
        return {"meta": {"id": item.id}, **values}

    async def get_collection(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        locale = self._locale(request)
        if key not in self.model.collections:
            raise not_found()
        data, meta = paginate(request, self._items(request, key, locale))
        return web.json_response({"meta": meta, "data": {key: list(data)}}, dumps=dumps)

    async def get_collections(self, request: web.Request) -> web.Response:
        keys = [k for k in request.query.get("keys", "").split(",") if k]
        if not keys:
            raise bad_request({"detail": "keys: give one or more collection keys"})
        locale = self._locale(request)
        unknown = [k for k in keys if k not in self.model.collections]
        if unknown:
            raise not_found()
        # The recorded ?keys= answer carries no meta: each key's items come whole.
        data = {k: self._items(request, k, locale) for k in keys}
        return web.json_response({"data": data}, dumps=dumps)
