"""Everything the emulated account holds, and the JSON snapshot tests inspect.

Field values are kept per locale (``{"en": {...}, "es": {...}}``) whatever form the write
used, so a PATCH to one locale can leave the others alone.
"""

from __future__ import annotations

import copy
from collections import Counter, deque
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, TypeVar

from slugify import slugify as python_slugify

# The key single pages (pages without a page type, read back with ``page_type: null``) are
# kept under in ``Store.pages``: ``*`` is what their reads name instead of a page type.
SINGLE_PAGES = "*"
T = TypeVar("T")


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def slugify(text: str) -> str:
    """The slug Butter reads back for a tag or category name (other scripts transliterated)."""
    return python_slugify(text)


@dataclass
class Page:
    id: int
    page_type: str
    slug: str
    name: str
    status: str
    fields: dict[str, dict[str, Any]]
    created: str
    updated: str
    published: str | None
    # Realism.status_per_locale only: each locale version's status and first publication
    # (``status`` and ``published`` then mirror the default locale's). Empty otherwise.
    statuses: dict[str, str] = field(default_factory=dict)
    published_in: dict[str, str | None] = field(default_factory=dict)


@dataclass
class CollectionItem:
    id: int
    key: str
    status: str
    fields: dict[str, dict[str, Any]]
    created: str
    updated: str
    published: str | None


@dataclass
class Post:
    id: int
    slug: str
    status: str
    title: str
    author: dict[str, str]
    categories: list[str]
    tags: list[str]
    body: str = ""
    summary: str = ""
    seo_title: str = ""
    meta_description: str = ""
    featured_image: str = ""
    featured_image_alt: str = ""
    created: str = ""
    updated: str = ""
    published: str | None = None


@dataclass
class MediaFile:
    handle: str
    url: str
    sha256: str
    size: int
    content_type: str
    sources: list[str] = field(default_factory=list)


# The request log keeps the last this many (``counters["requests"]`` counts them all): a
# rehearsal of a large site sends millions, and the log was every one of them, copied
# whole by each /_emulator/state.
REQUEST_LOG = 100_000


def _request_log() -> deque[dict[str, Any]]:
    return deque(maxlen=REQUEST_LOG)


@dataclass
class Store:
    requests: deque[dict[str, Any]] = field(default_factory=_request_log)
    pages: dict[str, dict[str, Page]] = field(default_factory=dict)
    collections: dict[str, dict[int, CollectionItem]] = field(default_factory=dict)
    posts: dict[str, Post] = field(default_factory=dict)
    deleted_items: list[CollectionItem] = field(default_factory=list)
    deleted_posts: list[Post] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    media: dict[str, MediaFile] = field(default_factory=dict)  # sha256 -> file
    categories: dict[str, str] = field(default_factory=dict)  # slug -> name
    tags: dict[str, str] = field(default_factory=dict)
    counters: Counter[str] = field(default_factory=Counter)
    # Creates accepted but not applied yet, so plan caps count them at request time.
    pending_creates: Counter[str] = field(default_factory=Counter)
    _last_id: int = 0

    def new_id(self) -> int:
        self._last_id += 1
        return self._last_id

    def find_page(self, page_type: str, slug: str) -> Page | None:
        if page_type == "*":
            for pages in self.pages.values():
                if slug in pages:
                    return pages[slug]
            return None
        return self.pages.get(page_type, {}).get(slug)

    def put_single_page(self, page: Page) -> None:
        """Hold a single page (the Write API cannot create one: tests and states seed them)."""
        page.page_type = SINGLE_PAGES
        self.pages.setdefault(SINGLE_PAGES, {})[page.slug] = page

    def count(self, cap: str) -> int:
        if cap == "pages":
            return sum(len(p) for p in self.pages.values())
        if cap == "collection_items":
            return sum(len(c) for c in self.collections.values())
        return len(self.posts)

    def record_failure(
        self, kind: str, method: str, path: str, reason: str, payload: Any
    ) -> dict[str, Any]:
        failure = {
            "kind": kind,
            "method": method,
            "path": path,
            "reason": reason,
            "payload": payload,
            "at": now_iso(),
        }
        self.failures.append(failure)
        self.counters["failed"] += 1
        return failure

    def snapshot(self, pending: list[dict[str, Any]]) -> dict[str, Any]:
        """The state as JSON-ready data; collection ids become strings, as JSON keys must.
        ``pending``: the writes accepted and not applied yet, the next due first."""
        counters = dict(self.counters)
        counters["pending"] = len(pending)
        # asdict() copies the items; the two plain lists are copied here.
        return {
            "requests": copy.deepcopy(list(self.requests)),
            "pending": pending,
            "pages": {
                t: {slug: asdict(p) for slug, p in pages.items()} for t, pages in self.pages.items()
            },
            "collections": {
                key: {str(i): asdict(item) for i, item in items.items()}
                for key, items in self.collections.items()
            },
            "posts": {slug: asdict(p) for slug, p in self.posts.items()},
            "deleted": {
                "collection_items": [asdict(i) for i in self.deleted_items],
                "posts": [asdict(p) for p in self.deleted_posts],
            },
            "failures": copy.deepcopy(self.failures),
            "media": {sha: asdict(m) for sha, m in self.media.items()},
            "categories": sorted(self.categories.values()),
            "tags": sorted(self.tags.values()),
            "counters": counters,
        }

    # ------------------------------------------------------------------ state files

    def dump(self) -> dict[str, Any]:
        """Everything the store holds, JSON-ready, for a state file (``state.py``): lists
        keep the order reads and ids depend on; ``restore`` reads it back."""
        return {
            "last_id": self._last_id,
            "pages": {t: [asdict(p) for p in pages.values()] for t, pages in self.pages.items()},
            "collections": {
                key: [asdict(i) for i in items.values()] for key, items in self.collections.items()
            },
            "posts": [asdict(p) for p in self.posts.values()],
            "deleted_items": [asdict(i) for i in self.deleted_items],
            "deleted_posts": [asdict(p) for p in self.deleted_posts],
            "failures": copy.deepcopy(self.failures),
            "media": [asdict(m) for m in self.media.values()],
            "categories": dict(self.categories),
            "tags": dict(self.tags),
            "counters": dict(self.counters),
            "requests": copy.deepcopy(list(self.requests)),
        }

    @classmethod
    def restore(cls, data: dict[str, Any]) -> Store:
        """The store ``dump`` gave. A part that is not as ``dump`` writes raises
        ``StateContentError`` naming it (``pages.landing_page[3]``, ``posts[0]``...)."""
        store = cls()
        store._last_id = _typed(data, "last_id", int)
        for page_type, pages in _typed(data, "pages", dict).items():
            for n, raw in enumerate(_listed(pages, f"pages.{page_type}")):
                page = _build(Page, raw, f"pages.{page_type}[{n}]")
                store.pages.setdefault(page_type, {})[page.slug] = page
        for key, items in _typed(data, "collections", dict).items():
            for n, raw in enumerate(_listed(items, f"collections.{key}")):
                item = _build(CollectionItem, raw, f"collections.{key}[{n}]")
                store.collections.setdefault(key, {})[item.id] = item
        for n, raw in enumerate(_typed(data, "posts", list)):
            post = _build(Post, raw, f"posts[{n}]")
            store.posts[post.slug] = post
        store.deleted_items = [
            _build(CollectionItem, raw, f"deleted_items[{n}]")
            for n, raw in enumerate(_typed(data, "deleted_items", list))
        ]
        store.deleted_posts = [
            _build(Post, raw, f"deleted_posts[{n}]")
            for n, raw in enumerate(_typed(data, "deleted_posts", list))
        ]
        store.failures = _typed(data, "failures", list)
        for n, raw in enumerate(_typed(data, "media", list)):
            media = _build(MediaFile, raw, f"media[{n}]")
            store.media[media.sha256] = media
        store.categories = _typed(data, "categories", dict)
        store.tags = _typed(data, "tags", dict)
        store.counters = Counter(_typed(data, "counters", dict))
        store.requests.extend(_typed(data, "requests", list))
        ids = [p.id for pages in store.pages.values() for p in pages.values()]
        ids += [i.id for items in store.collections.values() for i in items.values()]
        ids += [p.id for p in store.posts.values()]
        if ids and max(ids) > store._last_id:
            # A new item would take an id already held.
            raise StateContentError("last_id", f"{store._last_id} is below an id held ({max(ids)})")
        return store


class StateContentError(ValueError):
    """A part of a saved state is not as ``Store.dump`` writes it."""

    def __init__(self, where: str, message: str):
        self.where = where
        super().__init__(f"{where}: {message}")


_JSON_NAMES = {int: "a number", list: "a list", dict: "an object"}


def _typed(data: dict[str, Any], key: str, kind: type) -> Any:
    if key not in data:
        raise StateContentError(key, "missing")
    value = data[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise StateContentError(key, f"expected {_JSON_NAMES[kind]}, got {type(value).__name__}")
    return value


def _listed(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise StateContentError(where, f"expected a list, got {type(value).__name__}")
    return value


def _build(cls: type[T], raw: Any, where: str) -> T:
    if not isinstance(raw, dict):
        raise StateContentError(where, f"expected an object, got {type(raw).__name__}")
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(raw) - names)
    if unknown:
        raise StateContentError(where, f"unknown key {unknown[0]!r}")
    try:
        return cls(**raw)
    except TypeError as exc:  # a required key left out
        missing = str(exc).partition("missing ")[2] or str(exc)
        raise StateContentError(where, f"missing {missing}") from None
