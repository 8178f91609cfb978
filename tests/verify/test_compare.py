"""What counts as "as sent": Butter's own rewrites are not differences, anything else is."""

import pytest

from migrator.verify import diff_fields, diff_post, diff_published

CDN = "https://cdn.buttercms.com/AbC123"


def test_butters_rewrites_are_not_differences(content_model):
    fields = content_model.fields_of("page", "landing_page")
    sent = {
        "hero_image": "http://old.example.com/a.png",
        "launch_date": "2024-05-01",
        "price": 12,
        "team": [3, 4],
        "sections": [{"hero": {"headline": "Big", "image": "http://old.example.com/b.png"}}],
        "faq": [],
        "featured": False,
    }
    got = {
        "hero_image": CDN,
        "launch_date": "2024-05-01T00:00:00",
        "price": 12.0,
        "team": [{"meta": {"id": 3}, "name": "A"}, {"meta": {"id": 4}, "name": "B"}],
        "sections": [{"type": "hero", "fields": {"headline": "Big", "image": CDN}}],
        "faq": [],
        "featured": False,
    }
    assert diff_fields(fields, sent, got) == []


def test_differences_are_named_by_field(content_model):
    fields = content_model.fields_of("page", "landing_page")
    sent = {
        "hero_image": "http://old.example.com/a.png",
        "headline": "Hello",
        "sections": [{"quote": {"text": "Hi", "cite": ""}}],
        "team": [3],
        "summary": "x",
    }
    got = {
        "hero_image": "http://old.example.com/a.png",
        "headline": "Hi",
        "sections": [{"type": "hero", "fields": {}}],
        "team": [5],
    }
    assert diff_fields(fields, sent, got) == [
        "hero_image: media not rewritten to the CDN (still 'http://old.example.com/a.png')",
        "headline: sent 'Hello', read back 'Hi'",
        "sections[0]: sent component 'quote', read back 'hero'",
        "team: sent [3], read back [5]",
        "summary: not in the item read back",
    ]


def test_posts_compare_names_authors_and_images():
    sent = {
        "title": "T",
        "body": '<p><img src="http://old/x.png"></p>',
        "upload_images_to_media_library": True,
        "categories": ["News"],
        "author": {"email": "ada@example.com"},
        "featured_image": "http://old/y.png",
        "status": "draft",
    }
    got = {
        "title": "T",
        "body": f'<p><img src="{CDN}"></p>',
        "categories": [{"name": "News", "slug": "news"}],
        "author": {"email": "ada@example.com", "slug": "ada"},
        "featured_image": CDN,
        "status": "draft",
    }
    assert diff_post(sent, got) == []
    got["body"] = '<p><img src="http://old/x.png"></p>'
    got["status"] = "published"
    assert diff_post(sent, got) == [
        "body: <img> not copied to the media library (src not on the CDN)",
        "status: sent 'draft', read back 'published'",
    ]


@pytest.mark.parametrize(
    ("sent", "got", "differs"),
    [
        # The same instant, however Butter writes it.
        (
            {"published": "2012-01-07T14:07:21Z"},
            {"published": "2012-01-07T14:07:21.000000Z"},
            False,
        ),
        ({"published": "2012-01-07T14:07:21Z"}, {"published": "2012-01-07T09:07:21-05:00"}, False),
        ({"published": "2012-01-07T14:07:21Z"}, {"published": "2026-12-02T03:00:00Z"}, True),
        ({"status": "published", "published": "2012-01-07T14:07:21Z"}, {"published": None}, True),
        ({"status": "draft", "published": "2012-01-07T14:07:21Z"}, {"published": None}, False),
        ({"title": "no date sent"}, {"published": "2026-12-02T03:00:00Z"}, False),
    ],
)
def test_a_post_date_is_compared_as_an_instant(sent, got, differs) -> None:
    found = diff_published(sent, got)
    assert (found is not None) is differs
    if differs:
        assert found.startswith("published: sent '2012-01-07T14:07:21Z', read back")
