"""Structured rich text → HTML: Contentful Rich Text and Sanity Portable Text (Ghost's are
in lexical.py and mobiledoc.py).

Every piece of text and every attribute is escaped here, so a ``<script>`` typed into an
editor arrives as text, never as markup. Links keep only http(s), mailto, tel, relative
and fragment URLs (a ``javascript:`` href is dropped, its text kept). Embedded objects
the HTML cannot hold become what the caller's resolver says: an ``<img>`` for an asset,
a link or a ``<div data-entry="id">`` placeholder for an entry (references are resolved
by a later stage). Unknown node types keep their text and are reported in ``warnings``.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SAFE_SCHEMES = ("http://", "https://", "mailto:", "tel:", "/", "#", "./", "../")


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def safe_href(url: Any) -> str | None:
    if not isinstance(url, str):
        return None
    url = url.strip()
    if url.startswith("//"):
        return "https:" + url
    if url.lower().startswith(SAFE_SCHEMES) or ":" not in url.split("/", 1)[0]:
        return url
    return None


@dataclass
class Rendering:
    """What a renderer needs from its source, and what it noticed."""

    # asset id → (url, alt text) or None when the asset is not in the export
    asset: Callable[[str], tuple[str, str] | None] = lambda _id: None
    # entry id → (href or None, label) or None when the entry is not in the export
    entry: Callable[[str], tuple[str | None, str] | None] = lambda _id: None
    warnings: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def img(self, asset_id: str) -> str:
        found = self.asset(asset_id)
        if found is None:
            self.warn(f"embedded asset {asset_id!r} is not in the export; left out")
            return ""
        url, alt = found
        return f'<img src="{esc(url)}" alt="{esc(alt)}">'

    def entry_block(self, entry_id: str, inline: bool) -> str:
        found = self.entry(entry_id)
        tag = "span" if inline else "div"
        if found is None:
            self.warn(f"embedded entry {entry_id!r} is not in the export")
            return f'<{tag} data-entry="{esc(entry_id)}"></{tag}>'
        href, label = found
        if href:
            return f'<a href="{esc(href)}" data-entry="{esc(entry_id)}">{esc(label)}</a>'
        return f'<{tag} data-entry="{esc(entry_id)}">{esc(label)}</{tag}>'


def _link(href: Any, inner: str) -> str:
    url = safe_href(href)
    return f'<a href="{esc(url)}">{inner}</a>' if url else inner


# --- Contentful Rich Text ----------------------------------------------------------------

_CF_BLOCKS = {
    "paragraph": "p",
    "heading-1": "h1",
    "heading-2": "h2",
    "heading-3": "h3",
    "heading-4": "h4",
    "heading-5": "h5",
    "heading-6": "h6",
    "unordered-list": "ul",
    "ordered-list": "ol",
    "list-item": "li",
    "blockquote": "blockquote",
    "table": "table",
    "table-row": "tr",
    "table-cell": "td",
    "table-header-cell": "th",
}
_CF_MARKS = {
    "bold": "strong",
    "italic": "em",
    "underline": "u",
    "code": "code",
    "superscript": "sup",
    "subscript": "sub",
    "strikethrough": "s",
}


def is_contentful_document(value: Any) -> bool:
    return isinstance(value, dict) and value.get("nodeType") == "document"


def contentful_html(document: dict[str, Any], rendering: Rendering | None = None) -> str:
    """Render a Contentful Rich Text document (``nodeType: document``) as HTML."""
    r = rendering or Rendering()
    return _cf_children(document, r)


def _cf_children(node: dict[str, Any], r: Rendering) -> str:
    content = node.get("content")
    return "".join(_cf_node(c, r) for c in content if isinstance(c, dict)) if content else ""


def _target_id(node: dict[str, Any]) -> str:
    target = (node.get("data") or {}).get("target") or {}
    sys = target.get("sys") or {} if isinstance(target, dict) else {}
    return str(sys.get("id") or sys.get("urn") or "")


def _cf_node(node: dict[str, Any], r: Rendering) -> str:
    kind = node.get("nodeType")
    if kind == "text":
        out = esc(node.get("value", "")).replace("\n", "<br>")
        for mark in node.get("marks") or ():
            tag = _CF_MARKS.get(str(mark.get("type"))) if isinstance(mark, dict) else None
            if tag:
                out = f"<{tag}>{out}</{tag}>"
        return out
    if kind in _CF_BLOCKS:
        tag = _CF_BLOCKS[kind]
        return f"<{tag}>{_cf_children(node, r)}</{tag}>"
    if kind == "hr":
        return "<hr>"
    if kind == "hyperlink":
        return _link((node.get("data") or {}).get("uri"), _cf_children(node, r))
    if kind == "asset-hyperlink":
        found = r.asset(_target_id(node))
        inner = _cf_children(node, r)
        return _link(found[0], inner) if found else inner
    if kind == "entry-hyperlink":
        entry = r.entry(_target_id(node))
        inner = _cf_children(node, r)
        return _link(entry[0], inner) if entry and entry[0] else inner
    if kind == "embedded-asset-block":
        return r.img(_target_id(node))
    if kind in ("embedded-entry-block", "embedded-entry-inline"):
        return r.entry_block(_target_id(node), inline=kind.endswith("inline"))
    if kind == "document":
        return _cf_children(node, r)
    r.warn(f"rich text node {kind!r} is not supported; kept its text")
    return _cf_children(node, r)


# --- Sanity Portable Text ----------------------------------------------------------------

_PT_STYLES = {
    "normal": "p",
    "h1": "h1",
    "h2": "h2",
    "h3": "h3",
    "h4": "h4",
    "h5": "h5",
    "h6": "h6",
    "blockquote": "blockquote",
}
_PT_MARKS = {
    "strong": "strong",
    "em": "em",
    "code": "code",
    "underline": "u",
    "strike-through": "s",
}


def is_portable_text(value: Any) -> bool:
    """A list holding at least one Portable Text block (``_type: block`` with children)."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) and "_type" in v for v in value)
        and any(v.get("_type") == "block" and "children" in v for v in value)
    )


def portable_text_html(
    blocks: list[dict[str, Any]],
    rendering: Rendering | None = None,
    image_url: Callable[[dict[str, Any]], str | None] | None = None,
) -> str:
    """Render Portable Text blocks as HTML; list items are grouped into ``<ul>``/``<ol>``
    nested by ``level``; an ``image`` block becomes an ``<img>`` via ``image_url``."""
    r = rendering or Rendering()
    out: list[str] = []
    open_lists: list[str] = []  # tags of the lists open now, outermost first
    for block in blocks:
        item = block.get("listItem") if block.get("_type") == "block" else None
        if item:
            level = max(int(block.get("level") or 1), 1)
            tag = "ol" if item == "number" else "ul"
            while len(open_lists) > level or (len(open_lists) == level and open_lists[-1] != tag):
                out.append(f"</li></{open_lists.pop()}>")
            if len(open_lists) == level:
                out.append("</li>")
            while len(open_lists) < level:
                open_lists.append(tag)
                out.append(f"<{tag}>")
            out.append("<li>" + _pt_spans(block, r))
            continue
        while open_lists:
            out.append(f"</li></{open_lists.pop()}>")
        out.append(_pt_block(block, r, image_url))
    while open_lists:
        out.append(f"</li></{open_lists.pop()}>")
    return "".join(out)


def _pt_block(
    block: dict[str, Any],
    r: Rendering,
    image_url: Callable[[dict[str, Any]], str | None] | None,
) -> str:
    kind = block.get("_type")
    if kind == "block":
        style = block.get("style") or "normal"
        tag = _PT_STYLES.get(style)
        if tag is None:
            r.warn(f"portable text style {style!r} is not supported; rendered as a paragraph")
            tag = "p"
        return f"<{tag}>{_pt_spans(block, r)}</{tag}>"
    if kind == "image":
        url = image_url(block) if image_url else None
        if not url:
            r.warn("an image block has no resolvable asset; left out")
            return ""
        return f'<img src="{esc(url)}" alt="{esc(block.get("alt") or "")}">'
    r.warn(f"portable text block type {kind!r} is not supported; left out")
    return ""


def _pt_spans(block: dict[str, Any], r: Rendering) -> str:
    defs = {d.get("_key"): d for d in block.get("markDefs") or () if isinstance(d, dict)}
    out = []
    for child in block.get("children") or ():
        if not isinstance(child, dict):
            continue
        if child.get("_type") != "span":
            r.warn(f"inline object {child.get('_type')!r} is not supported; left out")
            continue
        text = esc(child.get("text", "")).replace("\n", "<br>")
        for mark in child.get("marks") or ():
            if mark in _PT_MARKS:
                tag = _PT_MARKS[mark]
                text = f"<{tag}>{text}</{tag}>"
            elif mark in defs and defs[mark].get("_type") == "link":
                text = _link(defs[mark].get("href"), text)
            elif mark in defs:
                r.warn(f"annotation {defs[mark].get('_type')!r} is not supported; kept the text")
        out.append(text)
    return "".join(out)
