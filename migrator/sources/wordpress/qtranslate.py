"""qTranslate's one-field-many-languages markup: ``[:en]Hello[:es]Hola[:]`` or
``<!--:en-->Hello<!--:--><!--:es-->Hola<!--:-->`` (the older comment form).

WordPress content knowledge, here so that both the WXR describe (which locales a site
has) and the mapping's ``qtranslate`` transform (one language out of a field) read it
the same way.
"""

from __future__ import annotations

import re

_QT_BRACKET = re.compile(r"\[:([a-z]{2,3}(?:[_-][A-Za-z]{2,4})?)?\]")
_QT_COMMENT = re.compile(r"<!--:([a-z]{2,3}(?:[_-][A-Za-z]{2,4})?)?-->")


def qtranslate_languages(text: str) -> set[str]:
    """The language codes qTranslate markup in ``text`` names."""
    return {m.group(1) for m in _QT_BRACKET.finditer(text) if m.group(1)} | {
        m.group(1) for m in _QT_COMMENT.finditer(text) if m.group(1)
    }


def qtranslate_text(text: str, locale: str) -> str:
    """The ``locale`` part of qTranslate markup; ``""`` when that language is missing;
    text without markup unchanged."""
    for pattern in (_QT_BRACKET, _QT_COMMENT):
        if not pattern.search(text):
            continue
        parts: dict[str, str] = {}
        current: str | None = None
        pos = 0
        outside = []
        for m in pattern.finditer(text):
            chunk = text[pos : m.start()]
            if current:
                parts[current] = parts.get(current, "") + chunk
            else:
                outside.append(chunk)
            current = m.group(1)
            pos = m.end()
        tail = text[pos:]
        if current:
            parts[current] = parts.get(current, "") + tail
        else:
            outside.append(tail)
        return parts.get(locale, "") if parts else "".join(outside)
    return text
