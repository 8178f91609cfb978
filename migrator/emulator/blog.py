"""The blog Read API: posts (list, one, search), authors, categories, tags and the feeds,
as the official SDKs call them (buttercms-python 2.1.1, buttercms 3.0.3 on npm, PHP, Ruby,
Go) and as Butter answers them.

Shapes follow buttercms-python's recorded cassettes (realdata/json/buttercms-reference/ and
the SDK's tests/fixtures/) and, where those are silent, Butter's API reference:

- A post list (``/v2/posts/``) is another serializer than a single post: other key order,
  no ``deleted`` key, and ``url`` always the blog URL of the post (``/<slug>`` in an account
  without a blog URL). A single post, a search hit and ``recent_posts`` carry
  ``deleted: null`` and, in an account without a blog URL, ``url: null`` (as recorded); with
  one they carry the post's URL (the docs' example). A search hit adds ``rank``.
- Lists are newest published first. Drafts need ``preview=1`` everywhere, the single post
  included (the docs claim a single post is found whatever its status; the emulator keeps
  the harsher answer, the one the recordings cannot contradict).
- ``next_post`` is the older neighbour, ``previous_post`` the newer (the docs' example:
  the oldest post has ``next_post: null``).
- Authors, categories and tags answer ``{"data": ...}`` without ``meta``;
  ``include=recent_posts`` adds each one's 10 newest posts. The SDKs ask for one without a
  trailing slash (python's ``authors.get``, ``feeds.get``; Go's categories) and Butter
  answers that URL directly (the cassettes hold no redirect), so both forms are routed.
- ``/v2/search/`` is the older post search path that the PHP, Ruby and Go SDKs still use.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aiohttp import web

from migrator.emulator.feeds import FEEDS, FeedPost
from migrator.emulator.reads import paginate, wants_preview
from migrator.emulator.responses import bad_request, dumps, not_found
from migrator.emulator.store import Post, Store, slugify
from migrator.model import AUTHOR_PROFILE, ContentModel

RECENT_POSTS = 10  # "Get 10 most recent posts" (buttercms-js's types)
TRUE_VALUES = ("1", "true", "True")  # python's SDK sends exclude_body=True
SLUG = "{slug:[^/]+}"
Json = dict[str, Any]


def blog_url_pattern(blog_url: str) -> str:
    """``EmulatorConfig.blog_url`` as a pattern with ``{slug}``: a base URL gets
    ``/{slug}`` appended; empty is an account without a blog URL (``/{slug}``, recorded)."""
    if "{slug}" in blog_url:
        return blog_url
    return blog_url.rstrip("/") + "/{slug}"


def _words(text: str) -> list[str]:
    return [_stem(w) for w in re.findall(r"\w+", re.sub(r"<[^>]+>", " ", text).lower())]


def _stem(word: str) -> str:
    # A rough stand-in for the full-text search stemming Butter's ranks suggest.
    for suffix in ("ing", "es", "ed", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


class BlogHandlers:
    def __init__(self, model: ContentModel, store: Store, blog_url: str = ""):
        self.model = model
        self.store = store
        self.configured_url = bool(blog_url)
        self.pattern = blog_url_pattern(blog_url)

    def routes(self) -> list[web.RouteDef]:
        routes = [
            web.get("/v2/posts/", self.list_posts),
            # Before /v2/posts/{slug}/: the router tries routes in the order they were added.
            web.get("/v2/posts/search/", self.search_posts),
            web.get("/v2/search/", self.search_posts),
            web.get(f"/v2/posts/{SLUG}/", self.get_post),
        ]
        for kind, listing, one in (
            ("authors", self.list_authors, self.get_author),
            ("categories", self.list_categories, self.get_category),
            ("tags", self.list_tags, self.get_tag),
            ("feeds", None, self.get_feed),
        ):
            if listing is not None:
                routes.append(web.get(f"/v2/{kind}/", listing))
            routes += [web.get(f"/v2/{kind}/{SLUG}/", one), web.get(f"/v2/{kind}/{SLUG}", one)]
        return routes

    # ------------------------------------------------------------------ posts

    def url(self, slug: str) -> str:
        return self.pattern.replace("{slug}", slug)

    def _author(self, post: Post) -> Json:
        """The full author object; the profile comes from the account (the model)."""
        known = self.model.author(slug=post.author.get("slug"))
        profile = known.profile if known else {}
        return {
            "first_name": post.author.get("first_name", ""),
            "last_name": post.author.get("last_name", ""),
            "email": post.author.get("email", ""),
            "slug": post.author.get("slug", ""),
            **{k: profile.get(k, "") for k in AUTHOR_PROFILE},
        }

    @staticmethod
    def _named(names: list[str]) -> list[dict[str, str]]:
        return [{"name": n, "slug": slugify(n)} for n in names]

    def list_item(self, post: Post, exclude_body: bool = False) -> Json:
        """A post as ``/v2/posts/`` shows it (recorded key order)."""
        out: Json = {
            "status": post.status,
            "created": post.created,
            "updated": post.updated,
            "published": post.published,
            "title": post.title,
            "slug": post.slug,
            "body": post.body,
            "summary": post.summary,
            "seo_title": post.seo_title,
            "meta_description": post.meta_description,
            "featured_image_alt": post.featured_image_alt,
            "url": self.url(post.slug),
            "featured_image": post.featured_image or None,
            "author": self._author(post),
            "tags": self._named(post.tags),
            "categories": self._named(post.categories),
        }
        if exclude_body:
            del out["body"]
        return out

    def detail(self, post: Post, rank: float | None = None) -> Json:
        """A post as a single read, a search hit or ``recent_posts`` show it."""
        out: Json = {
            "created": post.created,
            "published": post.published,
            "url": self.url(post.slug) if self.configured_url else None,
            "slug": post.slug,
            "featured_image": post.featured_image or None,
            "featured_image_alt": post.featured_image_alt,
            "author": self._author(post),
            "tags": self._named(post.tags),
            "categories": self._named(post.categories),
        }
        if rank is not None:
            out["rank"] = rank
        out |= {
            "title": post.title,
            "body": post.body,
            "summary": post.summary,
            "updated": post.updated,
            "deleted": None,
            "seo_title": post.seo_title,
            "meta_description": post.meta_description,
            "status": post.status,
        }
        return out

    def posts(self, request: web.Request, keep: Callable[[Post], bool] | None = None) -> list[Post]:
        """The posts a read may see, newest published first. Drafts (no date) come first,
        as a descending sort puts NULLs first in PostgreSQL; that order is [undocumented]."""
        preview = wants_preview(request.query)
        seen = [
            p
            for p in self.store.posts.values()
            if (p.status == "published" or preview) and (keep is None or keep(p))
        ]
        return sorted(seen, key=_newest_first, reverse=True)

    async def list_posts(self, request: web.Request) -> web.Response:
        q = request.query
        posts = self.posts(request, _all(_filters(q, ("author_slug", "category_slug", "tag_slug"))))
        exclude = q.get("exclude_body") in TRUE_VALUES
        data, meta = paginate(request, posts)
        items = [self.list_item(p, exclude) for p in data]
        return web.json_response({"meta": meta, "data": items}, dumps=dumps)

    async def get_post(self, request: web.Request) -> web.Response:
        slug = request.match_info["slug"]
        posts = self.posts(request)
        index = next((i for i, p in enumerate(posts) if p.slug == slug), None)
        if index is None:
            raise not_found()
        meta = {
            "next_post": _neighbour(posts, index + 1),
            "previous_post": _neighbour(posts, index - 1),
        }
        return web.json_response({"meta": meta, "data": self.detail(posts[index])}, dumps=dumps)

    async def search_posts(self, request: web.Request) -> web.Response:
        query = _words(request.query.get("query", ""))
        if not query:
            raise bad_request({"detail": "query: give the words to search for"})
        hits = []
        for post in self.posts(request):
            text = _words(f"{post.title} {post.summary} {post.body}")
            found = [sum(1 for w in text if w == q) for q in query]
            if all(found):  # every word, as a plain full-text query
                hits.append((_rank(found, len(text)), post))
        # Best rank first; ties keep the newest first (the sort is stable).
        hits.sort(key=lambda h: h[0], reverse=True)
        data, meta = paginate(request, hits)
        items = [self.detail(post, rank) for rank, post in data]
        return web.json_response({"meta": meta, "data": items}, dumps=dumps)

    # ------------------------------------------------------------------ authors, categories, tags

    def _recent(self, request: web.Request, keep: Callable[[Post], bool]) -> list[Json]:
        return [self.detail(p) for p in self.posts(request, keep)[:RECENT_POSTS]]

    def _with_recent(self, request: web.Request, obj: Json, keep: Callable[[Post], bool]) -> Json:
        if request.query.get("include") == "recent_posts":
            return {**obj, "recent_posts": self._recent(request, keep)}
        return obj

    def authors(self) -> list[Json]:
        """The account's authors (the model's), then any other author a post carries (the
        organisation owner when the model names none)."""
        out = {
            a.slug: {
                "first_name": a.first_name,
                "last_name": a.last_name,
                "email": a.email,
                "slug": a.slug,
                **{k: a.profile.get(k, "") for k in AUTHOR_PROFILE},
            }
            for a in self.model.authors
        }
        for post in self.store.posts.values():
            slug = post.author.get("slug", "")
            if slug and slug not in out:
                out[slug] = self._author(post)
        return list(out.values())

    def _author_answer(self, request: web.Request, author: Json) -> Json:
        slug = author["slug"]
        return self._with_recent(request, author, lambda p: p.author.get("slug") == slug)

    async def list_authors(self, request: web.Request) -> web.Response:
        data = [self._author_answer(request, a) for a in self.authors()]
        return web.json_response({"data": data}, dumps=dumps)

    async def get_author(self, request: web.Request) -> web.Response:
        slug = request.match_info["slug"]
        author = next((a for a in self.authors() if a["slug"] == slug), None)
        if author is None:
            raise not_found()
        return web.json_response({"data": self._author_answer(request, author)}, dumps=dumps)

    def _terms(
        self, request: web.Request, known: dict[str, str], names_of: Callable[[Post], list[str]]
    ) -> list[Json]:
        # The store keys them by name (two names may share a slug); Butter lists slugs.
        return [
            self._with_recent(
                request, {"name": name, "slug": slugify(name)}, _in(slugify(name), names_of)
            )
            for name in known
        ]

    def _one_term(self, request: web.Request, terms: list[Json]) -> web.Response:
        slug = request.match_info["slug"]
        term = next((t for t in terms if t["slug"] == slug), None)
        if term is None:
            raise not_found()
        return web.json_response({"data": term}, dumps=dumps)

    def _categories(self, request: web.Request) -> list[Json]:
        return self._terms(request, self.store.categories, lambda p: p.categories)

    def _tags(self, request: web.Request) -> list[Json]:
        return self._terms(request, self.store.tags, lambda p: p.tags)

    async def list_categories(self, request: web.Request) -> web.Response:
        return web.json_response({"data": self._categories(request)}, dumps=dumps)

    async def get_category(self, request: web.Request) -> web.Response:
        return self._one_term(request, self._categories(request))

    async def list_tags(self, request: web.Request) -> web.Response:
        return web.json_response({"data": self._tags(request)}, dumps=dumps)

    async def get_tag(self, request: web.Request) -> web.Response:
        return self._one_term(request, self._tags(request))

    # ------------------------------------------------------------------ feeds

    async def get_feed(self, request: web.Request) -> web.Response:
        render = FEEDS.get(request.match_info["slug"])
        if render is None:
            raise not_found()
        tests = _filters(request.query, ("category_slug", "tag_slug"))
        # A feed is public: published posts only, whatever preview says.
        posts = [p for p in self.posts(request, _all(tests)) if p.status == "published"]
        feed = [FeedPost(p, self.url(p.slug), self._author(p)) for p in posts]
        root = self.pattern.split("{slug}")[0].rstrip("/")
        return web.json_response({"data": render(feed, f"{root}/" if root else "")}, dumps=dumps)


def _newest_first(p: Post) -> tuple[bool, str, int]:
    return (p.published is None, p.published or "", p.id)


def _in(slug: str, names_of: Callable[[Post], list[str]]) -> Callable[[Post], bool]:
    """Whether a post has the category or tag ``slug``."""
    return lambda p: slug in {slugify(n) for n in names_of(p)}


def _filters(query: Mapping[str, str], names: Sequence[str]) -> list[Callable[[Post], bool]]:
    """The documented post filters among ``names`` that the query gives."""
    tests: list[Callable[[Post], bool]] = []
    if "author_slug" in names and "author_slug" in query:
        author = query["author_slug"]
        tests.append(lambda p: p.author.get("slug") == author)
    if "category_slug" in names and "category_slug" in query:
        tests.append(_in(query["category_slug"], lambda p: p.categories))
    if "tag_slug" in names and "tag_slug" in query:
        tests.append(_in(query["tag_slug"], lambda p: p.tags))
    return tests


def _all(tests: list[Callable[[Post], bool]]) -> Callable[[Post], bool]:
    return lambda p: all(t(p) for t in tests)


def _rank(found: Sequence[int], length: int) -> float:
    """A relevance in (0, 1): more matches in a shorter text rank higher."""
    return round(1 - math.exp(-sum(found) / math.sqrt(max(length, 1))), 8)


def _neighbour(posts: list[Post], i: int) -> dict[str, str | None] | None:
    if 0 <= i < len(posts):
        p = posts[i]
        return {"slug": p.slug, "title": p.title, "featured_image": p.featured_image or None}
    return None
