"""WordPress's core shortcodes and auto-embeds rendered as WordPress renders them, without
its JavaScript (the ``shortcodes`` transform; facts from wp-includes/media.php,
shortcodes.php and class-wp-embed.php).

``[audio]``/``[video]``
    ``src``, or one attribute per file type (``mp3 ogg flac m4a wav``; ``mp4 m4v webm
    ogv flv``), else the post's first attached audio (video) file: ``<audio>``/``<video>``
    with a ``<source>`` per file and a link to the first as the fallback, ``loop``,
    ``autoplay``, ``muted``, ``preload``, ``poster``, ``width``/``height`` as WordPress
    writes them. A ``src`` of another type becomes a link, as in WordPress. Unlike
    WordPress: no ``?_=1`` cache-buster on the URLs (they stay the files' URLs, for the
    media host and the media check), no ``id`` or ``<audio style>``, the fallback link
    shows the file's name, not its URL; ``[audio URL]`` (WordPress.com's form, in the
    theme unit test data) is read as ``src``.
``[playlist]``
    WordPress draws a JavaScript player; this is a ``<figure class="wp-playlist">`` with
    one ``<audio>``/``<video>`` per track and the track's title under it. ``ids`` (that
    order), else the post's attached files of ``type`` (audio by default); ``order``,
    ``orderby``, ``include``, ``exclude`` as for galleries.
``[gallery]``
    ``ids``/``include`` (that order), else the post's attached images minus ``exclude``;
    ``orderby`` ``title``/``ID``, ``order = "DESC"``; ``rand`` keeps the export's order (a
    payload must not change from run to run). ``link``: ``none``, else each image links to
    its file (WordPress links to the attachment's page by default, which is not migrated).
    ``size`` is not honoured: the export gives the full-size URL only.
``[embed]URL[/embed]`` and a URL alone on its line (or in its own ``<p>``)
    An audio or video file's URL → ``<audio>``/``<video>`` (WordPress's own embed
    handlers); otherwise, with ``embeds = "iframe"``, a YouTube or Vimeo video → the
    provider's player ``<iframe>`` (its address built from the video id alone, so nothing
    of the original URL reaches the markup); anything else → a link (WordPress links an
    unknown URL too). ``embeds = "link"`` (the default) links them all.
Unknown shortcodes
    What is left in shortcode syntax (attributes with ``=``, a URL, a closing tag or
    ``/]``; or a bare name WordPress.com/Jetpack registers, like ``[videopress]``) is kept
    (``unknown = "keep"``), reduced to its content (``"strip"``) or removed (``"drop"``),
    and counted: ``transforms.note`` tells the run's warnings file and summary. Brackets
    in prose (``[1]``, ``[sic]``, ``[edge case]``) are not shortcodes and stay as they are.
"""

from __future__ import annotations

import html
import posixpath
import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from migrator.mapping.htmlclean import is_safe_url

AUDIO = ("mp3", "ogg", "flac", "m4a", "wav")
VIDEO = ("mp4", "m4v", "webm", "ogv", "flv")
_MIME = {
    "mp3": "audio/mpeg",
    "m4a": "audio/mpeg",
    "ogg": "audio/ogg",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "mp4": "video/mp4",
    "m4v": "video/mp4",
    "webm": "video/webm",
    "ogv": "video/ogg",
    "flv": "video/x-flv",
}
# Shortcodes WordPress core registers (rendered here), then WordPress.com/Jetpack ones
# often written bare or with a bare id: these count as unknown shortcodes even so.
CORE = frozenset({"audio", "video", "playlist", "gallery", "caption", "wp_caption", "embed"})
WELL_KNOWN = frozenset(
    "videopress wpvideo youtube vimeo soundcloud spotify gist googlemaps instagram twitter "
    "tweet slideshow contact-form contact-field archives sitemap recipe polldaddy "
    "crowdsignal dailymotion ted scribd slideshare flickr".split()
)
EMBEDS = ("link", "iframe")
_TRUE = frozenset({"1", "true", "on", "yes", "loop", "autoplay", "muted"})


def esc(value: str) -> str:
    return html.escape(value, quote=True)


def extension(url: str) -> str:
    try:
        path = urlsplit(url).path
    except ValueError:
        return ""
    return posixpath.splitext(path)[1].lstrip(".").lower()


def _flag(attrs: dict[str, str], name: str) -> bool:
    """WordPress's wp_validate_boolean, and a bare ``loop`` word as a positional attribute."""
    value = attrs.get(name)
    if value is None:
        return name in {v.lower() for k, v in attrs.items() if k.isdigit()}
    return value.strip().lower() in _TRUE


def _dims(attrs: dict[str, str], width: int, height: int) -> tuple[int, int]:
    w, h = attrs.get("width", ""), attrs.get("height", "")
    return (int(w) if w.isdigit() else width, int(h) if h.isdigit() else height)


def _fallback(url: str, text: str | None = None) -> str:
    return f'<a href="{esc(url)}">{html.escape(text or url)}</a>'


def file_name(url: str) -> str:
    try:
        return posixpath.basename(urlsplit(url).path) or url
    except ValueError:
        return url


def _positional_url(attrs: dict[str, str]) -> str:
    first = attrs.get("0", "")
    return first if first.lower().startswith(("http://", "https://")) else ""


class Attachments:
    """The export's attachments a post's shortcodes name (``content_with_media``)."""

    def __init__(self, media: dict[str, Any], attached: list[str] | None):
        self.media = {k: v for k, v in media.items() if isinstance(v, dict)}
        # The post's own attachments, in the export's order (all the media when unknown).
        self.attached = list(self.media) if attached is None else attached

    def pick(self, attrs: dict[str, str], wanted: Callable[[str], bool]) -> list[dict[str, Any]]:
        """The attachments a gallery or playlist shows, in WordPress's order; ``wanted``
        tells by the file's extension."""
        named = attrs.get("ids") or attrs.get("include") or ""
        ids = [i.strip() for i in named.split(",") if i.strip()]
        if not ids:
            excluded = {i.strip() for i in attrs.get("exclude", "").split(",")}
            ids = [i for i in self.attached if i not in excluded]
        items = [self.media[i] for i in ids if i in self.media]
        items = [a for a in items if wanted(extension(a.get("url") or ""))]
        items = [a for a in items if is_safe_url(a.get("url") or "javascript:")]
        orderby = attrs.get("orderby", "").lower()
        if orderby == "title":
            items.sort(key=lambda a: str(a.get("title") or ""))
        elif orderby == "id":
            items.sort(key=lambda a: int(a["id"]) if str(a.get("id", "")).isdigit() else 0)
        if attrs.get("order", "").upper() == "DESC":
            items.reverse()
        return items

    def first(self, kinds: tuple[str, ...]) -> str:
        for i in self.attached:
            url = (self.media.get(i) or {}).get("url") or ""
            if extension(url) in kinds and is_safe_url(url):
                return str(url)
        return ""


# --------------------------------------------------------------------------- finding them

# WordPress's shortcode regex, in two parts: an opening tag, then (unless it closes itself)
# the first closing tag of that name after it. Found with one scan of the closing tags, it
# stays linear where one regex rescans the rest of the body for each "[1]" in prose (a
# 180 KB body of them: 30 s). Attributes may not hold "[" (WordPress's documentation says
# they cannot hold brackets), so an unclosed "[x " stops at the next "[".
_OPEN = re.compile(r"\[(\[?)([A-Za-z0-9_-]+)(?![\w-])((?:[^\]\[/]|/(?!\]))*)(/)?\]")
_CLOSE = re.compile(r"\[/([A-Za-z0-9_-]+)\]")


@dataclass(frozen=True)
class Shortcode:
    """One shortcode as WordPress's regex matches it."""

    escaped: bool  # [[x]]: the literal [x]
    name: str  # as written
    attrs: str  # the raw attribute text
    self_closed: bool  # [x /]
    inner: str | None  # the content of [x]...[/x]; None without a closing tag
    opening: str  # the opening tag, without an escaping "["
    closing: str  # "[/x]" or ""
    trailing: str  # "]" when the tag is followed by one (the escape's other half)
    whole: str


def replace_shortcodes(text: str, render: Callable[[Shortcode], str]) -> str:
    """``text`` with each shortcode replaced by ``render(shortcode)``."""
    if "[" not in text:
        return text
    closes: dict[str, list[int]] = {}
    for c in _CLOSE.finditer(text):
        closes.setdefault(c.group(1), []).append(c.start())
    out: list[str] = []
    pos = 0
    while (m := _OPEN.search(text, pos)) is not None:
        name, end = m.group(2), m.end()
        inner, closing = None, ""
        starts = closes.get(name) if m.group(4) is None else None
        i = bisect_left(starts, end) if starts else 0
        if starts and i < len(starts):
            inner, closing = text[end : starts[i]], f"[/{name}]"
            end = starts[i] + len(closing)
        trailing = "]" if text.startswith("]", end) else ""
        opening = m.group(0)[len(m.group(1)) :]
        whole = text[m.start() : end + len(trailing)]
        escaped = m.group(1) == "[" and trailing == "]"
        shortcode = Shortcode(
            escaped, name, m.group(3), m.group(4) is not None, inner, opening, closing,
            trailing, whole,
        )  # fmt: skip
        out += (text[pos : m.start()], render(shortcode))
        pos = end + len(trailing)
    out.append(text[pos:])
    return "".join(out)


# --------------------------------------------------------------------------- audio, video


def _sources(attrs: dict[str, str], kinds: tuple[str, ...], files: Attachments) -> list[str] | str:
    """The files to offer, in WordPress's order; a str is the link WordPress makes instead
    (a ``src`` that is not of these types); [] when there is nothing to play."""
    src = (attrs.get("src") or _positional_url(attrs)).strip()
    if src and extension(src) not in kinds:
        return src
    urls = [src] if src else []
    urls += [attrs[k].strip() for k in kinds if attrs.get(k, "").strip()]
    if not any(extension(u) in kinds for u in urls):
        attached = files.first(kinds)
        urls = [attached] if attached else []
    return [u for u in dict.fromkeys(urls) if is_safe_url(u)]


def media_element(
    tag: str, urls: list[str], attrs: dict[str, str], label: str | None = None
) -> str:
    """``<audio>``/``<video>`` with WordPress's attributes, a ``<source>`` per file and a
    link to the first as the fallback."""
    parts = [f'class="wp-{tag}-shortcode"']
    if tag == "video":
        width, height = _dims(attrs, 640, 360)
        parts.append(f'width="{width}" height="{height}"')
        poster = attrs.get("poster", "").strip()
        if poster and is_safe_url(poster):
            parts.append(f'poster="{esc(poster)}"')
    for name in ("loop", "autoplay") + (("muted",) if tag == "video" else ()):
        if _flag(attrs, name):
            parts.append(f'{name}="1"')
    preload = attrs.get("preload", "none" if tag == "audio" else "metadata").strip()
    if preload:
        parts.append(f'preload="{esc(preload)}"')
    sources = "".join(
        f'<source type="{_MIME.get(extension(u), tag)}" src="{esc(u)}" />' for u in urls
    )
    # WordPress's fallback shows the URL; the file's name reads better and, unlike the
    # link itself, would not be moved to the media host.
    fallback = _fallback(urls[0], label or file_name(urls[0]))
    return f'<{tag} {" ".join(parts)} controls="controls">{sources}{fallback}</{tag}>'


def audio(attrs: dict[str, str], files: Attachments) -> str:
    urls = _sources(attrs, AUDIO, files)
    if isinstance(urls, str):
        return f'<a class="wp-embedded-audio" href="{esc(urls)}">{html.escape(urls)}</a>'
    return media_element("audio", urls, attrs) if urls else ""


def video(attrs: dict[str, str], inner: str, files: Attachments, embeds: str) -> str:
    src = (attrs.get("src") or _positional_url(attrs)).strip()
    player = provider_iframe(src, attrs) if src and embeds == "iframe" else None
    if player:
        return player
    urls = _sources(attrs, VIDEO, files)
    if isinstance(urls, str):
        return f'<a class="wp-embedded-video" href="{esc(urls)}">{html.escape(urls)}</a>'
    if not urls:
        return ""
    element = media_element("video", urls, attrs)
    # WordPress puts the shortcode's content (<track>s) inside the element, on one line.
    tracks = re.sub(r"[\r\n\t]", "", inner).strip()
    if tracks:
        element = element.replace("</video>", tracks + "</video>")
    width, _ = _dims(attrs, 640, 360)
    return f'<div style="width: {width}px;" class="wp-video">{element}</div>'


def playlist(attrs: dict[str, str], files: Attachments) -> str:
    tag = "video" if attrs.get("type", "").lower() == "video" else "audio"
    kinds = VIDEO if tag == "video" else AUDIO
    tracks = []
    for item in files.pick(attrs, lambda ext: ext in kinds):
        url = str(item["url"])
        title = str(item.get("title") or "") or file_name(url)
        element = media_element(tag, [url], {}, title)
        tracks.append(
            f"<li><figure>{element}<figcaption>{html.escape(title)}</figcaption></figure></li>"
        )
    if not tracks:
        return ""
    return f'<figure class="wp-playlist wp-{tag}-playlist"><ol>{"".join(tracks)}</ol></figure>'


def gallery(attrs: dict[str, str], files: Attachments) -> str:
    images = []
    link = attrs.get("link", "").lower()
    # Images: anything but sound and video (an attachment's URL may lack an extension).
    for item in files.pick(attrs, lambda ext: ext not in AUDIO and ext not in VIDEO):
        url = str(item["url"])
        img = f'<img src="{esc(url)}" alt="{esc(str(item.get("alt") or ""))}">'
        if link != "none":
            img = f'<a href="{esc(url)}">{img}</a>'
        caption = item.get("caption") or ""
        figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
        images.append(f"<figure>{img}{figcaption}</figure>")
    if not images:
        return ""
    columns = attrs.get("columns", "3")
    columns = columns if columns.isdigit() else "3"
    return f'<figure class="wp-block-gallery columns-{columns}">{"".join(images)}</figure>'


# --------------------------------------------------------------------------- embeds

_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_YOUTUBE_HOSTS = frozenset(
    {
        "youtube.com",
        "www.youtube.com",
        "m.youtube.com",
        "youtube-nocookie.com",
        "www.youtube-nocookie.com",
    }
)
_VIMEO_HOSTS = frozenset({"vimeo.com", "www.vimeo.com", "player.vimeo.com"})
_ALLOW = "accelerometer; autoplay; clipboard-write; encrypted-media; gyroscope; picture-in-picture"


def _video_id(url: str) -> tuple[str, str] | None:
    """``("youtube", id)`` or ``("vimeo", id)`` for a video page of those providers."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower()
    segments = [s for s in parts.path.split("/") if s]
    candidate = ""
    if host in _YOUTUBE_HOSTS:
        if segments[:1] == ["watch"]:
            candidate = (parse_qs(parts.query).get("v") or [""])[0]
        elif len(segments) >= 2 and segments[0] in ("embed", "shorts", "v", "live"):
            candidate = segments[1]
        if _YOUTUBE_ID.fullmatch(candidate):
            return "youtube", candidate
    elif host == "youtu.be" and segments and _YOUTUBE_ID.fullmatch(segments[0]):
        return "youtube", segments[0]
    elif host in _VIMEO_HOSTS:
        digits = [s for s in segments if s.isdigit()]
        if digits:
            return "vimeo", digits[0]
    return None


def provider_iframe(url: str, attrs: dict[str, str]) -> str | None:
    found = _video_id(url)
    if found is None:
        return None
    provider, video_id = found
    src = (
        f"https://www.youtube.com/embed/{video_id}"
        if provider == "youtube"
        else f"https://player.vimeo.com/video/{video_id}"
    )
    width, height = _dims(attrs, 640, 360)
    title = "YouTube video" if provider == "youtube" else "Vimeo video"
    return (
        f'<iframe width="{width}" height="{height}" src="{src}" title="{title}" '
        f'frameborder="0" allow="{_ALLOW}" allowfullscreen></iframe>'
    )


def embed(url: str, attrs: dict[str, str], files: Attachments, embeds: str) -> str:
    """One embedded URL, as WordPress's embed handlers would render it."""
    url = url.strip()
    ext = extension(url)
    if url.lower().startswith(("http://", "https://")) and ext in AUDIO:
        return audio({**attrs, "src": url}, files)
    if url.lower().startswith(("http://", "https://")) and ext in VIDEO:
        return video({**attrs, "src": url}, "", files, embeds)
    if embeds == "iframe":
        player = provider_iframe(url, attrs)
        if player:
            return player
    # A javascript: "URL" stays text, as WordPress's esc_url() leaves no link.
    return _fallback(url) if is_safe_url(url) else html.escape(url)


_OWN_LINE = re.compile(r"^([ \t]*)(https?://[^\s<>\"]+)([ \t]*)$", re.I | re.M)
_OWN_P = re.compile(r"(<p(?: [^>]*)?>\s*)(https?://[^\s<>\"]+)(\s*</p>)", re.I)
_IN_TAG = re.compile(r"<[^>]*>")
_LINE_BREAK = "<!-- wp-line-break -->"


def autoembed(text: str, render: Callable[[str], str]) -> str:
    """WordPress's autoembed: a URL alone on its line, or alone in a ``<p>``, embedded.
    Newlines inside tags are hidden first, so a tag split over lines is left alone."""
    if "http" not in text:
        return text
    # Hiding newlines only joins lines, and the marker holds "<", ">" and spaces, which no
    # URL match spans: without a match in the text as it is, there is none after it either.
    if _LINE_BREAK not in text and not _OWN_LINE.search(text) and not _OWN_P.search(text):
        return text
    text = _IN_TAG.sub(lambda m: m.group(0).replace("\n", _LINE_BREAK), text)
    text = _OWN_LINE.sub(lambda m: m.group(1) + render(m.group(2)) + m.group(3), text)
    text = _OWN_P.sub(lambda m: m.group(1) + render(m.group(2)) + m.group(3), text)
    return text.replace(_LINE_BREAK, "\n")
