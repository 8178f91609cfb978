"""qTranslate's one-field-many-languages markup: ``[:en]Hello[:es]Hola[:]`` or
``<!--:en-->Hello<!--:--><!--:es-->Hola<!--:-->`` (the older comment form).

WordPress content knowledge, here so that the WXR reader (which keeps the markers, and
with ``qtranslate_split`` makes one record per language), its describe (which locales a
site has) and the mapping's ``qtranslate`` transform (one language out of a field) read
it the same way.

qTranslate(-X, -XT) writes the markup into the post's title, content and excerpt, and
into custom fields and term names where a site put it there; the translations of term
names its admin screen makes live in the ``qtranslate_term_name`` option, which a WXR
export does not hold (the export has the default language's name only).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from migrator.records import RecordWarning

_CODE = r"[a-z]{2,3}(?:[_-][A-Za-z]{2,4})?"
_QT_BRACKET = re.compile(rf"\[:({_CODE})?\]")
_QT_COMMENT = re.compile(rf"<!--:({_CODE})?-->")
# The text of an XML comment that is one of qTranslate's markers (``:fr`` or ``:``).
_MARKER_TEXT = re.compile(rf":(?:{_CODE})?")
# The record data keys whose text qTranslate marks up (qtranslate_split resolves them).
SPLIT_FIELDS = ("title", "excerpt", "content")


def is_marker_comment(text: str) -> bool:
    """Whether an XML comment's text (``:fr`` of ``<!--:fr-->``) is a qTranslate marker."""
    return bool(_MARKER_TEXT.fullmatch(text))


def qtranslate_languages(text: str) -> set[str]:
    """The language codes qTranslate markup in ``text`` names."""
    return set(languages_in_order(text))


def languages_in_order(text: str) -> list[str]:
    """The language codes in ``text``, in the order they first appear."""
    if ":" not in text:  # every marker has one; most text has none (a quick look)
        return []
    found = [
        (m.start(), m.group(1))
        for pattern in (_QT_BRACKET, _QT_COMMENT)
        for m in pattern.finditer(text)
        if m.group(1)
    ]
    return list(dict.fromkeys(code for _, code in sorted(found)))


def qtranslate_parts(text: str) -> dict[str, str] | None:
    """``{language: its text}`` of qTranslate markup; None when ``text`` has none."""
    for pattern in (_QT_BRACKET, _QT_COMMENT):
        if not pattern.search(text):
            continue
        parts: dict[str, str] = {}
        current: str | None = None
        pos = 0
        for m in pattern.finditer(text):
            if current:
                parts[current] = parts.get(current, "") + text[pos : m.start()]
            current = m.group(1)
            pos = m.end()
        if current:
            parts[current] = parts.get(current, "") + text[pos:]
        return parts or None
    return None


def qtranslate_text(text: str, locale: str, fallback: str = "") -> str:
    """The ``locale`` part of qTranslate markup; the ``fallback`` language's when
    ``locale`` has none, else ``""``; text without markup unchanged (markers without a
    language, ``[:]`` alone, are removed)."""
    parts = qtranslate_parts(text)
    if parts is None:
        if _QT_BRACKET.search(text) or _QT_COMMENT.search(text):
            return _QT_COMMENT.sub("", _QT_BRACKET.sub("", text))
        return text
    if parts.get(locale, "").strip() or not fallback:
        return parts.get(locale, "")
    return parts.get(fallback, "")


def qtranslate_first(text: str) -> str:
    """The text of the first language in ``text`` (all of it when it has no markup)."""
    languages = languages_in_order(text)
    return qtranslate_text(text, languages[0]) if languages else text


def is_marked_up(text: str) -> bool:
    """Whether ``text`` is qTranslate markup: a language marker and the closing one
    (``[:]``, ``<!--:-->``), which qTranslate always writes; ``x[:end]`` in a code sample
    alone is not."""
    return ":" in text and ("[:]" in text or "<!--:-->" in text) and bool(languages_in_order(text))


def item_languages(data: Mapping[str, Any]) -> list[str]:
    """The languages of an item's title, excerpt and content (those marked up), in order
    of appearance."""
    for key in SPLIT_FIELDS:  # every marker has a ":"; most items have none
        if ":" in data[key]:
            break
    else:
        return []
    return list(
        dict.fromkeys(
            code
            for key in SPLIT_FIELDS
            if is_marked_up(data[key])
            for code in languages_in_order(data[key])
        )
    )


def qtranslate_note(path: Any, counts: dict[str, int]) -> str:
    """The run's note when items carry qTranslate markup and are read whole."""
    langs = ", ".join(f"{code} {n:,}" for code, n in counts.items())
    return (
        f"{path}: qTranslate markup, every language in one field (items per language: "
        f'{langs}): a field that does not pick one with {{ name = "qtranslate", locale = '
        '"..." } sends them all, markers included; qtranslate_split = true in [source] '
        "makes one record per language instead (blog posts)"
    )


def split_item(
    identity: str, data: dict[str, Any], default: str | None, slugify: Callable[[str], str]
) -> list[tuple[str, dict[str, Any], list[RecordWarning]]]:
    """``qtranslate_split``: ``(identity, data, warnings)`` per language (see
    ``split_languages``). The primary language keeps the item's identity and slug (made
    from its own title when the item has no ``post_name``); the others are
    ``<identity>:<lang>`` with slug ``<slug>-<lang>``; all have the item's identity as
    their ``translation_group``."""
    out = []
    slug = data["slug"]
    for n, (language, copy, warnings) in enumerate(split_languages(data, default)):
        if n == 0 and not data["post_name"]:
            slug = copy["slug"] = slugify(copy["title"]) or slug
        elif n:
            copy["slug"] = f"{slug}-{language}"
        copy["translation_group"] = identity
        out.append((f"{identity}:{language}" if n else identity, copy, warnings))
    return out


def split_languages(
    data: dict[str, Any], default: str | None
) -> list[tuple[str, dict[str, Any], list[RecordWarning]]]:
    """One item's data per language its title, excerpt or content is written in:
    ``(language, data, warnings)``, the primary language (``default`` if the item has
    it, else its first) first. A field without text in a language gets the primary
    language's (else the first it has), with a warning; a field or a term name without
    markup is the same in every language. No markup at all: an empty list."""
    languages = item_languages(data)
    if not languages:
        return []
    primary = default if default in languages else languages[0]
    languages.remove(primary)
    out = []
    for language in (primary, *languages):
        copy = dict(data)
        warnings: list[RecordWarning] = []
        for key in SPLIT_FIELDS:
            parts = qtranslate_parts(data[key]) if is_marked_up(data[key]) else None
            if parts is None:
                continue
            copy[key] = parts.get(language, "")
            if copy[key].strip():
                continue
            # Missing in this language: the primary language's text, else the first.
            other = next((c for c in (primary, *parts) if parts.get(c, "").strip()), None)
            if other is not None:
                copy[key] = parts[other]
                warnings.append(
                    RecordWarning(
                        "a language missing in qTranslate markup, another sent in its "
                        f"place: the {key} has no {language!r} text; the {other!r} text is sent",
                        field=key,
                    )
                )
        copy["content_with_media"] = {**data["content_with_media"], "content": copy["content"]}
        copy["terms"] = {
            taxonomy: [_term(t, language, primary) for t in terms]
            for taxonomy, terms in data["terms"].items()
        }
        copy["categories"] = copy["terms"].get("category", [])
        copy["tags"] = copy["terms"].get("post_tag", [])
        copy["language"] = language
        out.append((language, copy, warnings))
    return out


def _term(term: dict[str, str], language: str, primary: str) -> dict[str, str]:
    if not is_marked_up(term["name"]):
        return term
    return {**term, "name": qtranslate_text(term["name"], language, primary)}
