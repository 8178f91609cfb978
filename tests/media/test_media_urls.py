"""``media_urls``: every URL a payload makes Butter download, with its field path."""

from __future__ import annotations

from typing import Any

import pytest

from migrator.mapping import Payload
from migrator.media import media_urls
from migrator.media.urls import field_name, is_played
from migrator.model import ContentModel, parse_content_model
from migrator.records import Location

CDN = "https://cdn.buttercms.com/AbCdEf"


@pytest.fixture(scope="module")
def model() -> ContentModel:
    raw = {
        "locales": {"default": "en", "available": ["en", "es"]},
        "components": {
            "hero": {"fields": {"headline": "short_text", "image": "media"}},
            "quote": {"fields": {"text": "long_text"}},
        },
        "page_types": {
            "landing": {
                "fields": {
                    "headline": "short_text",
                    "intro": "wysiwyg",
                    "hero_image": "media",
                    "gallery": {
                        "type": "repeater",
                        "fields": {"caption": "short_text", "picture": "media"},
                    },
                    "banner": {"type": "component", "component": "hero"},
                    "sections": {"type": "component_picker", "components": ["hero", "quote"]},
                }
            }
        },
        "collections": {"people": {"fields": {"name": "short_text", "photo": "media"}}},
    }
    return parse_content_model(raw, "model.toml")


def payload(kind: str, target: str | None, body: dict[str, Any]) -> Payload:
    return Payload(kind, target, "id-1", None, body, None, None, Location("in.csv", 2))


def test_page_fields_nested_in_repeaters_components_and_pickers(model) -> None:
    fields = {
        "headline": "https://not-media.example.com/x.jpg",  # a text field: not fetched
        "hero_image": "https://old.example.com/hero.jpg",
        "gallery": [
            {"caption": "a", "picture": "https://old.example.com/g0.jpg"},
            {"caption": "b", "picture": ""},
            {"caption": "c", "picture": CDN},
        ],
        "banner": {"headline": "h", "image": "https://old.example.com/banner.jpg"},
        "sections": [
            {"quote": {"text": "q"}},
            {"hero": {"headline": "h", "image": "https://old.example.com/s1.jpg"}},
        ],
    }
    body = {"title": "t", "slug": "t", "page_type": "landing", "fields": fields}
    assert list(media_urls(payload("page", "landing", body), model)) == [
        ("hero_image", "https://old.example.com/hero.jpg"),
        ("gallery[0].picture", "https://old.example.com/g0.jpg"),
        ("banner.image", "https://old.example.com/banner.jpg"),
        ("sections[1].hero.image", "https://old.example.com/s1.jpg"),
    ]


def test_multi_locale_page_names_the_locale(model) -> None:
    body = {
        "title": "t",
        "slug": "t",
        "page_type": "landing",
        "fields": {
            "en": {"hero_image": "https://old.example.com/en.jpg", "gallery": []},
            "es": {"hero_image": "https://old.example.com/es.jpg", "banner": {"image": ""}},
        },
    }
    assert list(media_urls(payload("page", "landing", body), model)) == [
        ("hero_image (en)", "https://old.example.com/en.jpg"),
        ("hero_image (es)", "https://old.example.com/es.jpg"),
    ]


def test_collection_items_single_and_multi_locale(model) -> None:
    single = {
        "key": "people",
        "status": "published",
        "fields": [{"name": "A", "photo": "http://h/a.png"}],
    }
    multi = {
        "key": "people",
        "status": "published",
        "fields": [{"en": {"name": "A", "photo": "http://h/a.png"}, "es": {"photo": CDN}}],
    }
    assert list(media_urls(payload("collection", "people", single), model)) == [
        ("photo", "http://h/a.png")
    ]
    assert list(media_urls(payload("collection", "people", multi), model)) == [
        ("photo (en)", "http://h/a.png")
    ]


def test_post_featured_image_and_body_images_only_when_uploaded(model) -> None:
    html = (
        '<p><img src="https://old.example.com/a.jpg" alt="a">'
        '<img src="/relative/b.jpg"><img src="data:image/png;base64,xx">'
        f'<img src="{CDN}"><img src="https://old.example.com/c.jpg?w=1&amp;h=2"></p>'
        '<a href="https://old.example.com/page">a link</a>'
    )
    body = {
        "title": "t",
        "slug": "t",
        "featured_image": "https://old.example.com/feature.jpg",
        "body": html,
        "upload_images_to_media_library": True,
    }
    assert list(media_urls(payload("post", None, body), model)) == [
        ("featured_image", "https://old.example.com/feature.jpg"),
        ("body <img>", "https://old.example.com/a.jpg"),
        ("body <img>", "https://old.example.com/c.jpg?w=1&h=2"),
    ]
    not_uploaded = {**body, "upload_images_to_media_library": False, "featured_image": ""}
    assert list(media_urls(payload("post", None, not_uploaded), model)) == []


def test_field_name_is_the_top_level_field() -> None:
    assert [
        field_name(p)
        for p in ("photo", "gallery[0].picture", "banner.image", "hero_image (es)", "body <img>")
    ] == ["photo", "gallery", "banner", "hero_image", "body"]


def test_public_api() -> None:
    import migrator.media

    assert all(hasattr(migrator.media, name) for name in migrator.media.__all__)


def test_problems_keep_every_url_on_disk_and_only_the_first_in_memory() -> None:
    from migrator.media.prepass import KEEP_FIRST, MediaProblem, MediaUse, Problems

    problems = Problems()
    use = MediaUse("r1", "export.xml:3", "photo")
    for n in range(5_000):  # a gone host: every URL of it dead
        problems.add(MediaProblem(f"https://gone.example/{n}.jpg", "connection refused", use))
    problems.add(MediaProblem("https://gone.example/0.jpg", "again", use))  # counted once
    assert len(problems) == 5_000 and len(problems.first) == KEEP_FIRST
    assert problems["https://gone.example/4999.jpg"] == "connection refused"
    assert problems["https://gone.example/0.jpg"] == "connection refused", "the first reason"
    assert "https://gone.example/5000.jpg" not in problems


def test_a_posts_audio_and_video_files_are_checked_uploaded_or_not(model) -> None:
    # Butter copies none of them: a dead one is a post that plays nothing.
    html = (
        '<audio controls src="https://old.example.com/a.mp3"></audio>'
        '<video poster="https://old.example.com/p.jpg"><source src="https://old.example.com/v.mp4">'
        '<track src="https://old.example.com/v.vtt"><source src="/relative.webm"></video>'
        '<picture><source srcset="https://old.example.com/s.webp"><img src="https://old.example.com/i.jpg"></picture>'
    )
    body = {"title": "t", "slug": "t", "body": html, "upload_images_to_media_library": False}
    assert list(media_urls(payload("post", None, body), model)) == [
        ("body <audio>", "https://old.example.com/a.mp3"),
        ("body <video poster>", "https://old.example.com/p.jpg"),
        ("body <source>", "https://old.example.com/v.mp4"),
        ("body <track>", "https://old.example.com/v.vtt"),
    ]
    assert is_played("body <audio>") and not is_played("body <img>")


def test_a_pages_html_fields_have_their_audio_and_video_checked(model) -> None:
    intro = '<p><img src="https://old.example.com/i.jpg"></p><audio src="https://old.example.com/a.mp3">'
    body = {
        "title": "t",
        "slug": "t",
        "page_type": "landing",
        "fields": {
            "en": {"intro": intro},
            "es": {"intro": "<video poster='https://o.test/p.jpg'>"},
        },
    }
    found = list(media_urls(payload("page", "landing", body), model))
    assert found == [
        ("intro <audio> (en)", "https://old.example.com/a.mp3"),
        ("intro <video poster> (es)", "https://o.test/p.jpg"),
    ]  # the page's <img> is not fetched by Butter: listed in the warnings, not checked
    assert all(is_played(path) for path, _ in found)
    assert [field_name(path) for path, _ in found] == ["intro", "intro"]
