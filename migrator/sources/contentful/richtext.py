"""Contentful Rich Text (a ``nodeType: document`` tree) → HTML.

Escaping, safe links and embedded assets and entries are ``rendering.Rendering``'s (see
``migrator.sources.rendering``); unknown node types keep their text, with a warning.
"""

from __future__ import annotations

from typing import Any

from migrator.sources.rendering import Rendering, esc, link

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
        return link((node.get("data") or {}).get("uri"), _cf_children(node, r))
    if kind == "asset-hyperlink":
        found = r.asset(_target_id(node))
        inner = _cf_children(node, r)
        if found is None:
            r.lose(f"link to asset {_target_id(node)!r}, not in the export: kept its text")
        return link(found[0], inner) if found else inner
    if kind == "entry-hyperlink":
        entry = r.entry(_target_id(node))
        inner = _cf_children(node, r)
        if entry is None:
            r.lose(f"link to entry {_target_id(node)!r}, not in the export: kept its text")
        return link(entry[0], inner) if entry and entry[0] else inner
    if kind == "embedded-asset-block":
        return r.img(_target_id(node))
    if kind in ("embedded-entry-block", "embedded-entry-inline"):
        return r.entry_block(_target_id(node), inline=kind.endswith("inline"))
    if kind == "document":
        return _cf_children(node, r)
    r.warn(f"rich text node {kind!r} is not supported; kept its text")
    return _cf_children(node, r)
