"""qTranslate markup (migrator.sources.wordpress.qtranslate); the mapping's ``qtranslate``
transform is tested with the other transforms in tests/mapping."""

from __future__ import annotations

import pytest

from migrator.sources import qtranslate_languages, qtranslate_text


@pytest.mark.parametrize(
    ("text", "languages"),
    [
        ("[:en]Hello[:es]Hola[:]", {"en", "es"}),
        ("<!--:en-->Hi<!--:--><!--:pt_BR-->Oi<!--:-->", {"en", "pt_BR"}),
        ("[:en]Hi[:] and <!--:de-->Hallo<!--:-->", {"en", "de"}),
        ("No markup [: not a code] [:]", set()),
    ],
)
def test_languages(text: str, languages: set[str]) -> None:
    assert qtranslate_languages(text) == languages


def test_text_keeps_what_is_outside_the_markup_only_without_languages() -> None:
    assert qtranslate_text("[:en]Hello[:es]Hola[:]", "es") == "Hola"
    assert qtranslate_text("before [:] after", "es") == "before  after"
    assert qtranslate_text("<!--:en-->Hi<!--:-->", "fr") == ""
