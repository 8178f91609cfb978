"""What the structured rich text renderers share: Contentful Rich Text
(``contentful/richtext.py``) and Sanity Portable Text (``sanity/portable_text.py``) → HTML.
(Ghost's Lexical and Mobiledoc have their own, in ``ghost/``.)

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
    # Of the warnings, those about something the HTML lost or could not link (an asset or
    # entry not in the export): the source makes them warnings naming record and field.
    lost: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def lose(self, message: str) -> None:
        self.warn(message)
        if message not in self.lost:
            self.lost.append(message)

    def img(self, asset_id: str) -> str:
        found = self.asset(asset_id)
        if found is None:
            self.lose(f"embedded asset {asset_id!r} is not in the export; left out")
            return ""
        url, alt = found
        return f'<img src="{esc(url)}" alt="{esc(alt)}">'

    def entry_block(self, entry_id: str, inline: bool) -> str:
        found = self.entry(entry_id)
        tag = "span" if inline else "div"
        if found is None:
            self.lose(f"embedded entry {entry_id!r} is not in the export")
            return f'<{tag} data-entry="{esc(entry_id)}"></{tag}>'
        href, label = found
        if href:
            return f'<a href="{esc(href)}" data-entry="{esc(entry_id)}">{esc(label)}</a>'
        return f'<{tag} data-entry="{esc(entry_id)}">{esc(label)}</{tag}>'


def link(href: Any, inner: str) -> str:
    """``inner`` in an ``<a>`` when ``href`` is a safe URL, else ``inner`` alone."""
    url = safe_href(href)
    return f'<a href="{esc(url)}">{inner}</a>' if url else inner
