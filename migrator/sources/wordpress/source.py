"""WordPress exports (WXR 1.0, 1.1, 1.2): one record per ``<item>``, streamed.

    source = open_source("wxr", "site.WordPress.2024-01-01.xml")
    for item in source.records():        # Record, or RecordError for an item it skipped
        ...

**Records.** ``identity`` is the item's ``wp:post_id`` (stable across exports of the same
site); an item without one (some generators leave it out) is identified by its ``guid``,
else its ``link`` (stable too: WordPress never changes a guid), and the summary says how
many were; ``kind`` is its post type (``post``, ``page``, ``attachment``, ``product``...);
``location`` is the file and the line of its ``<item>``. ``data`` keys (what a mapping's
``from = "..."`` names; missing values are ``""``, ``None`` or empty; free text keeps its
whitespace as exported, ids, slugs, names, URLs and dates are trimmed: see ``items.py``):

=====================  ===================================================================
post_id                the WordPress id (text)
title, link, guid      as exported; ``description`` and ``pub_date`` (RFC 822) too
content                ``content:encoded``: raw post HTML (use ``wpautop``/``shortcodes``)
excerpt                ``excerpt:encoded``
post_name              the slug as exported (may be empty)
slug                   ``post_name``, else made from the title (its first qTranslate
                       language), else ``post-<id>``
status                 publish, draft, pending, private, future, trash, inherit...
post_type              same as the record's kind
post_parent            parent's post id (pages, attachments) or None; ``menu_order`` int
date, date_gmt         ISO 8601 (local without offset; GMT with ``+00:00``); None if unset.
                       An item without ``wp:post_date`` (Squarespace writes none) takes
                       both from its ``<pubDate>``: the time as written, and in UTC
modified, modified_gmt the same for the last change (WXR 1.2)
author                 {login, email, display_name, first_name, last_name, id} from
                       ``wp:author`` (old WordPress.com exports: ``wp:wp_author``; WXR 1.0
                       has none: only ``login``); ``creator`` raw
categories, tags       [{name, slug, description}]; the description is the channel's
                       ``wp:category_description`` (``tag_``, ``term_``), else ``""``.
                       WXR 1.0 lists each term twice, with and without a slug: kept once
terms                  {taxonomy: [{name, slug, description}]}: every taxonomy, categories
                       and tags too
meta                   {key: value}: post meta, PHP-serialized values decoded (a key that
                       repeats maps to the list of its values)
comments               [{id, author, author_email, author_url, date, date_gmt, content,
                       approved, type, parent, user_id, meta}]
content_with_media     {content, media: {id: attachment}, attached: [id]}: what the
                       ``shortcodes`` transform needs to render ``[gallery]``, ``[playlist]``,
                       ``[audio]``/``[video]`` (the attachments they name; the item's own)
featured_image         {id, url, alt, title, caption, description} via ``_thumbnail_id``,
                       or None; without a caption (excerpt), the caption is the
                       attachment's description (its content), as Ghost's importer does
attachments            [{id, url, alt, title, caption, description}]: media attached to
                       this item (as exported, no fallback)
attachment_url, alt    attachments only: the file's URL and its alt text
images                 ``<img src>`` URLs in the content, for the link-rewriting step
links                  internal links in the content (relative, or to the site's hosts)
is_sticky              bool; ``password_protected`` bool (see ``publish_protected``);
                       ``comment_status``, ``ping_status``
language               the item's language (Polylang ``language`` term, WPML meta, or with
                       ``qtranslate_split`` its qTranslate language), or None
translation_group      its translation group (Polylang ``post_translations`` term, WPML
                       ``_wpml_import_translation_group``), or None
translations           only with ``group_translations``: {language: data of that item}
site                   {title, link, language, base_site_url, base_blog_url, wxr_version}
=====================  ===================================================================

**Several files.** The path may be a folder or a ``.zip`` (WordPress.com splits a large
site into several WXR files and zips them): its ``.xml`` files (``.wxr`` too) are one
export, read in name order with one index (``index.py``), so a featured image or an author
in another file is found, and a post id in two files is a duplicate. A location then names
the file in the folder or zip (``export.zip/posts-1.xml:31``); zips are streamed and
checked first (``sources.files.export_parts``, limits in ``sources/limits.py``).

**Two passes, one parse.** The first reads the channel's authors and terms, every
attachment's URL and alt text (a featured image may point at an attachment further down
the file; kept on disk by ``media.AttachmentIndex``), translation groups and which post
ids repeat; the second streams the items. An export in one file is parsed once: each
item is read as the first pass meets it and kept on disk (``migrator.spool``) for the
second; a file that names an author or a site fact after its first item, or that the
parser reported errors in, is parsed again instead (``_EarlyItems``). Memory is one
item plus small maps and a bit per post id (``ids.py``: ids that are no number, and
guids, go to disk), whatever the number of posts or attachments or the shape of their
ids (see ``bench/wxr_memory.py``).

**Options.** ``post_types``: the types to read (default: all but ``nav_menu_item`` and
``revision``; name them to get them). ``group_translations``: translations become one
record, the one in ``default_language`` (else the original, else the first) carrying
``translations`` {language: data}; a mapping's ``[locales.es.fields]`` then reads
``translations.es.title``. Items wait in memory until their group is complete.
``publish_protected``: a published item with a ``wp:post_password`` is read with status
``draft`` and a warning (Butter has no passwords: published, it would be public), unless
this is true.
``qtranslate_split``: an item whose title, excerpt or content carries qTranslate markup
(``[:fr]..[:en]..[:]``, ``<!--:fr-->..<!--:-->``) becomes one record per language, for
blog posts (Butter's have no locales): the ``default_language`` one (else the item's
first) keeps the identity and slug, the others are ``<identity>:<lang>`` with slug
``<slug>-<lang>``; each has its language's title, excerpt, content and term names,
``language`` and ``translation_group`` (the item's identity). A field missing in a
language gets the default's text, with a warning. Without it the markup stays in the
data (in every text field: the comment form, which outside CDATA is XML comments, is
put back), for the mapping's ``qtranslate`` transform, and the run notes it.

**Warnings** for the run's warnings file (``RecordWarning``): a password-protected item
made a draft, a ``_thumbnail_id`` naming an attachment the export does not hold, a
language missing in one field of a ``qtranslate_split`` item.

**Malformed files** are repaired on the way in (see ``recover.py``) and parsed in
lxml's recover mode (a file is first parsed as it is, which is twice as fast; the
parser's first complaint sends it through the repair pass instead, so what is read is
the same either way). An item the parser still had to guess at (say, cut off by the end
of the file) is yielded as a ``RecordError`` with its line; so is an item without a
post id (nor guid nor link) or with one seen before. Parser errors outside items (where
the parser may have lost items) go to ``stats.problems``, and so does a missing or unknown
WXR version in a file without items (WordPress refuses such a file); the run reports them
and exits 1. A file that is not XML, or XML that is not a WordPress export, is a
``SourceError``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slugify import slugify as python_slugify

from migrator.errors import RecordError, SourceError
from migrator.records import Location, Record, RecordWarning
from migrator.sources.base import Source, SourceStats
from migrator.sources.files import Part, export_parts
from migrator.sources.options import Option, boolean, must, optional, string_list
from migrator.sources.wordpress.ids import Keys
from migrator.sources.wordpress.index import SITE_KEYS, Index, scan
from migrator.sources.wordpress.items import (
    Author,
    ItemParts,
    classify,
    item_data,
    read_item,
    split_url,
)
from migrator.sources.wordpress.parse import in_item, parse, release
from migrator.sources.wordpress.qtranslate import (
    item_languages,
    qtranslate_first,
    qtranslate_note,
    split_item,
)
from migrator.sources.wordpress.recover import NeedsRepair
from migrator.sources.wordpress.translations import Groups, item_language
from migrator.spool import Spool

DEFAULT_SKIPPED = ("nav_menu_item", "revision")
KNOWN_VERSIONS = ("1.0", "1.1", "1.2")
_MAX_NOTES = 50
_PREMATURE = re.compile(r"Premature end of data|Opening and ending tag mismatch|EndTag")


@dataclass
class WxrStats(SourceStats):
    items: int = 0  # <item> elements seen
    skipped_types: dict[str, int] = field(default_factory=dict)
    repairs: dict[str, int] = field(default_factory=dict)
    well_formed: bool = True
    wxr_version: str | None = None
    by_guid: int = 0  # items without a wp:post_id, identified by their guid or link
    qtranslate: dict[str, int] = field(default_factory=dict)  # language -> items marked up
    qtranslate_split: tuple[int, int] = (0, 0)  # items split, records made of them
    pub_dated: int = 0  # items without a wp:post_date, dated by their <pubDate>

    def summary(self) -> list[str]:
        lines = [
            f"skipped {n:,} {post_type} item{'s' if n != 1 else ''}"
            for post_type, n in sorted(self.skipped_types.items(), key=lambda t: (-t[1], t[0]))
        ]
        if not self.well_formed:
            lines.append("not well-formed XML: read in recover mode (the notes say where)")
        if self.by_guid:
            lines.append(
                f"{self.by_guid:,} item{'s' if self.by_guid != 1 else ''} without <wp:post_id>:"
                " identified by <guid> (else <link>)"
            )
        items, records = self.qtranslate_split
        if items:
            lines.append(
                f"qTranslate: {items:,} item{'s' if items != 1 else ''} split into {records:,}"
                f" records, one per language ({', '.join(self.qtranslate)})"
            )
        if self.pub_dated:
            lines.append(
                f"{self.pub_dated:,} item{'s' if self.pub_dated != 1 else ''} without "
                "<wp:post_date>: dated by <pubDate>"
            )
        return [*lines, *super().summary()]


class WxrSource(Source):
    """Read a WordPress WXR export; see the module docstring for the data keys."""

    name = "wxr"
    stats_type = WxrStats
    stats: WxrStats

    post_types = Option(None, lambda value: _post_types(value))
    group_translations = Option(False, boolean)
    default_language = Option(
        None, optional(must(lambda v: isinstance(v, str), 'must be a language code, e.g. "en"'))
    )
    # Publish password-protected items as they are (Butter has no passwords: all can read).
    publish_protected = Option(False, boolean)
    # qTranslate: one record per language of an item's markup (blog posts have no locales).
    qtranslate_split = Option(False, boolean)
    every_type = False  # set by inspect: read menus and revisions too

    def wants(self, post_type: str) -> bool:
        if self.every_type:
            return True
        if self.post_types is not None:
            return post_type in self.post_types
        return post_type not in DEFAULT_SKIPPED

    # --- the mini-protocol of migrator inspect (see sources.base) ------------------------

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        return b"wordpress.org/export/" in head or (b"<rss" in head and b"<wp:" in head)

    def describe(self) -> dict[str, Any]:
        from migrator.sources.wordpress.describe import describe

        return describe(self)

    def scaffold(self, kind: str) -> str:
        from migrator.sources.wordpress.describe import scaffold

        return scaffold(self, kind)

    def scan(self, *, repair_cdata: bool = False) -> Index:
        """The first pass: channel facts, attachments, translation groups."""
        return scan(self, repair_cdata=repair_cdata)

    # --- reading ------------------------------------------------------------------------

    def parts(self) -> list[Part]:
        """The files of this export: the file, or a folder's or a zip's ``.xml`` files."""
        return export_parts(self.path, (".xml", ".wxr"))

    def read(self) -> Iterator[Record | RecordError]:
        """The items, in one pass over a file when it allows (``_EarlyItems``), else two
        (every file of a split export)."""
        early = _EarlyItems() if len(self.parts()) == 1 else None
        try:
            index = scan(
                self,
                on_item=early.add if early is not None else None,
                on_restart=early.restart if early is not None else None,
            )
            # Items without a post id, by guid or link: where they were first seen (on disk).
            seen_guids = Keys()
            try:
                if early is not None and early.usable(index):
                    for kind, n in index.repairs.items():  # a second pass finds them again
                        self.stats.repairs[kind] = self.stats.repairs.get(kind, 0) + n
                    yield from self._items(index, self.stats, seen_guids, early)
                else:
                    yield from self._items(index, self.stats, seen_guids)
            finally:
                index.attachments.close()
                seen_guids.close()
        finally:
            if early is not None:
                early.close()

    def _items(
        self, index: Index, stats: WxrStats, seen_guids: Keys, early: _EarlyItems | None = None
    ) -> Iterator[Record | RecordError]:
        if index.not_wxr:
            name, root = index.not_wxr[0]
            what = f"<{root}>" if root else "no elements"
            raise SourceError(
                f"not a WordPress export (WXR): the root element is {what}, not <rss> "
                "with wordpress.org/export elements",
                file=name,
            )
        stats.well_formed = not index.errors
        version = index.site.get("wxr_version")
        stats.wxr_version = version
        if version is None:
            version_note = f"{self.path}: no <wp:wxr_version>; read as WXR 1.2"
        elif version not in KNOWN_VERSIONS:
            version_note = f"{self.path}: unknown WXR version {version!r}; read as 1.2"
        else:
            version_note = None
        site = _site(index)
        site["wxr_version"] = version
        hosts = _hosts(site)
        # Where the ids the first pass found more than once were first seen (a small map).
        seen: dict[str, str] = dict.fromkeys(index.duplicates, "")
        groups = Groups(self.group_translations, self.default_language, index.groups)
        parts = self.parts()
        for part in parts:
            errors: list[tuple[int, str]] = []
            pending: _Pending | None = None
            at = f"{part.name}:" if len(parts) > 1 else "line "  # where an item was seen
            items = early.replay() if early is not None else self._parsed(
                part, index, hosts, errors, stats)  # fmt: skip
            for line, data in items:
                stats.items += 1
                if pending is not None:
                    yield from self._finish(
                        pending, errors, line, seen, seen_guids, groups, index.guids
                    )
                pending = _Pending(line, data, part.name, f"{at}{line}")
                self._enrich(data, index, site)
            if pending is not None:
                yield from self._finish(
                    pending, errors, None, seen, seen_guids, groups, index.guids
                )
            for line, message in errors[:_MAX_NOTES]:
                # The parser may have dropped the items around it: records may be lost.
                stats.problems.append(f"{part.name}:{line}: XML error outside any item: {message}")
            if len(errors) > _MAX_NOTES:
                stats.problems.append(
                    f"{part.name}: ... and {len(errors) - _MAX_NOTES} more XML errors"
                )
        yield from groups.flush()
        if version_note is not None:
            if stats.items:
                stats.notes.append(version_note)
            else:  # WordPress's importer refuses such a file: it is likely not an export
                stats.problems.append(f"{version_note}, and no <item> was found")
        if len(parts) > 1:
            stats.notes.append(f"{self.path}: read as one export of {len(parts)} files")
        for repair, n in stats.repairs.items():
            stats.notes.append(f"{self.path}: repaired on reading: {n} × {repair}")
        if stats.qtranslate and not self.qtranslate_split:
            stats.notes.append(qtranslate_note(self.path, stats.qtranslate))

    def _parsed(
        self,
        part: Part,
        index: Index,
        hosts: set[str],
        errors: list[tuple[int, str]],
        stats: WxrStats,
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """The second pass over one file: (line, data) of each item."""
        for el in _parse(part, index, errors, stats):
            kind, local = classify(el.tag)
            if kind != "" or local != "item":
                if not in_item(el) and local in _CHANNEL_LEVEL:
                    release(el)
                continue
            line = el.sourceline or 0
            data = read_item(el, index.authors, hosts)
            release(el)
            yield line, data

    def _enrich(self, data: dict[str, Any], index: Index, site: dict[str, Any]) -> None:
        post_id = data["post_id"]
        warnings = data["_warnings"]
        meta = data["meta"]
        # A marked-up title: its first language (only looked at without a post_name).
        data["slug"] = (
            data["post_name"]
            or _slug(qtranslate_first(data["title"]))
            or (f"post-{post_id}" if post_id else "")
        )
        data["site"] = site
        thumb = meta.get("_thumbnail_id")
        data["featured_image"] = None
        if isinstance(thumb, str | int) and str(thumb).strip() not in ("", "0"):
            attachment = index.attachments.get(str(thumb).strip())
            if attachment is None:
                warnings.append(
                    RecordWarning(
                        "featured image dropped, its attachment is not in the export: "
                        f"_thumbnail_id '{thumb}'",
                        field="featured_image",
                    )
                )
            else:
                # No caption: its description, as Ghost's importer does.
                attachment["caption"] = attachment["caption"] or attachment["description"]
                data["featured_image"] = attachment
        children = index.attachments.children(post_id) if post_id else []
        data["attachments"] = children
        for taxonomy, entries in data["terms"].items():
            for entry in entries:
                entry["description"] = index.descriptions.get(
                    (taxonomy, entry["slug"] or entry["name"]), ""
                )
        data["content_with_media"] = {
            "content": data["content"],
            **_shortcode_media(data["content"], post_id, children, index),
        }
        data["alt"] = meta.get("_wp_attachment_image_alt", "") if data["post_type"] == (
            "attachment") else ""  # fmt: skip
        language, group = item_language(data)
        data["language"] = language
        data["translation_group"] = group
        if (
            data["password_protected"]
            and data["status"] == "publish"
            and not (self.publish_protected)
        ):
            data["status"] = "draft"
            warnings.append(
                RecordWarning(
                    "password-protected, sent as a draft (publish_protected = true in "
                    "[source] publishes it): ButterCMS has no post passwords, published "
                    "it would be public",
                    field="status",
                )
            )

    def _fallback_identity(self, data: dict[str, Any], shared: dict[str, int]) -> str:
        """An item without a post id: its guid, else (no guid, or one another such item
        carries too: the theme unit test data has two) its link. Both stay the same from
        one export of the site to the next."""
        guid, link = data["guid"], data["link"]
        if guid and (shared.get(guid, 0) < 2 or not link):
            return str(guid)
        return str(link)

    def _finish(
        self,
        pending: _Pending,
        errors: list[tuple[int, str]],
        next_line: int | None,
        seen: dict[str, str],
        seen_guids: Keys,
        groups: Groups,
        shared_guids: dict[str, int],
    ) -> Iterator[Record | RecordError]:
        """Decide on an item once the parser is past it: its errors are all logged."""
        stats = self.stats
        line, data = pending.line, pending.data
        # Most files have no parser errors: no comprehension to run (each costs a frame).
        mine = (
            [(n, m) for n, m in errors if n >= line and (next_line is None or n < next_line)]
            if errors
            else []
        )
        if mine:
            errors[:] = [e for e in errors if e not in mine]
        post_type = data["post_type"]
        post_id = data["post_id"]
        if not self.wants(post_type):
            stats.skipped_types[post_type] = stats.skipped_types.get(post_type, 0) + 1
            return
        identity = post_id or self._fallback_identity(data, shared_guids)
        problem = None
        if mine and any(_PREMATURE.search(m) for _, m in mine):
            problem = "; ".join(f"line {n}: {m}" for n, m in mine)
            problem = f"the item is incomplete or its tags do not match ({problem})"
        elif not identity:
            problem = (
                "the item has no <wp:post_id> (in a wordpress.org/export namespace), "
                "no <guid> and no <link> to identify it by"
            )
        elif post_id and seen.get(post_id):
            problem = f"duplicate post id {post_id}, first seen at {seen[post_id]}"
        elif not post_id and (first := seen_guids.get(identity)) is not None:
            problem = (
                f"duplicate item {identity} (no post id; known by guid, else link), first "
                f"seen at {first}"
            )
        if problem is not None:
            yield RecordError(problem, file=pending.file, line=line, identity=identity or None)
            return
        if post_id in seen:
            seen[post_id] = pending.where
        if not post_id:
            seen_guids.put(identity, pending.where)
            stats.by_guid += 1
        warnings = data.pop("_warnings")
        stats.pub_dated += data.pop("_from_pub_date")
        if mine:
            warnings.extend(f"line {n}: XML error repaired by the parser: {m}" for n, m in mine)
        for language_identity, language_data, notes in self._languages(identity, data):
            record = Record(
                identity=language_identity,
                kind=post_type,
                data=language_data,
                location=Location(pending.file, line),
                warnings=(*warnings, *notes),
            )
            yield from groups.add(record)

    def _languages(
        self, identity: str, data: dict[str, Any]
    ) -> list[tuple[str, dict[str, Any], list[RecordWarning]]]:
        """The item's records: itself, or with ``qtranslate_split`` one per language."""
        languages = item_languages(data)
        for code in languages:
            self.stats.qtranslate[code] = self.stats.qtranslate.get(code, 0) + 1
        if not self.qtranslate_split or not languages:
            return [(identity, data, [])]
        out = split_item(identity, data, self.default_language, _slug)
        items, records = self.stats.qtranslate_split
        self.stats.qtranslate_split = (items + 1, records + len(out))
        return out


def _parse(
    part: Part, index: Index, errors: list[tuple[int, str]], stats: WxrStats
) -> Iterator[Any]:
    """The second pass over one file: as the first read it (as it is, or repaired)."""
    elements = parse(part, repair_cdata=part.name in index.broken, errors=errors,
                     repairs=stats.repairs, raw=part.name in index.raw)  # fmt: skip
    try:
        yield from elements
    except NeedsRepair:
        # The first pass read it without a parser error: it changed since.
        raise SourceError(
            "the file changed while it was being read: run again", file=part.name
        ) from None


class _EarlyItems:
    """One pass instead of two, for an export in one file: each item is read as the first
    pass meets it (``item_parts``) and kept on disk (``migrator.spool``) until the index is
    complete; its record data is made of those parts on replay.

    Making the data needs the authors and the site's hosts; WordPress writes them before
    the first item, and then what they are at the first item is what the second pass
    would use (the replay uses them). When the
    file says otherwise (an author or a site fact after the first item), or the parser
    reported errors (the second pass then reads with repairs), the early reading is
    dropped and the file is read again, as two passes always did."""

    def __init__(self) -> None:
        # (line, the item's parts): the record data is made of them on replay, with the
        # authors and hosts of item 1 (``usable``: the same as at the end), which keeps
        # fewer objects on disk than the data would be.
        self.spool: Spool[tuple[int, tuple[Any, ...]]] = Spool()
        self.seen: tuple[int, dict[str, Any]] | None = None  # authors and site at item 1
        self.authors: dict[str, Author] = {}
        self.hosts: set[str] = set()

    def add(self, el: Any, parts: ItemParts, index: Index) -> None:
        if self.seen is None:
            self.seen = (len(index.authors), dict(index.site))
            self.authors = index.authors
            self.hosts = _hosts(_site(index))
        self.spool.write((el.sourceline or 0, tuple(parts)))

    def restart(self) -> None:
        """The first pass starts over (a file it read as it is needs repairs); the hosts
        are learnt again with the first item."""
        self.spool.close()
        self.spool = Spool()
        self.seen = None

    def usable(self, index: Index) -> bool:
        learnt_late = self.seen is not None and self.seen != (
            len(index.authors), index.site)  # fmt: skip
        return not (index.errors or index.not_wxr or learnt_late)

    def replay(self) -> Iterator[tuple[int, dict[str, Any]]]:
        authors, hosts = self.authors, self.hosts
        for line, parts in self.spool.replay():
            yield line, item_data(ItemParts(*parts), authors, hosts)

    def close(self) -> None:
        self.spool.close()


def _site(index: Index) -> dict[str, Any]:
    return {k: index.site.get(k) for k in (*SITE_KEYS, "base_site_url", "base_blog_url")}


@dataclass
class _Pending:
    line: int
    data: dict[str, Any]
    file: str  # the file it is in (a split export's part: ``export.zip/posts-1.xml``)
    where: str  # for messages: "line 12", or "export.zip/posts-1.xml:12"


# Channel-level elements the second pass frees at once (the first read them).
_CHANNEL_LEVEL = ("author", "wp_author", "category", "tag", "term")


# --- helpers -----------------------------------------------------------------------------


_MEDIA_SHORTCODE = re.compile(r"\[(gallery|playlist|audio|video)\b([^\]]*)\]")
_IDS = re.compile(r"""\b(?:ids|include)\s*=\s*["']?([\d,\s]+)""")


def _shortcode_media(
    content: str, post_id: str, children: list[dict[str, Any]], index: Index
) -> dict[str, Any]:
    """``content_with_media``'s ``media`` and ``attached``: the attachments the content's
    ``[gallery]``/``[playlist]`` shortcodes name by id, and the item's own attachments
    (in the export's order), which WordPress shows when a gallery or playlist names none
    and plays when ``[audio]``/``[video]`` gives no file."""
    media: dict[str, Any] = {}
    attached: list[str] = []
    found = list(_MEDIA_SHORTCODE.finditer(content)) if "[" in content else []
    for m in found:
        named = _IDS.search(m.group(2)) if m.group(1) in ("gallery", "playlist") else None
        for i in (i.strip() for i in named.group(1).split(",")) if named else ():
            item = index.attachments.get(i) if i and i not in media else None
            if item is not None:
                media[i] = item
    if found and post_id:
        children = [dict(a) for a in children]  # not the same dicts as "attachments"
        media.update((a["id"], a) for a in children)
        attached = [a["id"] for a in children]
    return {"media": media, "attached": attached}


def _slug(title: str) -> str:
    """The slug WordPress would make of a title, near enough: other scripts are
    transliterated (WordPress would percent-encode them), 200 characters at most."""
    return python_slugify(title, max_length=200)


def _hosts(site: dict[str, Any]) -> set[str]:
    out = set()
    for key in ("link", "base_site_url", "base_blog_url"):
        host = split_url(site.get(key) or "").hostname
        if host:
            out.add(host.lower())
    return out


__all__ = ["WxrSource", "WxrStats"]


_post_type_list = string_list('must be a list of post types, e.g. ["post", "page"]')


def _post_types(value: Any) -> tuple[str, ...] | None:
    types = _post_type_list(value)
    return tuple(types) if types is not None else None
