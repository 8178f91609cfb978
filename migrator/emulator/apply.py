"""What Butter's background queue does with an accepted write: check it against the content
model, download its media, then store it and fire webhooks. A write that fails here was
already answered 202, so the failure is only recorded (Butter's users learn of it by reading
back, or from support)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from migrator.emulator.config import Realism
from migrator.emulator.media import MediaLibrary
from migrator.emulator.store import CollectionItem, Page, Post, Store, now_iso
from migrator.emulator.webhooks import Webhooks, item_data, page_data, post_data, status_event
from migrator.model import ContentModel, Field, check_fields, utc_timestamp

POST_TEXT_KEYS = (
    "title",
    "body",
    "summary",
    "seo_title",
    "meta_description",
    "featured_image_alt",
)
_LOCALE_CODE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?$")


class Rejected(Exception):
    """The write breaks the account's rules; the message is the recorded reason."""


@dataclass
class Job:
    kind: str  # "page" | "collection" | "post"
    action: str  # "create" | "update" | "replace" | "delete" (Realism.late_deletes)
    method: str
    path: str
    body: dict[str, Any]
    locale: str | None = None  # ?locale= on the request
    target: tuple[str, ...] = ()  # (page_type, slug) | (key, item_id) | (slug,)
    ready_at: float = 0.0  # the event loop's clock
    seq: int = 0  # accept order, from 1
    due_at: str = ""  # ready_at as wall-clock ISO 8601, for /_emulator/state


def _is_multi_locale(values: Any, fields: dict[str, Field], model: ContentModel) -> bool:
    # Butter's rule: the form is multi-locale when the top-level keys are locale codes.
    if not isinstance(values, dict) or not values:
        return False
    keys = list(values)
    if any(k in fields for k in keys) or not all(isinstance(v, dict) for v in values.values()):
        return False
    return any(k in model.locales for k in keys) or all(_LOCALE_CODE.match(k) for k in keys)


class Applier:
    def __init__(
        self,
        model: ContentModel,
        store: Store,
        media: MediaLibrary,
        webhooks: Webhooks,
        duplicate_slugs: str,
        realism: Realism | None = None,
    ):
        self.model = model
        self.store = store
        self.media = media
        self.webhooks = webhooks
        self.duplicate_slugs = duplicate_slugs
        self.realism = realism or Realism()

    async def apply(self, job: Job) -> None:
        handler = {
            ("page", "create"): self._create_page,
            ("page", "update"): self._update_page,
            ("page", "replace"): self._update_page,  # Butter: PUT means the same as PATCH
            ("collection", "create"): self._create_items,
            ("collection", "update"): self._update_item,
            ("collection", "replace"): self._update_item,
            ("post", "create"): self._create_post,
            ("post", "update"): self._update_post,
            ("collection", "delete"): self._late_delete,
            ("post", "delete"): self._late_delete,
        }[(job.kind, job.action)]
        await handler(job)

    # ------------------------------------------------------------------ deletes

    def delete_item(self, key: str, item_id: int) -> None:
        """Butter soft-deletes: gone from reads, kept aside here for inspection. An item
        already gone (a second DELETE answered 204 before the first applied) stays gone."""
        item = self.store.collections.get(key, {}).pop(item_id, None)
        if item is None:
            return
        item.status = "deleted"
        self.store.deleted_items.append(item)
        self.store.counters["deleted"] += 1
        self.webhooks.emit("collectionitem.delete", item_data(item))

    def delete_post(self, slug: str) -> None:
        post = self.store.posts.pop(slug, None)
        if post is None:
            return
        post.status = "deleted"
        self.store.deleted_posts.append(post)
        self.store.counters["deleted"] += 1
        self.webhooks.emit("post.delete", post_data(post))

    async def _late_delete(self, job: Job) -> None:
        if job.kind == "collection":
            key, item_id = job.target
            self.delete_item(key, int(item_id))
        else:
            self.delete_post(job.target[0])

    # ------------------------------------------------------------------ shared checks

    def _by_locale(
        self, fields: dict[str, Field], values: Any, locale: str | None
    ) -> dict[str, Any]:
        """Single- or multi-locale field values as ``{locale: values}``."""
        if locale is not None and locale not in self.model.locales:
            raise Rejected(
                f"unknown locale {locale!r} (account locales: {list(self.model.locales)})"
            )
        if _is_multi_locale(values, fields, self.model):
            unknown = [k for k in values if k not in self.model.locales]
            if unknown:
                raise Rejected(
                    f"unknown locale {unknown[0]!r} (account locales: {list(self.model.locales)})"
                )
            return dict(values)
        return {locale or self.model.default_locale: values}

    def _check(
        self, fields: dict[str, Field], by_locale: dict[str, Any], *, all_keys: bool, path: str
    ) -> None:
        errors: list[str] = []
        multi = len(by_locale) > 1
        for loc, values in by_locale.items():
            where = f"{path}.{loc}" if multi else path
            errors.extend(check_fields(fields, values, require_all_keys=all_keys, path=where))
        if errors:
            raise Rejected("; ".join(errors))

    async def _media(
        self, fields: dict[str, Field], by_locale: dict[str, Any], path: str
    ) -> dict[str, dict[str, Any]]:
        return {
            loc: await self.media.rewrite_fields(fields, values, f"{path}.{loc}")
            for loc, values in by_locale.items()
        }

    def _blank(self, fields: dict[str, Field]) -> dict[str, Any]:
        return {name: f.empty_value() for name, f in fields.items()}

    def _duplicate(self, what: str) -> None:
        if self.duplicate_slugs == "fail":
            raise Rejected(f"duplicate slug: {what} already exists")

    # ------------------------------------------------------------------ pages

    async def _create_page(self, job: Job) -> None:
        body = job.body
        page_type = body.get("page_type", body.get("page-type"))
        pt = self.model.page_types.get(page_type) if isinstance(page_type, str) else None
        if pt is None:
            known = sorted(self.model.page_types)
            raise Rejected(f"unknown page type {page_type!r} (known: {known})")
        if "fields" not in body:
            raise Rejected("fields: required")
        self._check_locale_given(pt.fields, body["fields"], job.locale)
        by_locale = self._by_locale(pt.fields, body["fields"], job.locale)
        self._check(pt.fields, by_locale, all_keys=True, path="fields")
        slug = body["slug"]
        existing = self.store.pages.get(pt.name, {}).get(slug)
        if existing is not None:
            self._duplicate(f"a {pt.name} page with slug {slug!r}")
        values = await self._media(pt.fields, by_locale, "fields")
        now = now_iso()
        status = body.get("status", "draft")
        published = now if status == "published" else None
        old_statuses: dict[str, str | None] = {}
        if existing is not None:  # overwrite: the page keeps its id, everything else is new
            old_status = existing.status
            old_statuses = {loc: existing.statuses.get(loc) for loc in values}
            existing.name, existing.status, existing.fields = body["title"], status, values
            existing.updated = now
            existing.published = existing.published or published
            existing.statuses = {}
            page = existing
        else:
            old_status = None
            page = Page(
                self.store.new_id(),
                pt.name,
                slug,
                body["title"],
                status,
                values,
                now,
                now,
                published,
            )
            self.store.pages.setdefault(pt.name, {})[slug] = page
        self.store.counters["applied"] += 1
        if self.realism.status_per_locale:
            self._set_locale_status(page, status, list(values), now)
            self._emit_locale_events(page, {loc: old_statuses.get(loc) for loc in values})
        else:
            self.webhooks.emit(status_event("page", old_status, status), page_data(page))

    async def _update_page(self, job: Job) -> None:
        page_type, slug = job.target
        page = self.store.find_page(page_type, slug)
        if page is None:
            raise Rejected(f"page not found: {page_type}/{slug}")
        if page.page_type not in self.model.page_types:  # a seeded single page
            raise Rejected(f"{slug} is a single page: the content model has no fields for it")
        fields = self.model.page_types[page.page_type].fields
        values: dict[str, dict[str, Any]] = {}
        if "fields" in job.body:
            by_locale = self._by_locale(fields, job.body["fields"], job.locale)
            self._check(fields, by_locale, all_keys=False, path="fields")
            values = await self._media(fields, by_locale, "fields")
        for loc, vals in values.items():
            # A locale never written before starts blank, as it does in Butter's editor.
            page.fields.setdefault(loc, self._blank(fields)).update(vals)
        old_status = page.status
        page.updated = now_iso()
        self.store.counters["applied"] += 1
        if self.realism.status_per_locale:
            # The status goes to the locale versions written, or to ?locale= (default: the
            # default locale) when only the status is sent.
            locales = list(values) or [job.locale or self.model.default_locale]
            before = {loc: page.statuses.get(loc) for loc in locales}
            if "status" in job.body:
                self._set_locale_status(page, job.body["status"], locales, page.updated)
            self._emit_locale_events(page, before)
            return
        page.status = job.body.get("status", page.status)
        if page.status == "published" and page.published is None:
            page.published = page.updated
        self.webhooks.emit(status_event("page", old_status, page.status), page_data(page))

    def _check_locale_given(
        self, fields: dict[str, Field], values: Any, locale: str | None
    ) -> None:
        """Realism.require_locale: in an account with locales a single-locale create
        "must specify the locale via this query param" (butter-api.md, Locales)."""
        if (
            self.realism.require_locale
            and len(self.model.locales) > 1
            and locale is None
            and not _is_multi_locale(values, fields, self.model)
        ):
            raise Rejected(
                f"this account has locales {list(self.model.locales)}: a single-locale page "
                "create must specify the locale via the ?locale= query parameter"
            )

    def _set_locale_status(self, page: Page, status: str, locales: list[str], now: str) -> None:
        """Realism.status_per_locale: each locale version is published independently;
        ``status`` and ``published`` mirror the default locale's version."""
        for loc in locales:
            page.statuses[loc] = status
            if status == "published" and page.published_in.get(loc) is None:
                page.published_in[loc] = now
            page.published_in.setdefault(loc, None)
        default = self.model.default_locale
        page.status = page.statuses.get(default, "draft")
        page.published = page.published_in.get(default)

    def _emit_locale_events(self, page: Page, before: dict[str, str | None]) -> None:
        for loc, old in before.items():
            status = page.statuses.get(loc, "draft")
            data = page_data(page, status=status, locale=loc)
            data["published"] = page.published_in.get(loc)
            self.webhooks.emit(status_event("page", old, status), data)

    # ------------------------------------------------------------------ collections

    async def _create_items(self, job: Job) -> None:
        key = job.body["key"]
        coll = self.model.collections.get(key) if isinstance(key, str) else None
        if coll is None:
            raise Rejected(f"unknown collection {key!r} (known: {sorted(self.model.collections)})")
        elements = job.body.get("fields")
        if not isinstance(elements, list) or not elements:
            raise Rejected("fields: expected a list with one object per item")
        checked = []
        for i, element in enumerate(elements):
            by_locale = self._by_locale(coll.fields, element, job.locale)
            self._check(coll.fields, by_locale, all_keys=True, path=f"fields[{i}]")
            checked.append(by_locale)
        # All elements are checked before any is stored, so a bad one does not half-apply.
        values = [await self._media(coll.fields, b, f"fields[{i}]") for i, b in enumerate(checked)]
        # Butter: "Collection items default to draft when no status is sent"; the kind
        # emulator publishes them.
        default = "draft" if self.realism.items_draft_by_default else "published"
        status = job.body.get("status", default)
        for vals in values:
            now = now_iso()
            item = CollectionItem(self.store.new_id(), key, status, vals, now, now, None)
            item.published = now if status == "published" else None
            self.store.collections.setdefault(key, {})[item.id] = item
            self.store.counters["applied"] += 1
            self.webhooks.emit(status_event("collectionitem", None, status), item_data(item))

    async def _update_item(self, job: Job) -> None:
        key, item_id = job.target
        item = self.store.collections.get(key, {}).get(int(item_id))
        if item is None:
            raise Rejected(f"collection item not found: {key}/{item_id}")
        fields = self.model.collections[key].fields
        if "fields" in job.body:
            by_locale = self._by_locale(fields, job.body["fields"], job.locale)
            self._check(fields, by_locale, all_keys=False, path="fields")
            values = await self._media(fields, by_locale, "fields")
            for loc, vals in values.items():
                if job.action == "replace":
                    item.fields[loc] = {**self._blank(fields), **vals}
                else:
                    item.fields.setdefault(loc, self._blank(fields)).update(vals)
        old_status = item.status
        item.status = job.body.get("status", item.status)
        item.updated = now_iso()
        if item.status == "published" and item.published is None:
            item.published = item.updated
        self.store.counters["applied"] += 1
        self.webhooks.emit(status_event("collectionitem", old_status, item.status), item_data(item))

    # ------------------------------------------------------------------ posts

    def _author(self, given: Any) -> dict[str, str]:
        if not given:
            # No author: Butter uses the organisation owner, here the first author listed.
            owner = self.model.authors[0] if self.model.authors else None
            if owner is None:
                return {"first_name": "Account", "last_name": "Owner", "email": "", "slug": "owner"}
            given = {"slug": owner.slug}
        if not isinstance(given, dict):
            raise Rejected(f"author: expected {{'email': ...}} or {{'slug': ...}}, got {given!r}")
        a = self.model.author(email=given.get("email"), slug=given.get("slug"))
        if a is None:
            raise Rejected(f"unknown author {given!r}: authors must exist in the account")
        return {
            "first_name": a.first_name,
            "last_name": a.last_name,
            "email": a.email,
            "slug": a.slug,
        }

    def _names(self, body: dict[str, Any], key: str) -> list[str]:
        names = body.get(key, [])
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            raise Rejected(f"{key}: expected a list of names, got {names!r}")
        return names

    def _check_post(self, body: dict[str, Any]) -> None:
        for key in (*POST_TEXT_KEYS, "featured_image"):
            if key in body and not isinstance(body[key], str | None):
                raise Rejected(f"{key}: expected a string, got {type(body[key]).__name__}")

    async def _post_values(self, body: dict[str, Any], post: Post) -> None:
        """Copy the post keys present in ``body`` onto ``post``, downloading its media."""
        self._check_post(body)
        if "author" in body or not post.author:
            post.author = self._author(body.get("author"))
        for key in ("categories", "tags"):
            if key in body:
                names = self._names(body, key)
                known = self.store.categories if key == "categories" else self.store.tags
                for name in names:  # Butter creates unknown categories and tags
                    # Keyed by name: two names may share a slug (e.g. 是 and 事 are "shi").
                    known.setdefault(name, name)
                setattr(post, key, names)
        for key in POST_TEXT_KEYS:
            if body.get(key) is not None:
                setattr(post, key, body[key])
        if body.get("featured_image"):
            post.featured_image = await self.media.fetch(body["featured_image"], "featured_image")
        elif "featured_image" in body:
            post.featured_image = ""
        if body.get("upload_images_to_media_library") and post.body:
            post.body = await self.media.rewrite_html(post.body, "body")

    def _honour_date(self, body: dict[str, Any], post: Post) -> None:
        """Realism.post_dates "honour": the date sent is the post's (checked at the door);
        otherwise Butter's own stays: the time the write was applied."""
        if self.realism.post_dates == "honour" and isinstance(body.get("published"), str):
            post.published = utc_timestamp(body["published"])

    def _new_post_slug(self, slug: str, body: dict[str, Any]) -> str:
        """The slug after a PATCH: Realism.post_slug_renames lets ``slug`` move the post
        (butter-api.md: "Post slugs can change"); otherwise a slug cannot change."""
        new = body.get("slug", slug)
        if not self.realism.post_slug_renames or new == slug:
            return slug
        if not isinstance(new, str) or not new.strip():
            raise Rejected(f"slug: expected a non-empty string, got {new!r}")
        if new in self.store.posts:
            self._duplicate(f"a post with slug {new!r}")
        return new

    async def _create_post(self, job: Job) -> None:
        slug = job.body["slug"]
        existing = self.store.posts.get(slug)
        if existing is not None:
            self._duplicate(f"a post with slug {slug!r}")
        status = job.body.get("status", "draft")
        post = Post(self.store.new_id(), slug, status, job.body["title"], {}, [], [])
        await self._post_values(job.body, post)
        now = now_iso()
        post.created = existing.created if existing else now
        post.id = existing.id if existing else post.id
        post.updated = now
        post.published = now if status == "published" else None
        self._honour_date(job.body, post)
        self.store.posts[slug] = post
        self.store.counters["applied"] += 1
        old = existing.status if existing else None
        self.webhooks.emit(status_event("post", old, status), post_data(post))

    async def _update_post(self, job: Job) -> None:
        (slug,) = job.target
        post = self.store.posts.get(slug)
        if post is None:
            raise Rejected(f"post not found: {slug}")
        old_status = post.status
        new_slug = self._new_post_slug(slug, job.body)
        body = {k: v for k, v in job.body.items() if k != "slug"}
        # Work on a copy: a media download failing half way must leave the post untouched.
        post = replace(post, slug=new_slug, categories=list(post.categories), tags=list(post.tags))
        await self._post_values(body, post)
        if new_slug == slug:
            self.store.posts[slug] = post
        else:  # moved: the post keeps its place in the listing under its new slug
            self.store.posts.pop(new_slug, None)
            self.store.posts = {
                (new_slug if k == slug else k): (post if k == slug else v)
                for k, v in self.store.posts.items()
            }
        post.status = body.get("status", post.status)
        post.updated = now_iso()
        if post.status == "published" and post.published is None:
            post.published = post.updated
        self._honour_date(body, post)
        self.store.counters["applied"] += 1
        self.webhooks.emit(status_event("post", old_status, post.status), post_data(post))
