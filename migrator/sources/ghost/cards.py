"""Ghost's cards as HTML, shared by the Mobiledoc (Ghost 1–4) and Lexical (Ghost 5+) renderers.

A card is rendered as Ghost itself writes it into a post's ``html`` (kg-default-cards and
kg-default-nodes, web target): the same elements, classes and ``<!--kg-card-begin-->``
comments, so a post rendered here reads like one exported with its html, and the mapping's
``html_clean`` treats both alike. Left out, because they come from the old site rather
than the post: the ``srcset`` of images Ghost resized, Ghost's own video and audio players,
email-only cards. Video, audio and file cards hold a plain link to the file, which
survives ``html_clean`` (it drops ``<video>`` and ``<audio>``).

Text and attribute values are escaped here (as Ghost's serializer does: ``& < >`` in text,
``& "`` in attributes) and ``javascript:``/``data:`` URLs are dropped. What Ghost stores
*as* HTML (an html or embed card, captions, a callout's or toggle's text) passes through
untouched, as it does in Ghost's own html: sanitising is the mapping's ``html_clean``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import quote

from markdown_it import MarkdownIt  # markdown-it-py: comes with rich, ports Ghost's markdown-it
from markdown_it.token import Token


class MalformedDocument(ValueError):
    """A Mobiledoc or Lexical document whose structure is not the format's."""


@dataclass
class GhostRender:
    """One post's rendering: which Ghost wrote it, the heading ids used, what was noticed.

    ``ghost_version`` is the major version whose output to match: 2 for a Mobiledoc
    without ``ghostVersion`` (Ghost 1.x–2.x), its ``ghostVersion`` otherwise, 5 for Lexical.
    It decides the heading ids (the slug changed in 4.0) and the card comments (3.0 on).
    """

    ghost_version: int = 5
    warnings: list[str] = field(default_factory=list)
    used_ids: dict[str, int] = field(default_factory=dict)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def heading_id(self, heading_text: str, *, markdown: bool = False) -> str:
        """Ghost's id for a heading: its slug, ``-1``, ``-2``... when already used."""
        slug = _slug(heading_text, self.ghost_version, markdown=markdown)
        if not slug:
            return ""
        if slug in self.used_ids:
            self.used_ids[slug] += 1
            return f"{slug}-{self.used_ids[slug]}"
        self.used_ids[slug] = 0
        return slug


_SYMBOLS = re.compile(r"""[\][!"#$%&'()*+,./:;<=>?@\\^_{|}~]""")


def _slug(value: str, ghost_version: int, *, markdown: bool) -> str:
    if ghost_version < 4:  # the slugs of Ghost 1.x–3.x (ASCII \w, as JavaScript's)
        if markdown:
            return re.sub(r"[^A-Za-z0-9_]", "", value).lower()
        value = re.sub(r'[<>&"?]', "", value).strip()
        return re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9_А-я]", "-", value)).lower()
    value = _SYMBOLS.sub("", value.strip().lower())
    value = re.sub(r"^-|-{2,}|-$", "", re.sub(r"\s+", "-", value))
    return quote(value, safe="-_.!~*'()")  # JavaScript's encodeURIComponent


def text(value: Any) -> str:
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def attr(value: Any) -> str:
    return str(value).replace("&", "&amp;").replace('"', "&quot;")


_UNSAFE_URL = re.compile(r"(javascript|vbscript|data):", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]")  # a browser drops these from a URL
_URL_ATTRS = frozenset({"href", "src", "poster"})


def safe_url(value: Any) -> str | None:
    """``value`` unless it is empty or a script/data URL, read as a browser reads it
    (``java\tscript:`` is ``javascript:``)."""
    if not isinstance(value, str) or not value.strip():
        return None
    return None if _UNSAFE_URL.match(_INVISIBLE.sub("", value)) else value


def tag(name: str, *attrs: tuple[str, Any]) -> str:
    """An opening tag; attributes whose value is None (or an unsafe URL) are left out,
    ``True`` is a bare attribute."""
    out = [name]
    for key, value in attrs:
        if key in _URL_ATTRS and value is not None and value is not True:
            value = safe_url(value)
        if value is True:
            out.append(key)
        elif value is not None:
            out.append(f'{key}="{attr(value)}"')
    return "<" + " ".join(out) + ">"


def _classes(*names: str | None) -> str:
    return " ".join(n for n in names if n)


def _size(payload: dict[str, Any]) -> tuple[Any, Any]:
    width, height = payload.get("width"), payload.get("height")
    return (width, height) if width and height else (None, None)


def _caption(payload: dict[str, Any]) -> str:
    caption = payload.get("caption")
    return caption if isinstance(caption, str) and caption.strip() else ""


def _figure(classes: list[str], inner: str, caption: str) -> str:
    if caption:
        names = attr(_classes(*classes, "kg-card-hascaption"))
        return f'<figure class="{names}">{inner}<figcaption>{caption}</figcaption></figure>'
    return f'<figure class="{attr(_classes(*classes))}">{inner}</figure>'


def _linked(payload: dict[str, Any], inner: str) -> str:
    href = safe_url(payload.get("href"))
    return f"{tag('a', ('href', href))}{inner}</a>" if href else inner


# --- the cards -----------------------------------------------------------------------------


def _image(p: dict[str, Any], r: GhostRender) -> str:
    if not safe_url(p.get("src")):
        return ""
    width, height = _size(p)
    img = tag(
        "img",
        ("src", p["src"]),
        ("class", "kg-image"),
        ("alt", p.get("alt") or ""),
        ("loading", "lazy"),
        ("title", p.get("title") or None),
        ("width", width),
        ("height", height),
    )
    card_width = p.get("cardWidth")
    size_class = f"kg-width-{card_width}" if card_width and card_width != "regular" else None
    return _figure(["kg-card kg-image-card", size_class or ""], _linked(p, img), _caption(p))


def _gallery(p: dict[str, Any], r: GhostRender) -> str:
    images = [i for i in p.get("images") or () if isinstance(i, dict) and safe_url(i.get("src"))]
    if not images:
        return ""
    rows: dict[int, list[str]] = {}
    for idx, image in enumerate(images):
        row = image.get("row")
        row = row if isinstance(row, int) else idx // 3
        if len(images) > 1 and len(images) % 3 == 1 and idx == len(images) - 2:
            row += 1  # Ghost's layout: never a lone image on the last row
        width, height = _size(image)
        img = tag(
            "img",
            ("src", image["src"]),
            ("width", width),
            ("height", height),
            ("loading", "lazy"),
            ("alt", image.get("alt") or ""),
            ("title", image.get("title") or None),
        )
        rows.setdefault(row, []).append(
            f'<div class="kg-gallery-image">{_linked(image, img)}</div>'
        )
    inner = "".join(f'<div class="kg-gallery-row">{"".join(rows[k])}</div>' for k in sorted(rows))
    return _figure(
        ["kg-card kg-gallery-card kg-width-wide"],
        f'<div class="kg-gallery-container">{inner}</div>',
        _caption(p),
    )


def _embed(p: dict[str, Any], r: GhostRender) -> str:
    html = p.get("html")
    if not isinstance(html, str) or not html.strip():
        url = safe_url(p.get("url"))  # no embed code: keep at least the link
        if not url:
            return ""
        html = f"{tag('a', ('href', url))}{text(url)}</a>"
    return _figure(["kg-card kg-embed-card"], html, _caption(p))


def _bookmark(p: dict[str, Any], r: GhostRender) -> str:
    url = safe_url(p.get("url"))
    if not url:
        return ""
    found = p.get("metadata")
    meta: dict[str, Any] = found if isinstance(found, dict) else {}
    icon, thumbnail = safe_url(meta.get("icon")), safe_url(meta.get("thumbnail"))
    details = "".join(
        (
            tag("img", ("class", "kg-bookmark-icon"), ("src", icon), ("alt", "")) if icon else "",
            # Ghost swaps these two classes, for its themes' sake
            f'<span class="kg-bookmark-author">{text(meta["publisher"])}</span>'
            if meta.get("publisher")
            else "",
            f'<span class="kg-bookmark-publisher">{text(meta["author"])}</span>'
            if meta.get("author")
            else "",
        )
    )
    thumb = (
        f'<div class="kg-bookmark-thumbnail">{tag("img", ("src", thumbnail), ("alt", ""))}</div>'
        if thumbnail
        else ""
    )
    inner = (
        f"{tag('a', ('class', 'kg-bookmark-container'), ('href', url))}"
        '<div class="kg-bookmark-content">'
        f'<div class="kg-bookmark-title">{text(meta.get("title") or url)}</div>'
        f'<div class="kg-bookmark-description">{text(meta.get("description") or "")}</div>'
        f'<div class="kg-bookmark-metadata">{details}</div></div>{thumb}</a>'
    )
    return _figure(["kg-card kg-bookmark-card"], inner, _caption(p))


def _code(p: dict[str, Any], r: GhostRender) -> str:
    code = p.get("code")
    if not isinstance(code, str) or not code:
        return ""
    language = p.get("language")
    opening = tag("code", ("class", f"language-{language}" if language else None))
    pre = f"<pre>{opening}{text(code)}</code></pre>"
    caption = _caption(p)
    if not caption:
        return pre
    return f'<figure class="kg-card kg-code-card">{pre}<figcaption>{caption}</figcaption></figure>'


def _commented(name: str, html: str, r: GhostRender) -> str:
    if r.ghost_version < 3:
        return html
    return f"<!--kg-card-begin: {name}-->{html}<!--kg-card-end: {name}-->"


def _html(p: dict[str, Any], r: GhostRender) -> str:
    html = p.get("html")
    return _commented("html", html, r) if isinstance(html, str) and html.strip() else ""


def _markdown(p: dict[str, Any], r: GhostRender) -> str:
    source = p.get("markdown")
    if not isinstance(source, str) or not source.strip():
        return ""
    return _commented("markdown", markdown_html(source, r), r)


def _ghost1_markdown(p: dict[str, Any], r: GhostRender) -> str:
    source = p.get("markdown")
    if not isinstance(source, str) or not source.strip():
        return ""
    return f'<div class="kg-card-markdown">{markdown_html(source, r)}</div>'


def _callout(p: dict[str, Any], r: GhostRender) -> str:
    emoji = p.get("calloutEmoji")
    colour = p.get("backgroundColor") or "grey"
    return (
        f'<div class="kg-card kg-callout-card kg-callout-card-{attr(colour)}">'
        + (f'<div class="kg-callout-emoji">{text(emoji)}</div>' if emoji else "")
        + f'<div class="kg-callout-text">{p.get("calloutText") or ""}</div></div>'
    )


def _button(p: dict[str, Any], r: GhostRender) -> str:
    url = safe_url(p.get("buttonUrl"))
    if not url:
        return ""
    align = p.get("alignment")
    return (
        f'<div class="{attr(_classes("kg-card kg-button-card", align and f"kg-align-{align}"))}">'
        f"{tag('a', ('href', url), ('class', 'kg-btn kg-btn-accent'))}"
        f"{text(p.get('buttonText') or url)}</a></div>"
    )


def _toggle(p: dict[str, Any], r: GhostRender) -> str:
    return (
        '<div class="kg-card kg-toggle-card" data-kg-toggle-state="close">'
        '<div class="kg-toggle-heading">'
        f'<h4 class="kg-toggle-heading-text">{p.get("heading") or ""}</h4></div>'
        f'<div class="kg-toggle-content">{p.get("content") or ""}</div></div>'
    )


def _file_link(p: dict[str, Any], src: str, *names: str, download: bool = False) -> str:
    label = next((p[n] for n in names if isinstance(p.get(n), str) and p[n].strip()), src)
    return f"{tag('a', ('href', src), ('download', download or None))}{text(label)}</a>"


def _video(p: dict[str, Any], r: GhostRender) -> str:
    src = safe_url(p.get("src"))
    if not src:
        return ""
    width, height = _size(p)
    poster = p.get("customThumbnailSrc") or p.get("thumbnailSrc") or None
    video = tag(
        "video",
        ("src", src),
        ("poster", poster),
        ("width", width),
        ("height", height),
        ("controls", True),
        ("loop", True if p.get("loop") else None),
        ("preload", "metadata"),
    )
    inner = f"{video}{_file_link(p, src, 'fileName')}</video>"
    return _figure(["kg-card kg-video-card"], inner, _caption(p))


def _audio(p: dict[str, Any], r: GhostRender) -> str:
    src = safe_url(p.get("src"))
    if not src:
        return ""
    audio = tag("audio", ("src", src), ("controls", True), ("preload", "metadata"))
    link = _file_link(p, src, "title", "fileName")
    return f'<div class="kg-card kg-audio-card">{audio}{link}</audio></div>'


def _file(p: dict[str, Any], r: GhostRender) -> str:
    src = safe_url(p.get("src"))
    if not src:
        return ""
    link = _file_link(p, src, "fileTitle", "fileName", download=True)
    caption = p.get("fileCaption")
    described = f"<p>{text(caption)}</p>" if isinstance(caption, str) and caption.strip() else ""
    return f'<div class="kg-card kg-file-card">{link}{described}</div>'


CARDS: dict[str, Callable[[dict[str, Any], GhostRender], str]] = {
    "image": _image,
    "gallery": _gallery,
    "embed": _embed,
    "bookmark": _bookmark,
    "code": _code,
    "html": _html,
    "markdown": _markdown,
    "card-markdown": _ghost1_markdown,  # Ghost 1.x: the whole post in one markdown card
    "callout": _callout,
    "button": _button,
    "toggle": _toggle,
    "video": _video,
    "audio": _audio,
    "file": _file,
    "hr": lambda p, r: "<hr>",
    "paywall": lambda p, r: "<!--members-only-->",
    # Sent only in the newsletter: Ghost leaves them out of the post's html too.
    "email": lambda p, r: "",
    "email-cta": lambda p, r: "",
}


def card_html(name: str, payload: Any, r: GhostRender, *, what: str) -> str:
    """A card as HTML; an unknown one is left out with a warning naming it."""
    render = CARDS.get(name)
    if render is None:
        r.warn(f"{what} {name!r} is not supported; left out")
        return ""
    return render(payload if isinstance(payload, dict) else {}, r)


# --- markdown ------------------------------------------------------------------------------


@cache
def _markdown_it() -> MarkdownIt:
    # Ghost's markdown card runs markdown-it with html and breaks on (its linkify and
    # footnote/mark plugins are not ported here).
    return MarkdownIt("js-default", {"html": True, "breaks": True})


def markdown_html(source: str, r: GhostRender) -> str:
    md = _markdown_it()
    tokens = md.parse(source)
    for i, token in enumerate(tokens[:-1]):
        if token.type == "heading_open" and not token.attrGet("id"):
            words = _inline_text(tokens[i + 1].children or [])
            token.attrSet("id", r.heading_id(words, markdown=True))
    return md.renderer.render(tokens, md.options, {})


def _inline_text(children: list[Token]) -> str:
    return "".join(c.content for c in children if c.type in ("text", "code_inline"))
