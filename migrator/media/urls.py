"""Every media URL a payload makes ButterCMS fetch, with where it sits.

Butter downloads each media field's URL into its media library while it applies a write
(and, for a post sent with ``upload_images_to_media_library``, every ``<img src>`` of its
body). What it cannot fetch fails the whole item after the 202, so these are the URLs
worth checking before sending. The sound and video files of HTML fields (``<audio>``,
``<video>``, ``<source>``, ``<track>`` sources and ``<video poster>``) are checked too:
Butter copies none of them, so a dead one plays nothing, every time a reader opens it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from migrator.mapping import img_sources, played_sources
from migrator.model import ContentModel, Field

CDN_PREFIX = "https://cdn.buttercms.com/"
# The body of a post: where its <img> sources come from.
BODY_IMAGES = "body <img>"


def is_played(path: str) -> bool:
    """A path of ``media_urls`` naming a file a browser plays (``body <audio>``,
    ``intro <video poster> (es)``), which Butter never fetches."""
    return " <" in path and " <img>" not in path


def media_urls(payload: Any, model: ContentModel) -> Iterator[tuple[str, str]]:
    """``(field path, url)`` for each media URL of ``payload`` (a ``migrator.mapping.Payload``)
    that Butter would download: empty values and URLs already on Butter's CDN are left out.

    Paths name the field as a user wrote it in the mapping: ``photo``, ``faq[1].image``,
    ``sections[0].hero.image``, ``photo (es)`` in a multi-locale body, ``featured_image``,
    ``body <img>``, ``body <audio>``, ``intro <video poster> (es)``."""
    body = payload.body
    if payload.kind == "post":
        yield from _wanted("featured_image", body.get("featured_image"))
        if body.get("upload_images_to_media_library") is True and isinstance(body.get("body"), str):
            for src in img_sources(body["body"]):
                # Butter (and the emulator) only fetch absolute http(s) sources; a relative
                # or data: source is left in the body as it is.
                if src.startswith(("http://", "https://")):
                    yield from _wanted(BODY_IMAGES, src)
        if isinstance(body.get("body"), str):
            for tag, src in played_sources(body["body"]):
                if src.startswith(("http://", "https://")):
                    yield from _wanted(f"body <{tag}>", src)
        return
    fields = model.fields_of(payload.kind, payload.target or "") or {}
    values = body.get("fields")
    # A collection item's fields are a one-element list; a page's fields an object.
    for item in values if isinstance(values, list) else [values]:
        if not isinstance(item, dict):
            continue
        if _is_multi_locale(item, fields, model):
            for locale, per_locale in item.items():
                if isinstance(per_locale, dict):
                    yield from _walk_fields(fields, per_locale, "", f" ({locale})")
        else:
            yield from _walk_fields(fields, item, "", "")


def field_name(path: str) -> str:
    """The top-level field of a path from ``media_urls``: ``faq[1].image (es)`` → ``faq``."""
    for i, char in enumerate(path):
        if char in ".[ ":
            return path[:i]
    return path


def _is_multi_locale(values: dict[str, Any], fields: dict[str, Field], model: ContentModel) -> bool:
    # Butter's rule: the multi-locale form's top-level keys are locale codes.
    return bool(values) and all(k in model.locales and k not in fields for k in values)


def _walk_fields(
    fields: dict[str, Field], values: dict[str, Any], prefix: str, suffix: str
) -> Iterator[tuple[str, str]]:
    for name, value in values.items():
        f = fields.get(name)
        if f is not None:
            yield from _walk_value(f, value, f"{prefix}{name}", suffix)


def _walk_value(f: Field, value: Any, path: str, suffix: str) -> Iterator[tuple[str, str]]:
    if f.type == "media":
        yield from _wanted(path + suffix, value)
    elif f.type == "wysiwyg" and isinstance(value, str):
        for tag, src in played_sources(value):
            if src.startswith(("http://", "https://")):
                yield from _wanted(f"{path} <{tag}>{suffix}", src)
    elif f.type == "repeater" and isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                yield from _walk_fields(f.fields, item, f"{path}[{i}].", suffix)
    elif f.type == "component" and isinstance(value, dict):
        yield from _walk_fields(f.fields, value, f"{path}.", suffix)
    elif f.type == "component_picker" and isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict) and len(item) == 1:
                ((cname, cvalues),) = item.items()
                if isinstance(cvalues, dict):
                    sub = f.choices.get(cname, {})
                    yield from _walk_fields(sub, cvalues, f"{path}[{i}].{cname}.", suffix)


def _wanted(path: str, value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, str) and value.strip() and not value.startswith(CDN_PREFIX):
        yield path, value
