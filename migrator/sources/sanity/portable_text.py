"""Sanity Portable Text (a list of blocks) → HTML.

Escaping, safe links and warnings are ``rendering.Rendering``'s (see
``migrator.sources.rendering``); unknown block types and inline objects are left out, with
a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from migrator.sources.rendering import Rendering, esc, link

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
                text = link(defs[mark].get("href"), text)
            elif mark in defs:
                r.warn(f"annotation {defs[mark].get('_type')!r} is not supported; kept the text")
        out.append(text)
    return "".join(out)
