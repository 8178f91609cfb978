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

import functools
import html
import re
import threading
from collections.abc import Iterable

import nh3
from lxml import etree

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
    if url.startswith(("https://", "http://", "/")):  # most are: nothing in them can change that
        return True
    seen = _INVISIBLE.sub("", html.unescape(url))
    scheme, colon, _ = re.split(r"[/?#]", seen, maxsplit=1)[0].lower().partition(":")
    return not colon or scheme in URL_SCHEMES


# html5ever's tree building costs O(depth) per block tag, so a body nested very deep is
# quadratic (100,000 nested <div>s: 46 s; 20,000 <ul><li>s: 10 s). Real content nests tens
# deep (the real exports: 7 at most); a deeper body is refused (a record error naming the
# field), not cleaned. The depth is counted on the tags as a browser would close them.
MAX_DEPTH = 2000
# A "<" before the ">" ends the try: else each "<a" of "<a<a<a..." reads on to the end.
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^<>]*>")
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
    # Each element opens with a "<": with no more of them than MAX_DEPTH, none nests deeper.
    depth = _depth(text) if text.count("<") > MAX_DEPTH else 0
    if depth > MAX_DEPTH:
        raise ValueError(f"the HTML nests {depth} elements deep (at most {MAX_DEPTH})")
    keep_set, drop_set = frozenset(t.lower() for t in keep), frozenset(t.lower() for t in drop)
    # Cleaned first without the attribute filter (a Python call per attribute): when the
    # output holds no attribute the filter could change, it is what the filter would give.
    cleaned = _cleaner(keep_set, drop_set, filtered=False).clean(text)
    if _FILTERED_ATTR.search(cleaned):
        cleaned = _cleaner(keep_set, drop_set, filtered=True).clean(text)
    return cleaned.strip()


# What ``_attribute`` might change in nh3's output (it writes ``name="value"``, names in
# lower case, ``"`` and ``&`` escaped): any rel, a URL not plainly http(s) or rooted.
# Text that merely looks like one only costs the second, filtered, clean. The search
# stops at each '="' (a few an element), the name looked at behind it, not at each space.
_FILTERED_ATTR = re.compile(
    r'="(?:(?<=\srel=")|(?:(?<=\shref=")|(?<=\ssrc=")|(?<=\sposter="))(?!https?://|/))'
)


@functools.lru_cache(maxsize=32)
def _cleaner(keep: frozenset[str], drop: frozenset[str], *, filtered: bool) -> nh3.Cleaner:
    """The sanitiser for one keep/drop list, built once (a mapping has a few at most);
    ``filtered``: with ``_attribute`` as nh3's attribute filter."""
    kept = keep - NEVER_KEPT
    # A tag the mapping keeps is kept even if it is dropped by default (an iframe embed).
    drop_set = (DROP_WITH_CONTENT - kept) | drop
    allowed = (ALLOWED_TAGS | kept) - drop_set
    return nh3.Cleaner(
        tags=set(allowed),
        clean_content_tags=set(drop_set),
        # "*": none on every tag (Ammonia would keep lang and title everywhere otherwise).
        attributes={"*": set()}
        | {tag: set(names) for tag, names in ALLOWED_ATTRS.items() if tag in allowed},
        attribute_filter=_attribute if filtered else None,
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
    )


# html_to_text reads HTML on lxml (libxml2's HTML5 tokenizer), after a few rewrites of the
# source that keep the text it gives as it always was (each pattern applied only where its
# tag occurs; the flags sit after the "<" so that the search for it stays fast):
# - a block tag, start or end (even a stray one), parts words: a mark goes before each, a
#   space in the text (a character the text has not, that libxml2 keeps where it drops
#   blanks between elements);
_BLOCK_TAG = re.compile(r"<(?=(?i:/?(?:p|div|br|li|h[1-6]|tr)[\s/>]))")
# - libxml2 ends the document at </html> (what follows would be lost) and </body> has no
#   text meaning: both go, as a browser reads on past them;
_DOCUMENT_END = re.compile(r"<(?i:/(?:html|body)\s*>)")
# - <embed> is void (libxml2 would drop all that follows an unclosed one with it);
_EMBED = re.compile(r"<(?i:/?embed(?=[\s/>])(?:[^<>\"']|\"[^\"]*\"|'[^']*')*+>)")
# - libxml2 reads these as raw text (``<title>a<b>c</title>`` is "a<b>c"): renamed, their
#   content is markup whose tags go (<iframe>, <noscript> stay raw text, dropped whole);
_RAW_TEXT_TAGS = ("title", "textarea", "xmp", "noembed", "noframes", "plaintext")
_RAW_TEXT = re.compile(rf"<(?i:(/?)({'|'.join(_RAW_TEXT_TAGS)})(?=[\s/>]))")
# - "<![CDATA[" that no "]]>" closes is text, not a comment running to the next ">";
_SECTION = re.compile(r"<!\[")
# (one search, of the text in lower case, says whether any of these is there at all)
_RARE = re.compile(rf"<(?:/(?:html|body)|/?embed|/?(?:{'|'.join(_RAW_TEXT_TAGS)})|!\[)")
# - a lone surrogate (JSON can hold one) would end libxml2's reading: it is U+FFFD.
_SURROGATE = re.compile("[\ud800-\udfff]")
# - a start tag never closed where HTML needs it closed is text ("Using <html> tags", as an
#   XML reader decodes "&lt;html&gt;"; an unclosed <script> too, and all after it): escaped,
#   libxml2 gives it back as written.
_MAY_STAY_OPEN = _VOID | frozenset(
    "p li dt dd tr td th thead tbody tfoot option optgroup colgroup caption rb rt rtc rp".split()
)
_END_TAG = re.compile(r"</\s*([a-zA-Z][^\s/>]*)")
_START_NAME = re.compile(r"<([a-zA-Z][^\t\n\r\f />\x00]*)")
_START_TAG = re.compile(r"""<([a-zA-Z][^\t\n\r\f />\x00<]*+)(?:[^<>"']|"[^"]*"|'[^']*')*+>""")
# libxml2 builds at most this deep and stops reading there: such a body is refused.
LXML_DEPTH = 2048


# A title goes to the title and to the slug, a body to the summary and the SEO
# description: each is read once (the last few texts only: a body can be megabytes).
@functools.lru_cache(maxsize=8)
def html_to_text(text: str) -> str:
    """The text of ``text`` on one line: tags go, entities are decoded after them
    (``&lt;b&gt;`` is the text ``<b>``), scripts, styles, iframes and the like go with their
    content, block tags part words, and a start tag never closed where HTML needs it
    closed stays as text ("Using <html> tags")."""
    if "<" not in text and "&" not in text:
        return " ".join(text.replace("\x00", "\ufffd").split())
    # ASCII lowers character for character: the lowered text serves every search below.
    lowered = text.lower() if text.isascii() else None
    if "<" in text:
        text = _unclosed_as_text(text, lowered)
        if lowered is not None and len(text) != len(lowered):
            lowered = text.lower()  # some start tags were escaped
    if _RARE.search(text.lower() if lowered is None else lowered):
        lowered = None  # the rewrites below change the text
        text = _DOCUMENT_END.sub("", text)
        text = _RAW_TEXT.sub(r"<\1migrator-\2", _EMBED.sub("", text))
        closed = text.rfind("]]>")  # the last one: a "<![" after it is never closed
        text = _SECTION.sub(lambda m: m[0] if m.end() <= closed else "&lt;![", text)
    if not text.isascii() and _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    # An ASCII mark keeps an ASCII text ASCII (quicker to search, and for libxml2 to read).
    mark = "\x01" if "\x01" not in text else "\ufdd0"  # \ufdd0: a Unicode noncharacter
    text = _block_marks(text, lowered, mark)
    parser = _parser()
    try:
        root = etree.fromstring(text, parser)
    except ValueError:  # lxml takes no <?xml encoding="..."?> in a str: bytes, then
        parser = _parser("utf-8")
        root = etree.fromstring(text.encode(), parser)
    if any(e.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT for e in parser.error_log):
        raise ValueError(f"the HTML nests more than {LXML_DEPTH} elements deep")
    if root is None:  # nothing but comments and space
        return ""
    etree.strip_elements(root, *DROP_WITH_CONTENT, with_tail=False)
    return " ".join(etree.tostring(root, method="text", encoding=str).replace(mark, " ").split())


# _BLOCK_TAG for the lowered ASCII text, whose positions are the text's: found without
# IGNORECASE, which costs the search about half its time.
_BLOCK_TAG_LOWERED = re.compile(r"<(?=/?(?:p|div|br|li|h[1-6]|tr)[\s/>])")


def _block_marks(text: str, lowered: str | None, mark: str) -> str:
    """``mark`` before each block tag's "<"; ``lowered``: ``text.lower()`` if ASCII."""
    if lowered is None:
        return _BLOCK_TAG.sub(mark + "<", text)
    pieces, last = [], 0
    for found in _BLOCK_TAG_LOWERED.finditer(lowered):
        pieces.append(text[last : found.start()])
        last = found.start()
    pieces.append(text[last:])
    return mark.join(pieces)


_parsers = threading.local()


def _parser(encoding: str | None = None) -> etree.HTMLParser:
    """This thread's HTML parser (for str, or for bytes in ``encoding``): libxml2's parser
    context is built on a parser's first use (~100 us), so each is kept for the next text.
    One a thread: the error log read after a parse is the parser's."""
    parser: etree.HTMLParser | None = getattr(_parsers, encoding or "str", None)
    if parser is None:
        parser = etree.HTMLParser(
            remove_comments=True,
            remove_pis=True,
            no_network=True,
            huge_tree=True,
            encoding=encoding,
        )
        setattr(_parsers, encoding or "str", parser)
    return parser


def _unclosed_as_text(text: str, lowered: str | None = None) -> str:
    """``lowered``: ``text.lower()`` when ``text`` is ASCII (its names found already lowered)."""
    if lowered is not None:
        closed = set(_END_TAG.findall(lowered)) | _MAY_STAY_OPEN
        started = set(_START_NAME.findall(lowered))
    else:
        closed = {m.lower() for m in _END_TAG.findall(text)} | _MAY_STAY_OPEN
        started = {m.lower() for m in _START_NAME.findall(text)}
    if not started - closed:
        return text  # the usual case: one search for the names, nothing to change

    def escape(m: re.Match[str]) -> str:
        if m[1].lower() in closed or m[0].endswith("/>"):
            return m[0]
        return html.escape(m[0], quote=False)

    return _START_TAG.sub(escape, text)
