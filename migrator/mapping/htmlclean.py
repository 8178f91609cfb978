"""A small allow-list HTML cleaner (stdlib only), for the ``html_clean`` transform.

Keeps structure and text, drops what Butter's WYSIWYG would not keep or what is
unsafe: scripts, styles, event handlers, ``javascript:`` URLs, unknown tags (their
text stays). Unclosed tags are closed, stray end tags dropped, so the result nests.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from html.parser import HTMLParser

ALLOWED_TAGS = frozenset(
    "a abbr b blockquote br caption code del em figcaption figure h1 h2 h3 h4 h5 h6 hr i img "
    "ins li ol p pre s small span strong sub sup table tbody td tfoot th thead tr u ul".split()
)
ALLOWED_ATTRS = {
    "a": {"href", "title", "target", "rel"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
    # Only when a mapping keeps iframes (embedded videos): html_clean(keep = ["iframe"]).
    "iframe": {"src", "width", "height", "title", "allow", "allowfullscreen", "frameborder"},
}
DROP_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "object", "embed", "noscript", "template"}
)
VOID = frozenset({"br", "hr", "img"})
# A new one of these closes an open one right before it (<li>a<li>b → <li>a</li><li>b).
SIBLINGS = frozenset({"li", "p", "td", "th", "tr"})
URL_ATTRS = frozenset({"href", "src"})
_UNSAFE_URL = re.compile(r"^\s*(javascript|vbscript|data):", re.I)


class _Cleaner(HTMLParser):
    def __init__(self, allowed: frozenset[str], drop: frozenset[str]):
        super().__init__(convert_charrefs=False)
        self.allowed = allowed
        self.drop = drop
        self.out: list[str] = []
        self.open: list[str] = []
        self.dropping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.dropping:
            if tag == self.dropping[-1]:
                self.dropping.append(tag)
            return
        if tag in self.drop:
            if tag not in VOID:
                self.dropping.append(tag)
            return
        if tag not in self.allowed:
            return
        kept = []
        for name, value in attrs:
            if name not in ALLOWED_ATTRS.get(tag, ()):
                continue
            if name in URL_ATTRS and value and _UNSAFE_URL.match(value):
                continue
            kept.append(f' {name}="{html.escape(value or "", quote=True)}"')
        if tag in SIBLINGS and self.open and self.open[-1] == tag:
            self.out.append(f"</{self.open.pop()}>")
        self.out.append(f"<{tag}{''.join(kept)}>")
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.dropping:
            if tag == self.dropping[-1]:
                self.dropping.pop()
            return
        if tag not in self.open:
            return
        while self.open:
            last = self.open.pop()
            self.out.append(f"</{last}>")
            if last == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(html.escape(data, quote=False))

    def handle_entityref(self, name: str) -> None:
        if not self.dropping:
            self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        if not self.dropping:
            self.out.append(f"&#{name};")

    def result(self) -> str:
        self.close()
        self.out.extend(f"</{t}>" for t in reversed(self.open))
        return "".join(self.out).strip()


def clean_html(text: str, *, keep: Iterable[str] = (), drop: Iterable[str] = ()) -> str:
    kept = {t.lower() for t in keep}
    # A tag the mapping keeps is kept even if it is dropped by default (an iframe embed).
    drop_set = (DROP_WITH_CONTENT - kept) | {t.lower() for t in drop}
    allowed = (ALLOWED_TAGS | kept) - drop_set
    cleaner = _Cleaner(frozenset(allowed), frozenset(drop_set))
    cleaner.feed(text)
    return cleaner.result()


class _Text(HTMLParser):
    BLOCK = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROP_WITH_CONTENT:
            self.skip += 1
        elif tag in self.BLOCK:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in DROP_WITH_CONTENT and self.skip:
            self.skip -= 1
        elif tag in self.BLOCK:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(text: str) -> str:
    parser = _Text()
    parser.feed(text)
    parser.close()
    return re.sub(r"\s+", " ", "".join(parser.parts)).strip()
