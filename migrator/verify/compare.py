"""What was sent versus what the Read API returns: the differences, as readable lines.

Pure functions. Butter changes some values on the way in, on purpose; those are
normalised before comparing:

- media: any URL goes in, a ``https://cdn.buttercms.com/...`` URL comes out (Butter
  downloaded it). A media field still holding the original URL was not rewritten.
- component pickers: ``[{"hero": {...}}]`` goes in, ``[{"type": "hero", "fields": {...}}]``
  comes out.
- references: ids (or slugs) go in; a read may give ids, or the referenced objects.
- dates: ``2021-03-15`` and ``2021-03-15T00:00:00`` are the same date; numbers compare as
  numbers.
- post bodies with ``upload_images_to_media_library``: ``<img src>`` are moved to the CDN.
- a post's ``published`` is compared as an instant (``diff_published``), apart from the
  rest: a Butter that keeps its own dates is told of once, not failed record by record.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from migrator.model import Field, is_empty
from migrator.records import JsonObject, JsonValue

CDN_PREFIX = "https://cdn.buttercms.com/"
_IMG_SRC = re.compile(r"""(<img\b[^>]*?\bsrc\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_SHOWN = 60


def shown(value: JsonValue) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def diff_fields(
    fields: dict[str, Field], sent: JsonObject, got: JsonValue, path: str = ""
) -> list[str]:
    """Every field of ``sent`` that ``got`` does not hold as Butter would store it."""
    if not isinstance(got, dict):
        return [f"{path or 'fields'}: read back {shown(got)}, expected an object"]
    out: list[str] = []
    for name, value in sent.items():
        where = f"{path}{name}"
        if name not in got:
            out.append(f"{where}: not in the item read back")
            continue
        f = fields.get(name)
        out.extend(diff_value(f, value, got[name], where))
    return out


def diff_value(f: Field | None, sent: JsonValue, got: JsonValue, where: str) -> list[str]:
    kind = f.type if f is not None else None
    if kind == "media":
        return _diff_media(sent, got, where)
    if is_empty(sent) and is_empty(got):
        return []
    if f is not None and kind == "component" and isinstance(sent, dict):
        return diff_fields(f.fields, sent, got, f"{where}.")
    if f is not None and kind == "repeater" and isinstance(sent, list):
        return _diff_list(
            sent, got, where, lambda i, s, g: diff_fields(f.fields, s, g, f"{where}[{i}].")
        )
    if f is not None and kind == "component_picker" and isinstance(sent, list):
        return _diff_picker(f, sent, got, where)
    if kind == "reference":
        if _ref_keys(sent) != _ref_keys(got):
            return [f"{where}: sent {shown(sent)}, read back {shown(got)}"]
        return []
    if kind == "date":
        if _date(sent) != _date(got):
            return [f"{where}: sent {shown(sent)}, read back {shown(got)}"]
        return []
    if same_scalar(sent, got):
        return []
    return [f"{where}: sent {shown(sent)}, read back {shown(got)}"]


def same_scalar(sent: JsonValue, got: JsonValue) -> bool:
    if isinstance(sent, bool) or isinstance(got, bool):
        return sent is got or (is_empty(sent) and got is False) or (sent is False and is_empty(got))
    if isinstance(sent, int | float) and isinstance(got, int | float | str):
        try:
            return float(sent) == float(got)
        except ValueError:
            return False
    return bool(sent == got)


def _diff_media(sent: JsonValue, got: JsonValue, where: str) -> list[str]:
    if is_empty(sent):
        return [] if is_empty(got) else [f"{where}: sent empty, read back {shown(got)}"]
    if not isinstance(got, str) or not got:
        return [f"{where}: media missing (sent {shown(sent)}, read back {shown(got)})"]
    if isinstance(sent, str) and sent.startswith(CDN_PREFIX):
        return [] if got == sent else [f"{where}: sent {shown(sent)}, read back {shown(got)}"]
    if not got.startswith(CDN_PREFIX):
        return [f"{where}: media not rewritten to the CDN (still {shown(got)})"]
    return []


def _diff_list(
    sent: list[JsonValue],
    got: JsonValue,
    where: str,
    each: Callable[[int, JsonValue, JsonValue], list[str]],
) -> list[str]:
    if not isinstance(got, list) or len(got) != len(sent):
        n = len(got) if isinstance(got, list) else shown(got)
        return [f"{where}: sent {len(sent)} items, read back {n}"]
    out: list[str] = []
    for i, (s, g) in enumerate(zip(sent, got, strict=True)):
        out.extend(each(i, s, g))
    return out


def _diff_picker(f: Field, sent: list[JsonValue], got: JsonValue, where: str) -> list[str]:
    def each(i: int, s: JsonValue, g: JsonValue) -> list[str]:
        ((cname, cvalues),) = s.items()
        if not isinstance(g, dict) or g.get("type") != cname:
            kind = g.get("type") if isinstance(g, dict) else shown(g)
            return [f"{where}[{i}]: sent component {cname!r}, read back {kind!r}"]
        return diff_fields(f.choices.get(cname, {}), cvalues, g.get("fields"), f"{where}[{i}].")

    return _diff_list(sent, got, where, each)


def _ref_keys(value: JsonValue) -> list[str]:
    items = value if isinstance(value, list) else [] if is_empty(value) else [value]
    keys = []
    for item in items:
        if isinstance(item, dict):  # the referenced object itself
            meta = item.get("meta")
            item = meta.get("id") if isinstance(meta, dict) else item.get("id", item.get("slug"))
        keys.append(str(item))
    return keys


def _date(value: JsonValue) -> JsonValue:
    if not isinstance(value, str):
        return value
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return text
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


# ------------------------------------------------------------------------ blog posts

POST_TEXT = ("title", "summary", "seo_title", "meta_description", "featured_image_alt")


def diff_post(sent: JsonObject, got: JsonObject) -> list[str]:
    out: list[str] = []
    for key in POST_TEXT:
        if key in sent and not same_scalar(sent[key] or "", got.get(key) or ""):
            out.append(f"{key}: sent {shown(sent[key])}, read back {shown(got.get(key))}")
    if "body" in sent:
        body_sent, body_got = sent["body"] or "", got.get("body") or ""
        if sent.get("upload_images_to_media_library"):
            if _img_srcs_not_on_cdn(body_got):
                out.append("body: <img> not copied to the media library (src not on the CDN)")
            body_sent, body_got = _mask_img(body_sent), _mask_img(body_got)
        if body_sent != body_got:
            out.append(f"body: sent {shown(body_sent)}, read back {shown(body_got)}")
    if "featured_image" in sent:
        out.extend(_diff_media(sent["featured_image"], got.get("featured_image"), "featured_image"))
    if sent.get("status") and sent["status"] != got.get("status", sent["status"]):
        out.append(f"status: sent {sent['status']!r}, read back {got.get('status')!r}")
    for key in ("categories", "tags"):
        if key in sent:
            names = [str(x.get("name") if isinstance(x, dict) else x) for x in got.get(key) or []]
            if sorted(sent[key] or []) != sorted(names):
                out.append(f"{key}: sent {shown(sent[key])}, read back {shown(names)}")
    author = sent.get("author")
    if isinstance(author, dict):
        got_author = got.get("author") or {}
        for by, value in author.items():
            if str(got_author.get(by, "")).lower() != str(value).lower():
                out.append(f"author: sent {by} {value!r}, read back {shown(got_author.get(by))}")
    return out


def diff_published(sent: JsonObject, got: JsonObject) -> str | None:
    """How the post's date read back differs from the one sent; None when it is the same
    instant, when none was sent, or for a draft read back undated (not published yet)."""
    date = sent.get("published")
    if not isinstance(date, str) or not date:
        return None
    have = got.get("published")
    if is_empty(have):
        if sent.get("status") != "published":
            return None
        return f"published: sent {date!r}, read back none"
    if _date(date) == _date(have):
        return None
    return f"published: sent {shown(date)}, read back {shown(have)}"


def _mask_img(html: str) -> str:
    return _IMG_SRC.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(2)}", html)


def _img_srcs_not_on_cdn(html: str) -> bool:
    return any(
        m.group(3).startswith(("http://", "https://")) and not m.group(3).startswith(CDN_PREFIX)
        for m in _IMG_SRC.finditer(html)
    )
