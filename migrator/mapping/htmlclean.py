"""The ``html_clean`` transform's sanitiser: an allow-list on nh3 (Ammonia's bindings).

Keeps structure and text (and ``<audio>``/``<video>`` with their ``<source>``s and
``<track>``s, as the ``shortcodes`` transform renders them), drops what Butter's WYSIWYG
would not keep or what is unsafe:
scripts, styles, event handlers, unknown tags (their text stays), and every URL whose scheme
is not http, https, mailto or tel (relative URLs stay). The HTML is parsed as a browser
parses it (html5ever), so an entity-encoded or tab-split ``java&#x09;script:`` is seen as
the ``javascript:`` it is; unclosed tags are closed and stray end tags dropped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = frozenset(
    "a abbr audio b blockquote br caption code del em figcaption figure h1 h2 h3 h4 h5 h6 hr "
    "i img ins li ol p pre s small source span strong sub sup table tbody td tfoot th thead "
    "tr track u ul video".split()
)
ALLOWED_ATTRS = {
    "a": {"href", "title", "target", "rel"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
    # Played by the browser's own controls; every URL (src, poster) passes the scheme check.
    "audio": {"src", "controls", "loop", "autoplay", "muted", "preload"},
    "video": {
        "src",
        "poster",
        "width",
        "height",
        "controls",
        "loop",
        "autoplay",
        "muted",
        "preload",
        "playsinline",
    },
    "source": {"src", "type"},
    "track": {"src", "kind", "srclang", "label", "default"},
    # Only when a mapping keeps iframes (embedded videos): html_clean(keep = ["iframe"]).
    "iframe": {"src", "width", "height", "title", "allow", "allowfullscreen", "frameborder"},
}
DROP_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "object", "embed", "noscript", "template"}
)
# Tags a mapping may not keep: they run code, load plugins, restyle or re-base the page.
NEVER_KEPT = frozenset(
    "script style object embed applet base link meta svg math frame frameset noscript "
    "template".split()
)
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
# rel words that say something about a link (SEO, privacy); anything else is dropped.
LINK_REL = frozenset(
    "nofollow noopener noreferrer sponsored ugc external author license tag bookmark "
    "help prev next alternate me".split()
)


URL_ATTRS = frozenset({"href", "src", "poster"})
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]")  # what a browser drops from a URL


def _attribute(tag: str, name: str, value: str) -> str | None:
    """nh3's per-attribute filter, after its own URL check.

    ``rel`` keeps only known words (Ammonia adds none: ``link_rel=None``, so a link keeps
    the rel its author gave, e.g. ``nofollow``). A URL Ammonia let through as relative
    but whose first segment holds a colon (`` `javascript:x` ``) is dropped too: no
    legitimate relative link needs one, and a browser might read it as a scheme.
    """
    if tag == "a" and name == "rel":
        words = [w for w in value.lower().split() if w in LINK_REL]
        return " ".join(dict.fromkeys(words)) or None
    if name in URL_ATTRS and not is_safe_url(value):
        return None
    return value


def is_safe_url(url: str) -> bool:
    """An http(s), mailto, tel or relative URL, read as a browser reads it (entities
    decoded, tab/newline/control characters dropped): ``java&#x09;script:`` is not."""
    seen = _INVISIBLE.sub("", html.unescape(url))
    scheme, colon, _ = re.split(r"[/?#]", seen, maxsplit=1)[0].lower().partition(":")
    return not colon or scheme in URL_SCHEMES


# html5ever's tree building costs O(depth) per block tag, so a body nested very deep is
# quadratic (100,000 nested <div>s: 46 s; 20,000 <ul><li>s: 10 s). Real content nests tens
# deep (the real exports: 7 at most); a deeper body is refused (a record error naming the
# field), not cleaned. The depth is counted on the tags as a browser would close them.
MAX_DEPTH = 2000
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*>")
_VOID = frozenset(
    "area base br col embed hr img input keygen link meta param source track wbr".split()
)
# A new one of these closes the open ones right before it (<li>a<li>b, <td>a<tr><td>b).
_CLOSES = {
    "li": {"li", "p"},
    "dd": {"dd", "dt", "p"},
    "dt": {"dd", "dt", "p"},
    "p": {"p"},
    "td": {"td", "th"},
    "th": {"td", "th"},
    "tr": {"td", "th", "tr"},
    "option": {"option"},
}
# What a browser closes implicitly when an enclosing block ends (</ul> closes an open <li>).
_IMPLIED_END = frozenset("p li dd dt option optgroup rb rp rt rtc".split())
_BLOCK_ENDS = frozenset(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption "
    "figure footer header hgroup listing main menu nav ol pre section summary ul li dd dt p "
    "h1 h2 h3 h4 h5 h6 table tbody thead tfoot tr td th caption".split()
)


def _depth(text: str) -> int:
    """How deep the elements of ``text`` nest. Erring on the deep side: an end tag closes
    only what a browser surely closes with it, ``<div/>`` opens a div (as in a browser)."""
    stack: list[str] = []
    deepest = 0
    for m in _TAG.finditer(text):
        closing, name = m.group(1), m.group(2).lower()
        if name in _VOID:
            continue
        if closing:
            if name in _BLOCK_ENDS and name in stack:
                while stack[-1] != name and stack[-1] in _IMPLIED_END:
                    stack.pop()
            if stack and stack[-1] == name:
                stack.pop()
        else:
            while stack and stack[-1] in _CLOSES.get(name, ()):
                stack.pop()
            stack.append(name)
            deepest = max(deepest, len(stack))
    return deepest


def check_keep(keep: Iterable[str]) -> str | None:
    """The problem with a mapping's ``keep`` list, or None."""
    refused = sorted({t.lower() for t in keep} & NEVER_KEPT)
    if refused:
        return f"keep may not name {', '.join(refused)}: they can run code on the site"
    return None


def clean_html(text: str, *, keep: Iterable[str] = (), drop: Iterable[str] = ()) -> str:
    depth = _depth(text)
    if depth > MAX_DEPTH:
        raise ValueError(f"the HTML nests {depth} elements deep (at most {MAX_DEPTH})")
    kept = {t.lower() for t in keep} - NEVER_KEPT
    # A tag the mapping keeps is kept even if it is dropped by default (an iframe embed).
    drop_set = (DROP_WITH_CONTENT - kept) | {t.lower() for t in drop}
    allowed = (ALLOWED_TAGS | kept) - drop_set
    return nh3.clean(
        text,
        tags=set(allowed),
        clean_content_tags=set(drop_set),
        # "*": none on every tag (Ammonia would keep lang and title everywhere otherwise).
        attributes={"*": set()}
        | {tag: set(names) for tag, names in ALLOWED_ATTRS.items() if tag in allowed},
        attribute_filter=_attribute,
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
    ).strip()


# Elements a fragment may leave open: void ones, and those whose end tag HTML makes optional.
_MAY_STAY_OPEN = frozenset(
    "area br col hr img input source track wbr p li dt dd tr td th thead tbody tfoot "
    "option optgroup colgroup caption rb rt rtc rp".split()
)
_END_TAG = re.compile(r"</\s*([a-zA-Z][^\s/>]*)")


class _Text(HTMLParser):
    BLOCK = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr"})

    def __init__(self, closed: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.closed = closed

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.closed and tag not in _MAY_STAY_OPEN:
            # Never closed: text that looks like a tag ("Using <html> tags", decoded from
            # "&lt;html&gt;" by the XML reader), not markup; dropping it would lose words.
            self.parts.append(self.get_starttag_text() or "")
        elif tag in DROP_WITH_CONTENT:
            self.skip += 1
        elif tag in self.BLOCK:
            self.parts.append(" ")

    def set_cdata_mode(self, elem: str, *args: bool, **kwargs: bool) -> None:
        if elem in self.closed:  # an unclosed <script> is text: what follows it stays text
            super().set_cdata_mode(elem, *args, **kwargs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCK:
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
    """HTML → plain text: tags go, entities are decoded after (``&lt;b&gt;`` is the text
    ``<b>``), and a start tag that is never closed where HTML requires it stays as text."""
    parser = _Text(frozenset(m.group(1).lower() for m in _END_TAG.finditer(text)))
    parser.feed(text)
    parser.close()
    return re.sub(r"\s+", " ", "".join(parser.parts)).strip()
