"""Everything the emulated account holds, and the JSON snapshot tests inspect.

Field values are kept per locale (``{"en": {...}, "es": {...}}``) whatever form the write
used, so a PATCH to one locale can leave the others alone.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from slugify import slugify as python_slugify

# The key single pages (pages without a page type, read back with ``page_type: null``) are
# kept under in ``Store.pages``: ``*`` is what their reads name instead of a page type.
SINGLE_PAGES = "*"


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


@dataclass
class Store:
    requests: list[dict[str, Any]] = field(default_factory=list)
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
            "requests": copy.deepcopy(self.requests),
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
