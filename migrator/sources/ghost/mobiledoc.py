"""Mobiledoc 0.3 (Ghost 1.x–4.x) → HTML, as Ghost renders it into a post's ``html``.

A document is ``{version, markups, atoms, cards, sections}``. Sections: 1 markup section
``[1, tag, markers]`` (p, h1–h6, blockquote; ``aside`` is Ghost's alternative quote and
``pull-quote`` a quote), 2 image ``[2, src]``, 3 list ``[3, "ul"|"ol", [markers, ...]]``,
10 card ``[10, index into cards]``. A marker ``[type, opened, closed, value]`` opens the
markups at the indexes ``opened``, holds text (type 0) or an atom (type 1, an index into
``atoms``), then closes its last ``closed`` open markups; a markup may stay open across
markers. Headings get Ghost's ids; cards are ``cards.py``'s.

A structure that is not Mobiledoc's raises ``MalformedDocument`` naming where; what is
well formed but unknown (a card, an atom, a markup tag) is left out with a warning.
"""

from __future__ import annotations

import re
from typing import Any

from migrator.sources.ghost.cards import (
    GhostRender,
    MalformedDocument,
    card_html,
    tag,
    text,
)

_SECTION_TAGS = {
    "p": "<p>",
    "h1": "<h1>",
    "h2": "<h2>",
    "h3": "<h3>",
    "h4": "<h4>",
    "h5": "<h5>",
    "h6": "<h6>",
    "blockquote": "<blockquote>",
    "aside": '<blockquote class="kg-blockquote-alt">',
    "pull-quote": "<blockquote>",
}
_MARKUP_TAGS = frozenset({"a", "b", "code", "em", "i", "s", "strong", "sub", "sup", "u"})
_ATOMS = {"soft-return": "<br>"}
_ATTR_NAME = re.compile(r"^[A-Za-z][A-Za-z-]*$")


def ghost_version(document: dict[str, Any]) -> int:
    """The Ghost whose output to match: ``ghostVersion`` (3.0 on), else 2."""
    version = str(document.get("ghostVersion") or "")
    major = version.split(".", 1)[0]
    return int(major) if major.isdigit() else 2


def mobiledoc_html(document: Any, rendering: GhostRender | None = None) -> str:
    """Render a parsed Mobiledoc document; raises ``MalformedDocument``."""
    if not isinstance(document, dict):
        raise MalformedDocument("not a JSON object")
    version = document.get("version")
    if version is not None and not str(version).startswith("0.3"):
        raise MalformedDocument(f"version {version!r} is not Mobiledoc 0.3")
    r = rendering or GhostRender(ghost_version=ghost_version(document))
    return _Document(document, r).html()


class _Document:
    def __init__(self, document: dict[str, Any], r: GhostRender) -> None:
        self.markups = _list(document, "markups")
        self.atoms = _list(document, "atoms")
        self.cards = _list(document, "cards")
        self.sections = _list(document, "sections")
        self.r = r

    def html(self) -> str:
        sections = list(self.sections)
        if sections and _is_blank_paragraph(sections[-1]):
            sections.pop()  # Ghost's editor keeps an empty paragraph at the end
        return "".join(self.section(s, i) for i, s in enumerate(sections))

    def section(self, section: Any, i: int) -> str:
        where = f"section {i}"
        if not isinstance(section, list) or not section:
            raise MalformedDocument(f"{where} is not a list")
        kind = section[0]
        if kind == 1 and len(section) >= 3:
            return self.markup_section(section[1], section[2], where)
        if kind == 2 and len(section) >= 2:
            src = section[1] if isinstance(section[1], str) else None
            return tag("img", ("src", src)) if src else ""
        if kind == 3 and len(section) >= 3:
            return self.list_section(section[1], section[2], where)
        if kind == 10 and len(section) >= 2:
            return self.card(section[1], where)
        if kind in (1, 2, 3, 10):
            raise MalformedDocument(f"{where} is too short")
        self.r.warn(f"mobiledoc section type {kind!r} is not supported; left out")
        return ""

    def markup_section(self, tag_name: Any, markers: Any, where: str) -> str:
        name = str(tag_name).lower()
        opening = _SECTION_TAGS.get(name)
        if opening is None:
            self.r.warn(f"mobiledoc section tag {tag_name!r} is not supported; made a paragraph")
            name, opening = "p", "<p>"
        inner, words = self.markers(markers, where)
        if name.startswith("h"):
            anchor = self.r.heading_id(words)
            opening = tag(name, ("id", anchor or None))
        closing = "</blockquote>" if opening.startswith("<blockquote") else f"</{name}>"
        return f"{opening}{inner}{closing}"

    def list_section(self, tag_name: Any, items: Any, where: str) -> str:
        name = "ol" if str(tag_name).lower() == "ol" else "ul"
        if not isinstance(items, list):
            raise MalformedDocument(f"{where}: the list items are not a list")
        lis = "".join(
            f"<li>{self.markers(item, f'{where} item {n}')[0]}</li>" for n, item in enumerate(items)
        )
        return f"<{name}>{lis}</{name}>"

    def card(self, index: Any, where: str) -> str:
        card = _at(self.cards, index, f"{where}: card")
        if not isinstance(card, list) or not card or not isinstance(card[0], str):
            raise MalformedDocument(f"{where}: card {index} is not [name, payload]")
        return card_html(card[0], card[1] if len(card) > 1 else {}, self.r, what="mobiledoc card")

    def markers(self, markers: Any, where: str) -> tuple[str, str]:
        """The markers as HTML, and their plain text (for a heading's id)."""
        if not isinstance(markers, list):
            raise MalformedDocument(f"{where}: the markers are not a list")
        out: list[str] = []
        words: list[str] = []
        open_tags: list[str | None] = []  # None: an unsupported markup, left out
        for n, marker in enumerate(markers):
            if not isinstance(marker, list) or len(marker) != 4:
                raise MalformedDocument(f"{where} marker {n} is not [type, open, close, value]")
            kind, opened, closed, value = marker
            if not isinstance(opened, list) or not isinstance(closed, int) or closed < 0:
                raise MalformedDocument(f"{where} marker {n}: bad open/close counts")
            for index in opened:
                opening, name = self.markup(index, f"{where} marker {n}")
                out.append(opening)
                open_tags.append(name)
            if kind == 0:
                out.append(text(value))
                words.append(str(value))
            elif kind == 1:
                out.append(self.atom(value, f"{where} marker {n}"))
            else:
                raise MalformedDocument(f"{where} marker {n}: type {kind!r} is not 0 or 1")
            if closed > len(open_tags):
                raise MalformedDocument(f"{where} marker {n} closes more markups than are open")
            for _ in range(closed):
                name = open_tags.pop()
                out.append(f"</{name}>" if name else "")
        out.extend(f"</{name}>" for name in reversed(open_tags) if name)
        return "".join(out), "".join(words)

    def markup(self, index: Any, where: str) -> tuple[str, str | None]:
        markup = _at(self.markups, index, f"{where}: markup")
        if not isinstance(markup, list) or not markup or not isinstance(markup[0], str):
            raise MalformedDocument(f"{where}: markup {index} is not [tag, attributes]")
        name = markup[0].lower()
        if name not in _MARKUP_TAGS:
            self.r.warn(f"mobiledoc markup {markup[0]!r} is not supported; kept its text")
            return "", None
        pairs = markup[1] if len(markup) > 1 and isinstance(markup[1], list) else []
        attrs = [
            (str(k), v)
            for k, v in zip(pairs[::2], pairs[1::2], strict=False)
            if isinstance(k, str) and _ATTR_NAME.match(k) and not k.lower().startswith("on")
        ]
        return tag(name, *attrs), name

    def atom(self, index: Any, where: str) -> str:
        atom = _at(self.atoms, index, f"{where}: atom")
        if not isinstance(atom, list) or not atom or not isinstance(atom[0], str):
            raise MalformedDocument(f"{where}: atom {index} is not [name, text, payload]")
        if atom[0] in _ATOMS:
            return _ATOMS[atom[0]]
        self.r.warn(f"mobiledoc atom {atom[0]!r} is not supported; kept its text")
        return text(atom[1]) if len(atom) > 1 and atom[1] else ""


def _list(document: dict[str, Any], key: str) -> list[Any]:
    value = document.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedDocument(f"{key} is not a list")
    return value


def _at(items: list[Any], index: Any, what: str) -> Any:
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(items):
        raise MalformedDocument(f"{what} {index!r} does not exist")
    return items[index]


def _is_blank_paragraph(section: Any) -> bool:
    if not (isinstance(section, list) and len(section) >= 3 and section[0] == 1):
        return False
    if str(section[1]).lower() != "p" or not isinstance(section[2], list):
        return False
    # Ghost drops it when it holds no text at all (a soft return alone included)
    return all(
        isinstance(m, list) and len(m) == 4 and (m[0] == 1 or (m[0] == 0 and m[3] == ""))
        for m in section[2]
    )
