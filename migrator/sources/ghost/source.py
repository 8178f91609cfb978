"""Ghost exports: the Admin export (``{"db": [{meta, data}]}`` or flat ``{meta, data}``)
and Content API responses (``{"posts": [...]}`` / ``{"pages": [...]}``).

**Records.** One per post and page. Identity ``id``; kind ``post`` or ``page`` (``type``,
or the older ``page: true``). ``data`` is the post as exported plus, joined:

    body          html where present; else the Lexical document (Ghost 5+), else the
                  Mobiledoc (Ghost 1.x–4.x) rendered as Ghost renders its html
                  (``lexical.py``, ``mobiledoc.py``, cards in ``cards.py``)
    tags          [{name, slug, visibility}] in Ghost's order (internal #tags included)
    tag_names     public tag names only (no #internal tags)
    primary_tag   the first public tag, or null
    authors       [{name, slug, email}] in Ghost's order
    primary_author the first author, or null
    meta_title, meta_description, og_*, twitter_*, feature_image_alt/caption
                  from posts_meta (Ghost 4+) when the post itself has none

Ghost users rarely exist in Butter: map ``primary_author.email`` through a lookup table
with a ``"*"`` default (see mappings/ghost_posts.toml).

**Streaming, two passes.** Pass 1 streams the file once and keeps tags, users, the
posts_tags / posts_authors join rows and posts_meta: memory grows with those (small
rows), not with post bodies. Pass 2 streams posts one at a time. Content API responses
embed tags and authors, so they need no first pass.

**Bad input.** A post without ``id`` or with an id seen before (the message names the
first one's position) is a ``RecordError`` located by index (``file@db[0].data.posts[4]``);
a join row naming a missing tag or user is a warning on the post. A document that breaks
part-way yields the posts before the break, then a ``RecordError`` at the byte position.
A lexical or mobiledoc that is not valid JSON or not of its format leaves the body empty
with a warning naming the post (the other one is rendered if the post has both); a card
or node that cannot be rendered is left out with a warning naming it.

**Options.** ``site_url``: the old site's address, put where Ghost wrote ``__GHOST_URL__``
(default: nothing, so those URLs become site-relative; Butter cannot fetch a relative
image: set it, or a mapping's ``rebase_url``, for media).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from migrator.errors import RecordError, SourceError
from migrator.records import Location, Record
from migrator.seen import SeenKeys
from migrator.sources.base import Source
from migrator.sources.ghost.cards import GhostRender, MalformedDocument
from migrator.sources.ghost.lexical import ghost_lexical_html
from migrator.sources.ghost.mobiledoc import ghost_version, mobiledoc_html
from migrator.sources.json.guard import TooBig
from migrator.sources.json.stream import (
    Collector,
    JsonBroken,
    cut_off,
    head_events,
    identity_text,
    json_file,
    loads,
    parse_events,
    scan,
    stream_items,
    summarize,
    top_keys,
)
from migrator.sources.options import Option

META_FIELDS = (
    "meta_title",
    "meta_description",
    "og_image",
    "og_title",
    "og_description",
    "twitter_image",
    "twitter_title",
    "twitter_description",
    "feature_image_alt",
    "feature_image_caption",
)


@dataclass
class _Index:
    tags: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    post_tags: dict[str, list[tuple[float, str]]] = field(default_factory=dict)
    post_authors: dict[str, list[tuple[float, str]]] = field(default_factory=dict)
    post_meta: dict[str, dict[str, Any]] = field(default_factory=dict)


class GhostSource(Source):
    """A Ghost export or Content API response; see the module docstring."""

    name = "ghost"

    # Ghost 4+ stores its own URL as __GHOST_URL__ in links and images.
    site_url = Option("", lambda url: url.rstrip("/"))
    _index: _Index | None = None  # pass 1 of the last read, for describe()

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        events = head_events(head)
        keys = top_keys(events)
        prefixes = {p for p, _, _ in events}
        if keys[:1] == ["db"]:
            return "db.item.data" in prefixes or "db.item.meta" in prefixes
        if "data" in keys or "meta" in keys:
            return "meta.exported_on" in prefixes or "data.posts" in prefixes
        return any(
            f"{kind}.item.{f}" in prefixes
            for kind in ("posts", "pages")
            for f in ("uuid", "html", "lexical", "mobiledoc")
        )

    def _layout(self) -> str:
        """The prefix the tables sit under: ``db.item.data.``, ``data.``, or ``""``."""
        with json_file(self.path) as reader:
            try:
                for prefix, event, value in parse_events(reader):
                    if prefix == "" and event == "map_key":
                        if value == "db":
                            return "db.item.data."
                        if value == "data":
                            return "data."
                        if value in ("posts", "pages"):
                            return ""
                    elif prefix == "" and event != "start_map":
                        break
            except JsonBroken:
                pass
        raise SourceError(
            'not a Ghost export: expected a "db" or "data" table, or a Content API '
            '"posts"/"pages" list at the top level',
            file=self.path,
        )

    # --- pass 1 --------------------------------------------------------------------------

    def build_index(self, base: str) -> _Index:
        index = _Index()

        def on_item(prefix: str, row: Any) -> None:
            if not isinstance(row, dict):
                return
            table = prefix[len(base) :].removesuffix(".item")
            if table == "tags" and row.get("id"):
                index.tags[str(row["id"])] = {
                    "name": row.get("name"),
                    "slug": row.get("slug"),
                    "visibility": row.get("visibility")
                    or ("internal" if str(row.get("name") or "").startswith("#") else "public"),
                }
            elif table == "users" and row.get("id"):
                index.users[str(row["id"])] = {k: row.get(k) for k in ("name", "slug", "email")}
            elif table in ("posts_tags", "posts_authors") and row.get("post_id"):
                other = str(row.get("tag_id" if table == "posts_tags" else "author_id"))
                joins = index.post_tags if table == "posts_tags" else index.post_authors
                order = row.get("sort_order")
                joins.setdefault(str(row["post_id"]), []).append(
                    (order if isinstance(order, int | float) else 0, other)
                )
            elif table == "posts_meta" and row.get("post_id"):
                index.post_meta[str(row["post_id"])] = {
                    k: row[k] for k in META_FIELDS if row.get(k) not in (None, "")
                }

        tables = ("tags", "users", "posts_tags", "posts_authors", "posts_meta")
        scan(self.path, Collector([f"{base}{t}.item" for t in tables], on_item))
        return index

    # --- pass 2 --------------------------------------------------------------------------

    def read(self) -> Iterator[Record | RecordError]:
        with SeenKeys() as seen:
            yield from self._posts(seen)

    def _posts(self, seen: SeenKeys) -> Iterator[Record | RecordError]:
        base = self._layout()
        index = self._index = self.build_index(base) if base else _Index()
        file = str(self.path)
        label = base.replace(".item.", "[0].").removesuffix(".")
        lists = ["posts"] if base else ["posts", "pages"]
        try:
            for name in lists:
                where = f"{label}.{name}" if label else name
                for i, raw in stream_items(self.path, f"{base}{name}.item"):
                    yield self._record(raw, f"{where}[{i}]", index, seen, embedded=not base)
        except JsonBroken as broken:
            yield cut_off(self.stats, file, broken, "posts")

    def _record(
        self, raw: Any, position: str, index: _Index, seen: SeenKeys, *, embedded: bool
    ) -> Record | RecordError:
        where = f"{self.path}@{position}"
        if not isinstance(raw, dict):
            return RecordError("a post must be a JSON object", file=where)
        identity = identity_text(raw.get("id"))
        if identity is None:
            return RecordError("the post has no id", file=where, field="id")
        first = seen.first_seen(identity, position)
        if first is not None:
            return RecordError(
                f"duplicate post id, first seen at {first}", file=where, identity=identity
            )
        warnings: list[str] = []
        data = dict(raw)
        kind = "page" if raw.get("type") == "page" or raw.get("page") in (True, 1) else "post"
        data["type"] = kind
        if embedded:
            tags = [_tag(t) for t in raw.get("tags") or () if isinstance(t, dict)]
            authors = [
                {k: a.get(k) for k in ("name", "slug", "email")}
                for a in raw.get("authors") or ()
                if isinstance(a, dict)
            ]
        else:
            tags = self._joined(identity, index.post_tags, index.tags, "tag", warnings)
            author_ids = index.post_authors.get(identity)
            if not author_ids and raw.get("author_id"):
                index.post_authors[identity] = [(0, str(raw["author_id"]))]
            authors = self._joined(identity, index.post_authors, index.users, "user", warnings)
            for k, v in index.post_meta.get(identity, {}).items():
                if data.get(k) in (None, ""):
                    data[k] = v
        public = [t for t in tags if t.get("visibility") != "internal"]
        data.update(
            tags=tags,
            tag_names=[t["name"] for t in public if t.get("name")],
            primary_tag=public[0] if public else None,
            authors=authors,
            primary_author=authors[0] if authors else None,
            body=_body(identity, raw, warnings),
        )
        data = _site_url(data, self.site_url)
        return Record(
            identity, kind, data, Location(str(self.path), position=position), tuple(warnings)
        )

    @staticmethod
    def _joined(
        post_id: str,
        joins: dict[str, list[tuple[float, str]]],
        table: dict[str, dict[str, Any]],
        what: str,
        warnings: list[str],
    ) -> list[dict[str, Any]]:
        out = []
        for _, other in sorted(joins.get(post_id, ()), key=lambda j: j[0]):
            if other in table:
                out.append(dict(table[other]))
            else:
                warnings.append(f"linked to {what} {other!r}, which is not in the export")
        return out

    # --- inspect -------------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        summary = summarize(self.name, self.records())
        index = self._index or _Index()
        summary.update(tags=len(index.tags), users=len(index.users))
        return summary


def _tag(t: dict[str, Any]) -> dict[str, Any]:
    name = t.get("name")
    visibility = t.get("visibility") or (
        "internal" if isinstance(name, str) and name.startswith("#") else "public"
    )
    return {"name": name, "slug": t.get("slug"), "visibility": visibility}


# A renderer's own checks raise MalformedDocument; the others are a safety net, so that one
# odd post is a warning, never the end of the run.
_UNRENDERABLE = (
    MalformedDocument,
    RecursionError,
    TypeError,
    ValueError,
    LookupError,
    AttributeError,
)


def _body(identity: str, raw: dict[str, Any], warnings: list[str]) -> str:
    """The post's html; else its lexical, else its mobiledoc, rendered."""
    html = raw.get("html")
    if isinstance(html, str) and html.strip():
        return html
    failed: list[str] = []
    for name in ("lexical", "mobiledoc"):
        source = raw.get(name)
        if source is None or (isinstance(source, str) and not source.strip()):
            continue
        try:
            document = loads(source) if isinstance(source, str) else source
        except orjson.JSONDecodeError as exc:
            failed.append(f"{name} is not valid JSON ({exc})")
            continue
        except TooBig as exc:
            failed.append(f"{name} is {exc.detail} (at its byte {exc.offset})")
            continue
        try:
            if name == "lexical":
                rendering = GhostRender(ghost_version=5)
                body = ghost_lexical_html(document, rendering)
            else:
                version = ghost_version(document) if isinstance(document, dict) else 2
                rendering = GhostRender(ghost_version=version)
                body = mobiledoc_html(document, rendering)
        except _UNRENDERABLE as exc:
            detail = exc if isinstance(exc, MalformedDocument) else f"{type(exc).__name__}: {exc}"
            failed.append(f"{name} is malformed ({detail})")
            continue
        if failed:
            warnings.append(f"post {identity}: {'; '.join(failed)}; rendered the {name} instead")
        warnings.extend(rendering.warnings)
        return body
    if failed:
        warnings.append(f"post {identity}: {'; '.join(failed)}; body left empty")
    return ""


GHOST_URL = "__GHOST_URL__"


def _site_url(value: Any, site_url: str) -> Any:
    """Every ``__GHOST_URL__`` (Ghost 4+'s placeholder for its own address, in bodies,
    images and canonical URLs) replaced: by ``site_url``, or by nothing, which leaves
    site-relative URLs (``/my-post/``) that link rewriting knows as the old site's."""
    if isinstance(value, str):
        return value.replace(GHOST_URL, site_url) if GHOST_URL in value else value
    if isinstance(value, dict):
        return {k: _site_url(v, site_url) for k, v in value.items()}
    if isinstance(value, list):
        return [_site_url(v, site_url) for v in value]
    return value
