"""Transforms for WordPress content (registered on import, used by ``mappings/wordpress_*``).

``wpautop``
    WordPress stores paragraphs as blank lines and renders them with ``wpautop()``;
    without it a post is one blob. A port of WordPress's function (``br = false``
    leaves single newlines alone). Content with block-editor comments is returned
    unchanged, as WordPress does: block HTML already has its paragraphs.
``shortcodes``
    ``[caption]`` → ``<figure>`` with ``<figcaption>``; ``[gallery]`` → a ``<figure
    class="wp-block-gallery">`` of ``<img>``s; ``[audio]``, ``[video]`` → ``<audio>``,
    ``<video>``; ``[playlist]`` → one of those per track; ``[embed]URL[/embed]`` and a
    URL alone on its line → a link, or with ``embeds = "iframe"`` a YouTube/Vimeo player;
    ``[[x]]`` → the literal ``[x]``. Unknown shortcodes are kept (``unknown = "keep"``),
    reduced to their inner content (``"strip"``) or removed with it (``"drop"``), and
    counted in the run's warnings. The details: ``wp_shortcodes.py``.
    Galleries, playlists and ``[audio]`` without a file need the attachments, which only
    the source knows: give the WXR source's ``content_with_media`` ({content, media,
    attached}) rather than ``content``.
``strip_blocks``
    Removes block-editor comments (``<!-- wp:paragraph {...} -->``), keeping the HTML.
``rebase_url``
    Points media URLs at a mirror: ``to = "http://127.0.0.1:8000/uploads"`` replaces
    the scheme and host (and ``strip_path``, if it starts the path). Empty ``to``
    changes nothing, so a mapping can default to the original host. ``hosts`` limits
    it to those hosts.
``pluck``
    One key of each object in a list: ``categories`` → their names (``key = "name"``).
``map``
    A lookup with a fallback: ``table`` maps known values, anything else becomes
    ``default`` (or stays as it is when no default is given). For authors, say.
``qtranslate``
    Picks one language out of qTranslate's ``[:en]Hello[:es]Hola[:]`` or
    ``<!--:en-->Hello<!--:-->`` markup; text without markup passes through. A language
    the field lacks gives ``""``, or the ``fallback`` language's text
    (``{ name = "qtranslate", locale = "fr", fallback = "en" }``), as qTranslate shows
    the default language where a translation is missing.
"""

from __future__ import annotations

import html
import operator
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import migrator.mapping.wp_shortcodes as sc
from migrator.mapping.links.index import split_url
from migrator.mapping.transforms import _text, note, transform
from migrator.sources import qtranslate_text

# --------------------------------------------------------------------------- wpautop

_BLOCK_NAMES = (
    "table thead tfoot caption col colgroup tbody tr td th div dl dd dt ul ol li pre form map"
    " area blockquote address style p h[1-6] hr fieldset legend section article aside hgroup"
    " header footer nav figure figcaption details menu summary"
).split()


def _by_first_letter(names: list[str]) -> str:
    """``(?:t(?:able|head|...)|d(?:iv|l|...)|...)``: the same names as one alternation,
    tried by their first letter (a flat list of 40 is tried name by name at every "<")."""
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(name[0], []).append(name[1:])
    return "(?:" + "|".join(f"{c}(?:{'|'.join(rest)})" for c, rest in groups.items()) + ")"


# Every pattern below is followed by a delimiter ([\s/>], ">" or [^>]*>), so which
# alternative matched never changes what a match spans: grouping them is only faster.
_ALLBLOCKS = _by_first_letter(_BLOCK_NAMES)
_IN_TAGS = re.compile(r"<!--.*?-->|<[^>]*>", re.S)
_TAG_NEWLINE = re.compile(r"<[^>]*\n")
_BLOCK_MARK = re.compile(r"<!--\s+/?wp:")
_C = re.compile
_BR_BR = _C(r"<br\s*/?>\s*<br\s*/?>")
_BLOCK_OPEN = _C(r"(<" + _ALLBLOCKS + r"[\s/>])")
_BLOCK_CLOSE = _C(r"(</" + _ALLBLOCKS + r">)")
_HR = _C(r"(<hr\s*?/?>)")
_OPTION_BEFORE, _OPTION_AFTER = _C(r"\s*<option"), _C(r"</option>\s*")
_OBJECT_OPEN, _OBJECT_CLOSE = _C(r"(<object[^>]*>)\s*"), _C(r"\s*</object>")
_PARAM = _C(r"\s*(</?(?:param|embed)[^>]*>)\s*")
_MEDIA_OPEN = _C(r"([<\[](?:audio|video)[^>\]]*[>\]])\s*")
_MEDIA_CLOSE = _C(r"\s*([<\[]/(?:audio|video)[>\]])")
_SOURCE = _C(r"\s*(<(?:source|track)[^>]*>)\s*")
_FIGCAPTION_OPEN, _FIGCAPTION_CLOSE = _C(r"\s*(<figcaption[^>]*>)"), _C(r"</figcaption>\s*")
_BLANKS = _C(r"\n\n+")
_PARAGRAPHS = _C(r"\n\s*\n")
_EMPTY_P = _C(r"<p>\s*</p>")
_P_UNCLOSED = _C(r"<p>([^<]+)</(div|address|form)>")
_P_AROUND_BLOCK = _C(r"<p>\s*(</?" + _ALLBLOCKS + r"[^>]*>)\s*</p>")
_P_LI = _C(r"<p>(<li.+?)</p>")
_P_BLOCKQUOTE = _C(r"<p><blockquote([^>]*)>", re.I)
_P_BEFORE_BLOCK = _C(r"<p>\s*(</?" + _ALLBLOCKS + r"[^>]*>)")
_P_AFTER_BLOCK = _C(r"(</?" + _ALLBLOCKS + r"[^>]*>)\s*</p>")
_RAW_TEXT = _C(r"<(script|style|svg|math).*?</\1>", re.S)
_NEWLINE = _C(r"(?<!<br />)\s*\n")
_BR_AFTER_BLOCK = _C(r"(</?" + _ALLBLOCKS + r"[^>]*>)\s*<br />")
_BR_BEFORE = _C(r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)")
_LAST_NEWLINE = _C(r"\n</p>$")


@transform("wpautop")
def wpautop(value: Any, /, br: bool = True, skip_blocks: bool = True) -> str:
    """WordPress's ``wpautop()``: blank lines → ``<p>``, single newlines → ``<br />``."""
    # Steps whose pattern needs a substring the text lacks are skipped: they would
    # change nothing.
    text = _text(value)
    if skip_blocks and _BLOCK_MARK.search(text):
        return text
    if not text.strip():
        return ""
    text += "\n"
    pre_tags: dict[str, str] = {}
    if "<pre" in text:
        parts = text.split("</pre>")
        last = parts.pop()
        text = ""
        for i, part in enumerate(parts):
            start = part.find("<pre")
            if start < 0:
                text += part
                continue
            name = f"<pre wp-pre-tag-{i}></pre>"
            pre_tags[name] = part[start:] + "</pre>"
            text += part[:start] + name
        text += last
    if "<br" in text:
        text = _BR_BR.sub("\n\n", text)
    if "<" in text:
        text = _BLOCK_OPEN.sub(_blank_line_before, text)
        text = _BLOCK_CLOSE.sub(_blank_line_after, text)
        if "<hr" in text:
            text = _HR.sub(_blank_line_after, text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Without comments, a tag holding a newline needs "<", no ">", then "\n".
    if "<!--" in text or _TAG_NEWLINE.search(text):
        text = _IN_TAGS.sub(_hide_newlines, text)
    if "<option" in text:
        text = _OPTION_BEFORE.sub("<option", text)
        text = _OPTION_AFTER.sub("</option>", text)
    if "</object>" in text:
        text = _OBJECT_OPEN.sub(_group1, text)
        text = _OBJECT_CLOSE.sub("</object>", text)
        text = _PARAM.sub(_group1, text)
    if "<source" in text or "<track" in text:
        text = _MEDIA_OPEN.sub(_group1, text)
        text = _MEDIA_CLOSE.sub(_group1, text)
        text = _SOURCE.sub(_group1, text)
    if "<figcaption" in text:
        text = _FIGCAPTION_OPEN.sub(_group1, text)
        text = _FIGCAPTION_CLOSE.sub("</figcaption>", text)
    if "\n\n\n" in text:  # "\n\n" alone is replaced by itself
        text = _BLANKS.sub("\n\n", text)
    pieces = [p for p in _PARAGRAPHS.split(text) if p]
    text = "".join("<p>" + p.strip("\n") + "</p>\n" for p in pieces)
    text = _EMPTY_P.sub("", text)
    if "</div" in text or "</address" in text or "</form" in text:
        text = _P_UNCLOSED.sub(_close_p_first, text)
    text = _P_AROUND_BLOCK.sub(_group1, text)
    if "<p><li" in text:
        text = _P_LI.sub(_group1, text)
    text = _P_BLOCKQUOTE.sub(_p_in_blockquote, text)
    if "</blockquote></p>" in text:
        text = text.replace("</blockquote></p>", "</p></blockquote>")
    text = _P_BEFORE_BLOCK.sub(_group1, text)
    text = _P_AFTER_BLOCK.sub(_group1, text)
    if br:
        if "<script" in text or "<style" in text or "<svg" in text or "<math" in text:
            text = _RAW_TEXT.sub(_preserve_newlines, text)
        text = text.replace("<br>", "<br />").replace("<br/>", "<br />")
        text = _NEWLINE.sub("<br />\n", text)
        text = text.replace("<WPPreserveNewline />", "\n")
    if "<br />" in text:
        text = _BR_AFTER_BLOCK.sub(_group1, text)
        text = _BR_BEFORE.sub(_group1, text)
    text = _LAST_NEWLINE.sub("</p>", text)
    for name, original in pre_tags.items():
        text = text.replace(name, original)
    if "<!-- wpnl -->" in text:
        text = text.replace(" <!-- wpnl --> ", "\n").replace("<!-- wpnl -->", "\n")
    return text


# Replacements as functions: a template (r"\1") costs re two Python calls a match.
_group1 = operator.itemgetter(1)  # r"\1" (group 1 takes part in every match below)


def _blank_line_before(m: re.Match[str]) -> str:
    return "\n\n" + m[1]


def _blank_line_after(m: re.Match[str]) -> str:
    return m[1] + "\n\n"


def _close_p_first(m: re.Match[str]) -> str:
    return f"<p>{m[1]}</p></{m[2]}>"


def _p_in_blockquote(m: re.Match[str]) -> str:
    return f"<blockquote{m[1]}><p>"


def _hide_newlines(m: re.Match[str]) -> str:
    tag = m.group(0)
    return tag.replace("\n", " <!-- wpnl --> ") if "\n" in tag else tag


def _preserve_newlines(m: re.Match[str]) -> str:
    return m.group(0).replace("\n", "<WPPreserveNewline />")


# --------------------------------------------------------------------------- shortcodes

_ATTR = re.compile(
    r"""([\w-]+)\s*=\s*"([^"]*)"|([\w-]+)\s*=\s*'([^']*)'|([\w-]+)\s*=\s*([^\s'"]+)|"([^"]*)"|(\S+)"""
)
_CAPTION_BODY = re.compile(r"((?:<a [^>]+>\s*)?<img [^>]+>(?:\s*</a>)?)(.*)", re.I | re.S)


def shortcode_attrs(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, m in enumerate(_ATTR.finditer(html.unescape(text))):
        if m.group(1):
            out[m.group(1).lower()] = m.group(2)
        elif m.group(3):
            out[m.group(3).lower()] = m.group(4)
        elif m.group(5):
            out[m.group(5).lower()] = m.group(6)
        else:
            out[str(i)] = m.group(7) if m.group(7) is not None else m.group(8)
    return out


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def _caption(attrs: dict[str, str], content: str) -> str:
    caption = attrs.get("caption", "")
    m = _CAPTION_BODY.match(content.strip())
    if m:
        content, caption = m.group(1), m.group(2).strip() or caption
    classes = " ".join(c for c in ("wp-caption", attrs.get("align", "")) if c)
    figure_id = f' id="{_attr(attrs["id"])}"' if attrs.get("id") else ""
    figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f'<figure{figure_id} class="{classes}">{content.strip()}{figcaption}</figure>'


def _check_shortcodes(unknown: str = "keep", embeds: str = "link") -> str | None:
    if unknown not in ("keep", "strip", "drop"):
        return f"unknown must be 'keep', 'strip' or 'drop', got {unknown!r}"
    if embeds not in sc.EMBEDS:
        return f"embeds must be 'link' or 'iframe', got {embeds!r}"
    return None


_UNKNOWN_DONE = {
    "keep": "unknown shortcodes left as text",
    "strip": "unknown shortcodes replaced by their content",
    "drop": "unknown shortcodes removed with their content",
}


def _used_as_shortcode(tag: sc.Shortcode, name: str) -> bool:
    """Shortcode syntax, not brackets in prose (``[1]``, ``[sic]``, ``[edge case]``)."""
    if name in sc.CORE or name in sc.WELL_KNOWN:
        return True
    return tag.self_closed or tag.inner is not None or "=" in tag.attrs or "://" in tag.attrs


@transform("shortcodes", check=_check_shortcodes)
def shortcodes(value: Any, /, unknown: str = "keep", embeds: str = "link") -> str:
    """Render WordPress shortcodes as HTML: ``[caption]`` → ``<figure>``, ``[gallery]``,
    ``[audio]``, ``[video]``, ``[playlist]``, ``[embed]`` (a link, or a YouTube/Vimeo
    player with ``embeds = "iframe"``). Unknown ones are kept (``unknown = "keep"``),
    reduced to their content (``"strip"``) or removed (``"drop"``), and counted in the
    run's warnings. The details: the module docstring and ``wp_shortcodes.py``."""
    media: dict[str, Any] = {}
    attached: Any = None
    if isinstance(value, dict):
        media = value.get("media") or {}
        attached = value.get("attached")
        value = value.get("content") or ""
    files = sc.Attachments(media, attached if isinstance(attached, list) else None)
    text = _text(value)
    left: dict[str, int] = {}

    def render(tag: sc.Shortcode) -> str:
        if tag.escaped:  # [[x]] is the escaped literal [x]
            return tag.whole[1:-1]
        name = tag.name.lower()
        attrs = shortcode_attrs(tag.attrs)
        inner = tag.inner or ""
        if name in ("caption", "wp_caption"):
            out = _caption(attrs, sc.replace_shortcodes(inner, render))
        elif name == "gallery":
            out = sc.gallery(attrs, files)
        elif name == "audio":
            out = sc.audio(attrs, files)
        elif name == "video":
            out = sc.video(attrs, inner, files, embeds)
        elif name == "playlist":
            out = sc.playlist(attrs, files)
        elif name == "embed":
            url = inner.strip()
            out = sc.embed(url, attrs, files, embeds) if url else ""
            if out and not out.startswith(("<audio", "<div", "<iframe")):
                out = f"<p>{out}</p>"  # a link, or the text of a URL that is none
        elif not _used_as_shortcode(tag, name):
            return tag.whole
        else:
            key = f"[{name}]"
            left[key] = left.get(key, 0) + 1
            if unknown == "keep" and tag.inner is None:
                return tag.whole
            if unknown == "keep":
                # Kept, but the shortcodes inside it rendered (WordPress does both).
                out = tag.opening + sc.replace_shortcodes(inner, render) + tag.closing
            elif unknown == "strip":
                out = sc.replace_shortcodes(inner, render)
            else:
                out = ""
        return ("[" if tag.whole.startswith("[[") else "") + out + tag.trailing

    text = sc.replace_shortcodes(text, render)
    text = sc.autoembed(text, lambda url: sc.embed(url, {}, files, embeds))
    if left:
        ranked = sorted(left.items(), key=lambda kv: (-kv[1], kv[0]))
        listed = ", ".join(f"{k} ×{n}" for k, n in ranked)
        note(f"{_UNKNOWN_DONE[unknown]}: {listed}", tuple(ranked))
    return text


# --------------------------------------------------------------------------- blocks

_BLOCK_COMMENT = re.compile(
    r"<!--\s+/?wp:[a-z][a-z0-9_-]*(?:/[a-z][a-z0-9_-]*)?\s.*?/?-->\n?", re.S
)
_BLANK_RUN = re.compile(r"\n{3,}")


@transform("strip_blocks")
def strip_blocks(value: Any, /) -> str:
    """Remove block-editor comments, keep the HTML; blank-line runs they leave collapse."""
    text = _text(value)
    if "<!--" in text:  # (each step only when its pattern can match)
        text = _BLOCK_COMMENT.sub("", text)
    if "\n\n\n" in text:
        text = _BLANK_RUN.sub("\n\n", text)
    return text.strip()


# --------------------------------------------------------------------------- URLs


@transform("rebase_url", elementwise=True)
def rebase_url(
    value: Any, /, to: str = "", hosts: list[str] | None = None, strip_path: str = ""
) -> str:
    """``https://old.example.com/wp-content/uploads/a.jpg`` → ``{to}/wp-content/uploads/a.jpg``."""
    url = _text(value)
    if not to.strip():
        return url
    parts = split_url(url)
    if parts.scheme not in ("http", "https", "") or not parts.netloc:
        return url
    if hosts and (parts.hostname or "").lower() not in {h.lower() for h in hosts}:
        return url
    path = parts.path
    if strip_path and path.startswith(strip_path):
        path = path[len(strip_path) :]
    base = urlsplit(to.rstrip("/"))
    joined = base.path + ("/" + path.lstrip("/") if path else "")
    return urlunsplit((base.scheme, base.netloc, joined, parts.query, parts.fragment))


@transform("pluck")
def pluck(value: Any, /, key: str) -> Any:
    """``[{name: "News", slug: "news"}]`` → ``["News"]`` (with ``key = "name"``)."""
    items = value if isinstance(value, list) else [value]
    out = [item.get(key) if isinstance(item, dict) else None for item in items]
    return [v for v in out if v not in (None, "")]


@transform("map", skip_empty=False)
def map_values(value: Any, /, table: dict[str, Any], default: Any = None) -> Any:
    """``table[value]``; otherwise ``default`` if given, else the value unchanged."""
    key = value if isinstance(value, str) else "" if value is None else str(value)
    if key in table:
        return table[key]
    return value if default is None else default


# --------------------------------------------------------------------------- qTranslate


@transform("qtranslate", elementwise=True)
def qtranslate(value: Any, /, locale: str, fallback: str = "") -> str:
    """The ``locale`` part of qTranslate markup; the ``fallback`` language's when that
    language is missing, else ``""``."""
    return qtranslate_text(_text(value), locale, fallback)
