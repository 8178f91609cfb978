from pathlib import Path

import pytest

from migrator.errors import ConfigError
from migrator.model import check_fields, load_content_model, parse_content_model

EXAMPLE = Path(__file__).parent.parent / "mappings" / "content-model.toml"


def test_example_model_covers_every_field_type():
    from migrator.model import FIELD_TYPES

    model = load_content_model(EXAMPLE)
    seen = {f.type for pt in model.page_types.values() for f in pt.fields.values()}
    assert seen == FIELD_TYPES
    assert model.default_locale == "en" and "es" in model.locales
    assert model.author(email="ADA@example.com").slug == "ada-lovelace"


def test_bad_model_reports_every_problem_with_its_key():
    raw = {
        "locales": {"default": "fr", "available": ["en"]},
        "page_types": {"p": {"fields": {"a": {"type": "nope"}, "b": {"type": "dropdown"}}}},
        "collections": {"c": {"fields": {"r": {"type": "repeater"}}}},
    }
    with pytest.raises(ConfigError) as err:
        parse_content_model(raw, "model.toml")
    text = str(err.value)
    assert "locales.default" in text
    assert "page_types.p.fields.a: unknown field type 'nope'" in text
    assert "page_types.p.fields.b: a dropdown needs options" in text
    assert "collections.c.fields.r: collections cannot hold repeater" in text


def test_check_fields_names_each_bad_value():
    model = load_content_model(EXAMPLE)
    fields = model.page_types["landing_page"].fields
    values = {name: f.empty_value() for name, f in fields.items()}
    values.update(
        headline="Hi",
        theme="blue",
        price="ten",
        launch_date="yesterday",
        team=["abc"],
        accent="red",
        sections=[{"banner": {}}],
    )
    errors = check_fields(fields, values, require_all_keys=True)
    joined = "\n".join(errors)
    assert "fields.theme: 'blue' is not one of ['light', 'dark']" in joined
    assert "fields.price: expected a number, got 'ten'" in joined
    assert "fields.launch_date: expected an ISO 8601 date" in joined
    assert "fields.team: a collection reference is a numeric item id" in joined
    assert "fields.accent: expected a hex colour" in joined
    assert "fields.sections[0]: component 'banner' not allowed" in joined
    del values["summary"]
    values.update(
        theme="dark",
        price=10,
        launch_date="2024-01-01",
        team=[1],
        accent="#fff",
        sections=[{"quote": {"text": "x"}}],
    )
    assert check_fields(fields, values, require_all_keys=True) == [
        "fields.summary: missing (send '' when empty)"
    ]


def test_required_sub_fields_of_whole_values_must_be_sent():
    # Repeater items and components are sent whole, so leaving out a required
    # sub-field is an error even in a partial update.
    model = load_content_model(EXAMPLE)
    fields = model.page_types["landing_page"].fields
    values = {"faq": [{"answer": "42"}], "sections": [{"hero": {"image": ""}}]}
    errors = check_fields(fields, values, require_all_keys=False)
    assert errors == [
        "fields.faq[0].question: required",
        "fields.sections[0].hero.headline: required",
    ]


def test_an_author_keeps_the_profile_keys_butter_reads_back():
    raw = {
        "authors": [
            {"email": "a@x.org", "slug": "a", "bio": "Writes", "twitter_handle": "ax", "age": 3},
            {"email": "b@x.org", "slug": "b"},
        ]
    }
    model = parse_content_model(raw, "model.toml")
    # Unknown keys (age) are not Butter's: left out.
    assert model.author(slug="a").profile == {"bio": "Writes", "twitter_handle": "ax"}
    assert model.author(slug="b").profile == {}
