"""The first pass over a WXR export: what the second needs to join items, learnt
without keeping any item's contents: the channel's site facts, authors and terms, every
attachment (on disk), translation group sizes, and which post ids repeat. An export in
several files (a folder, a zip) has one index over them all: a post in one file finds its
featured image in another, an author is known once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from migrator.sources.files import Part
from migrator.sources.wordpress.ids import IdSet, Keys
from migrator.sources.wordpress.items import (
    Author,
    ItemParts,
    classify,
    item_parts,
    meta_pairs,
    read_author,
    read_term,
    text,
    wp_children,
)
from migrator.sources.wordpress.media import AttachmentIndex
from migrator.sources.wordpress.parse import in_item, parent_local, parse, release
from migrator.sources.wordpress.recover import NeedsRepair
from migrator.sources.wordpress.translations import translation

if TYPE_CHECKING:
    from migrator.sources.wordpress.source import WxrSource

# Told of each <item> element of the first pass, with what one walk over its children
# found (the first pass learns from that too) and the index as learnt so far.
OnItem = Callable[[Any, ItemParts, "Index"], None]

SITE_KEYS = ("title", "link", "language")


@dataclass
class Index:
    """What the first pass learns: small maps, never item contents."""

    site: dict[str, Any] = field(default_factory=dict)
    authors: dict[str, Author] = field(default_factory=dict)
    terms: list[dict[str, Any]] = field(default_factory=list)
    # (taxonomy, slug or name) -> the term's description, for the items' term lists
    descriptions: dict[tuple[str, str], str] = field(default_factory=dict)
    attachments: AttachmentIndex = field(default_factory=AttachmentIndex)  # on disk
    groups: dict[str, int] = field(default_factory=dict)  # translation group -> members
    duplicates: set[str] = field(default_factory=set)  # post ids on more than one item
    # Items without a post id are known by their guid: the guids two or more of them
    # carry (-> 2), which give way to their links. The others are kept on disk.
    guids: dict[str, int] = field(default_factory=dict)
    root: str | None = None  # of the file being scanned
    saw_wp: bool = False  # in the file being scanned
    not_wxr: list[tuple[str, str | None]] = field(default_factory=list)  # (file, root)
    errors: list[tuple[int, str]] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)  # the files the parser found errors in
    raw: set[str] = field(default_factory=set)  # the files it read as they are, no repair
    repairs: dict[str, int] = field(default_factory=dict)


def scan(
    source: WxrSource,
    *,
    repair_cdata: bool = False,
    on_item: OnItem | None = None,
    on_restart: Callable[[], None] | None = None,
) -> Index:
    """The first pass: channel facts, attachments, translation groups. Each file is
    tried as it is (``Index.raw``); one the parser complains about is read again,
    repaired on the way in, and the pass starts over (it may have learnt from it):
    ``on_restart()`` is told, since ``on_item(el, parts, index)``, which sees each
    ``<item>`` element before it is freed (its ``item_parts``, the index as learnt so
    far), then sees them again."""
    repaired: set[str] = set()
    while True:
        try:
            return _scan(source, repair_cdata, repaired, on_item)
        except NeedsRepair as exc:
            repaired.add(exc.part)
            if on_restart is not None:
                on_restart()


def _scan(
    source: WxrSource, repair_cdata: bool, repaired: set[str], on_item: OnItem | None
) -> Index:
    index = Index()
    ids, guids = IdSet(), Keys()
    try:
        for part in source.parts():
            errors = len(index.errors)
            index.root, index.saw_wp = None, False
            raw = not repair_cdata and part.name not in repaired
            _scan_file(source, part, index, (ids, guids), repair_cdata, raw, on_item)
            if raw:
                index.raw.add(part.name)
            if len(index.errors) > errors:
                index.broken.add(part.name)
            if index.root is None or (index.root != "rss" and not index.saw_wp):
                index.not_wxr.append((part.name, index.root))
    except BaseException:
        index.attachments.close()
        raise
    finally:
        ids.close()
        guids.close()
    return index


def _scan_file(
    source: WxrSource,
    part: Part,
    index: Index,
    ids: tuple[IdSet, Keys],
    repair: bool,
    raw: bool,
    on_item: OnItem | None,
) -> None:
    for el in parse(part, repair_cdata=repair, errors=index.errors, repairs=index.repairs, raw=raw):
        if index.root is None:
            index.root = classify(el.getroottree().getroot().tag)[1]
        kind, local = classify(el.tag)
        if kind == "wp":
            index.saw_wp = True
        if kind == "" and local == "item":
            if on_item is None:
                _scan_item(source, el, index, ids, None)
            else:  # one walk over the children serves both
                parts = item_parts(el)
                _scan_item(source, el, index, ids, parts)
                on_item(el, parts, index)
            release(el)
        elif in_item(el):
            continue
        elif kind == "wp" and local in ("author", "wp_author"):
            author = read_author(el)
            if author is not None:
                index.authors.setdefault(author.login, author)
            release(el)
        elif kind == "wp" and local in ("category", "tag", "term"):
            term = read_term(local, el)
            if term is not None:
                index.terms.append(term)
                if term["description"]:
                    index.descriptions[(term["taxonomy"], term["slug"])] = term["description"]
                    index.descriptions[(term["taxonomy"], term["name"])] = term["description"]
            release(el)
        elif kind == "wp" and local in ("wxr_version", "base_site_url", "base_blog_url"):
            index.site.setdefault(local, text(el).strip())
        elif kind == "" and local in SITE_KEYS and parent_local(el) == "channel":
            index.site.setdefault(local, text(el).strip())


def _scan_item(
    source: WxrSource, el: Any, index: Index, ids: tuple[IdSet, Keys], parts: ItemParts | None
) -> None:
    """What the first pass learns of an item: from its ``parts`` when they were read
    anyway, else from the few children it needs."""
    f = parts.wp if parts is not None else wp_children(el, _SCANNED)
    post_id = f.get("post_id", "")
    index.saw_wp = index.saw_wp or bool(post_id)
    post_ids, guids = ids
    if post_id and source.wants(f.get("post_type") or "post") and post_ids.add(post_id):
        index.duplicates.add(post_id)
    if not post_id and source.wants(f.get("post_type") or "post"):
        guid = _plain(el, parts, "guid")
        if guid and guids.first_seen(guid) is not None:
            index.guids[guid] = 2
    if f.get("post_type") == "attachment" and post_id:
        parent = f.get("post_parent") or None
        if parts is not None:
            meta = dict(parts.meta)
            excerpt, description = parts.excerpt, parts.content
        else:
            meta = dict(meta_pairs(el, "postmeta"))
            excerpt = description = ""
            for child in el:
                if classify(child.tag) == ("excerpt", "encoded"):
                    excerpt = text(child)
                elif classify(child.tag) == ("content", "encoded"):
                    description = text(child)  # WordPress's "Description" of a media item
        index.attachments.add(
            post_id,
            url=f.get("attachment_url") or _plain(el, parts, "guid"),
            alt=meta.get("_wp_attachment_image_alt", "").strip(),
            title=_plain(el, parts, "title"),
            caption=excerpt.strip(),
            description=description.strip(),
            parent=parent if parent and parent != "0" else None,
        )
    if source.group_translations and source.wants(f.get("post_type") or "post"):
        group, _, _ = translation(el)
        if group:
            index.groups[group] = index.groups.get(group, 0) + 1


# The wp: fields of an item the first pass reads (not its meta, not its comments).
_SCANNED = frozenset({"post_id", "post_type", "post_parent", "attachment_url"})


def _plain(el: Any, parts: ItemParts | None, name: str) -> str:
    """The trimmed text of an item's first un-namespaced ``name`` child."""
    if parts is not None:
        return parts.plain.get(name, "").strip()
    for child in el:
        if classify(child.tag) == ("", name):
            return text(child).strip()
    return ""
