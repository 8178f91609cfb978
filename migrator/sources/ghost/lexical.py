"""Ghost's Lexical documents (Ghost 5+) → HTML, as Ghost renders them into a post's ``html``.

A document is ``{"root": {"children": [...]}}``. Element nodes: paragraph, heading
(``tag``), quote, aside, list (``listType`` bullet/number/check, ``start``) of listitems
(a listitem holding a list nests it), link (``url``, ``rel``). Inline nodes: text
(``format`` bits: 1 bold, 2 italic, 4 strikethrough, 8 underline, 16 code, 32 subscript,
64 superscript, 128 highlight), linebreak. Everything else Ghost draws is a card node
(``cards.py``; horizontalrule and codeblock are the hr and code cards).

A run of text is rendered as Ghost does it: the format tags a text shares with the next one
stay open across both (``<strong>a <em>b</em></strong>``), and a link closes them all.
An unknown node keeps its children (with a warning), or is left out with one. A structure
that is not Lexical's raises ``MalformedDocument``.
"""

from __future__ import annotations

from typing import Any

from migrator.sources.ghost.cards import (
    CARDS,
    GhostRender,
    MalformedDocument,
    card_html,
    safe_url,
    tag,
    text,
)

_FORMATS = (
    (1, "strong"),
    (2, "em"),
    (4, "s"),
    (8, "u"),
    (16, "code"),
    (32, "sub"),
    (64, "sup"),
    (128, "mark"),
)
_TAGS = dict(_FORMATS)
_CARD_NAMES = {"horizontalrule": "hr", "codeblock": "code"}
_TEXT = frozenset({"text", "extended-text"})
_INLINE = _TEXT | {"linebreak", "link"}
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Elements Ghost renders as their children alone: placeholders and wrappers.
_TRANSPARENT = frozenset({"root", "tk", "at-link", "at-link-search"})


def ghost_lexical_html(document: Any, rendering: GhostRender | None = None) -> str:
    """Render a parsed Lexical document; raises ``MalformedDocument``."""
    if not isinstance(document, dict) or not isinstance(document.get("root"), dict):
        raise MalformedDocument('not a Lexical document: no "root" object')
    return _Lexical(rendering or GhostRender(ghost_version=5)).document(document["root"])


def _children(node: dict[str, Any], where: str) -> list[dict[str, Any]]:
    children = node.get("children")
    if children is None:
        return []
    if not isinstance(children, list) or not all(isinstance(c, dict) for c in children):
        raise MalformedDocument(f"{where}: children is not a list of objects")
    return children


def _text_content(node: dict[str, Any]) -> str:
    if node.get("type") in _TEXT:
        return str(node.get("text") or "")
    children = node.get("children")
    return "".join(_text_content(c) for c in children if isinstance(c, dict)) if children else ""


def _format(node: dict[str, Any]) -> list[int]:
    bits = node.get("format")
    bits = bits if isinstance(bits, int) else 0
    return [bit for bit, _ in _FORMATS if bits & bit]


class _Lexical:
    def __init__(self, r: GhostRender) -> None:
        self.r = r

    def document(self, root: dict[str, Any]) -> str:
        children = _children(root, "root")
        if children and children[-1].get("type") == "paragraph":
            if not _text_content(children[-1]).strip():
                children = children[:-1]  # Ghost's editor keeps an empty paragraph at the end
        return "".join(self.node(c, f"root.children[{i}]") for i, c in enumerate(children))

    def children(self, node: dict[str, Any], where: str) -> str:
        """Element children as blocks, runs of inline children through ``run``."""
        out: list[str] = []
        run: list[dict[str, Any]] = []
        for i, child in enumerate(_children(node, where)):
            if child.get("type") in _INLINE:
                run.append(child)
                continue
            if run:
                out.append(self.run(run, where))
                run = []
            out.append(self.node(child, f"{where}.children[{i}]"))
        if run:
            out.append(self.run(run, where))
        return "".join(out)

    def node(self, node: dict[str, Any], where: str) -> str:
        kind = node.get("type")
        if kind in _INLINE:
            return self.run([node], where)
        if kind == "paragraph":
            return f"<p>{self.children(node, where)}</p>"
        if kind in ("heading", "extended-heading"):
            level = node.get("tag") if node.get("tag") in _HEADINGS else "h2"
            anchor = self.r.heading_id(_text_content(node))
            opening = tag(str(level), ("id", anchor or None))
            return f"{opening}{self.children(node, where)}</{level}>"
        if kind in ("quote", "extended-quote"):
            return f"<blockquote>{self.children(node, where)}</blockquote>"
        if kind == "aside":
            inner = self.children(node, where)
            return f'<blockquote class="kg-blockquote-alt">{inner}</blockquote>'
        if kind == "list":
            return self.list_html(node, where)
        if kind == "listitem":  # outside a list: keep it one
            return f"<li>{self.children(node, where)}</li>"
        if kind in _TRANSPARENT:
            return self.children(node, where)
        if isinstance(kind, str) and (kind in CARDS or kind in _CARD_NAMES):
            return card_html(_CARD_NAMES.get(kind, kind), node, self.r, what="lexical card")
        if node.get("children"):
            self.r.warn(f"lexical node {kind!r} is not supported; kept its content")
            return self.children(node, where)
        self.r.warn(f"lexical node {kind!r} is not supported; left out")
        return ""

    def list_html(self, node: dict[str, Any], where: str) -> str:
        name = "ol" if node.get("listType") == "number" or node.get("tag") == "ol" else "ul"
        out: list[str] = []
        item_open = False  # an item stays open for a nested list that follows it
        for i, item in enumerate(_children(node, where)):
            if item.get("type") != "listitem":
                continue
            inner = f"{where}.children[{i}]"
            kids = _children(item, inner)
            if kids and kids[0].get("type") == "list":
                out.append(self.list_html(kids[0], f"{inner}.children[0]"))
                if item_open:
                    out.append("</li>")
                    item_open = False
                continue
            if item_open:
                out.append("</li>")
            out.append(f"<li>{self.children(item, inner)}")
            item_open = True
        if item_open:
            out.append("</li>")
        start = node.get("start")
        counted = name == "ol" and isinstance(start, int) and start != 1
        return f"{tag(name, ('start', start if counted else None))}{''.join(out)}</{name}>"

    def run(self, nodes: list[dict[str, Any]], where: str) -> str:
        """Text, line breaks and links: format tags open as late and close as early as
        the texts allow, longest-lived outermost."""
        out: list[str] = []
        opened: list[int] = []  # format bits, outermost first

        def close_until(keep: list[int]) -> None:
            while any(bit not in keep for bit in opened):
                out.append(f"</{_TAGS[opened.pop()]}>")

        for i, node in enumerate(nodes):
            kind = node.get("type")
            if kind == "linebreak":
                out.append("<br>")
                continue
            if kind == "link":
                close_until([])
                href = safe_url(node.get("url"))
                inner = self.children(node, f"{where} link")
                link = tag("a", ("href", href), ("rel", node.get("rel") or None))
                out.append(f"{link}{inner}</a>" if href else inner)
                continue
            wanted = _format(node)
            later = self.later_texts(nodes[i + 1 :])
            new = [bit for bit in wanted if bit not in opened]
            continuing = sorted(
                (b for b in new if any(b in f for f in later)),
                key=lambda b: next(n for n, f in enumerate(later) if b in f),
            )
            ending = [b for b in reversed(new) if b not in continuing]
            for bit in continuing + ending:
                out.append(f"<{_TAGS[bit]}>")
                opened.append(bit)
            out.append(text(node.get("text") or ""))
            close_until(later[0] if later else [])
        close_until([])
        return "".join(out)

    @staticmethod
    def later_texts(nodes: list[dict[str, Any]]) -> list[list[int]]:
        """The formats of the texts ahead, up to the next link (which closes them all)."""
        formats = []
        for node in nodes:
            if node.get("type") == "link":
                break
            if node.get("type") in _TEXT:
                formats.append(_format(node))
        return formats
