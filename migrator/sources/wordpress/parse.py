"""Parsing a WXR file: lxml's streaming ``iterparse`` in recover mode, with entity
expansion, DTD loading and network access off, over the file's bytes as they are
(``raw``: the first pass tries that, and a file the parser complains about is read again
with its bytes repaired on the way in, ``recover.py``). Only the watched elements reach
Python; each is ``release``d once read, so memory holds one item, not the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from migrator.errors import SourceError
from migrator.sources.files import Part
from migrator.sources.wordpress.items import classify
from migrator.sources.wordpress.recover import NeedsRepair, PlainReader, RepairingReader

# Only these elements reach Python; the rest stay in lxml's C code.
_WATCHED = [
    "{*}item",
    "{*}author",
    "{*}wp_author",  # old WordPress.com exports' name for <wp:author>
    "{*}category",
    "{*}tag",
    "{*}term",
    "{*}wxr_version",
    "{*}base_site_url",
    "{*}base_blog_url",
    "{*}title",
    "{*}link",
    "{*}language",
    "{*}channel",
    "{*}rss",
]


def parse(
    part: Part,
    *,
    repair_cdata: bool,
    errors: list[tuple[int, str]],
    repairs: dict[str, int],
    raw: bool = False,
) -> Iterator[Any]:
    """Yield watched elements of one file at their end; the caller reads then
    ``release``s them.

    Parser errors are appended to ``errors`` as they appear (line, message). With
    ``raw``, the bytes are not repaired, and the first parser error (anything the repair
    pass would have changed is one) raises ``NeedsRepair`` instead.
    """
    with part.open() as fh:
        reader: PlainReader | RepairingReader
        if raw:
            reader = PlainReader(fh, Path(part.name), part.name)
        else:
            reader = RepairingReader(fh, Path(part.name), repair_cdata=repair_cdata)
        events = etree.iterparse(
            reader,
            events=("end",),
            tag=_WATCHED,
            recover=True,
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            # Not on the raw path: a value over lxml's 10 MB is an error there, which
            # sends the file to the repair pass and its MAX_VALUE check.
            huge_tree=not raw,
            # Kept: qTranslate's <!--:fr-->...<!--:--> outside CDATA are comments, and
            # items.text() puts them back into the text (it skips any other comment).
            remove_comments=False,
            remove_pis=True,
        )
        seen = logged = 0
        try:
            for _, el in events:
                seen += 1
                log = events.error_log
                if len(log) > logged:
                    if raw:
                        raise NeedsRepair(part.name)
                    errors.extend((e.line, e.message.strip()) for e in list(log)[logged:])
                    logged = len(log)
                yield el
        except etree.XMLSyntaxError as exc:
            if raw:
                raise NeedsRepair(part.name) from None
            if seen == 0:
                raise SourceError(f"not an XML file: {exc.msg}", file=part.name) from None
            errors.append((exc.lineno or 0, f"parsing stopped: {exc.msg}"))
        log = events.error_log
        if raw:
            if len(log):
                raise NeedsRepair(part.name)
            return
        errors.extend((e.line, e.message.strip()) for e in list(log)[logged:])
        assert isinstance(reader, RepairingReader)
        for kind, n in reader.fixes.items():
            repairs[kind] = repairs.get(kind, 0) + n


def release(el: Any) -> None:
    """Free a processed element and everything before it in its parent."""
    el.clear(keep_tail=False)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def in_item(el: Any) -> bool:
    """Whether ``el`` is inside an ``<item>``."""
    parent = el.getparent()
    while parent is not None:
        if classify(parent.tag) == ("", "item"):
            return True
        parent = parent.getparent()
    return False


def parent_local(el: Any) -> str | None:
    """The local name of ``el``'s parent."""
    parent = el.getparent()
    return classify(parent.tag)[1] if parent is not None else None
