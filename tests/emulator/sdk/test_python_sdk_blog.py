"""The blog reads through ButterCMS's own Python SDK (buttercms-python 2.1.1), aimed at the
emulator: posts, search, authors, categories, tags and feeds answer in Butter's shapes.

Expected key sets come from the SDK's recorded cassettes (ButterCMS/buttercms-python,
tests/fixtures/, commit 9301df8): the single post from the copy in shared/realdata, the
others written out below, since only that one is in shared/.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable
from typing import Any, TypeVar

import aiohttp
import pytest
from lxml import etree
from requests.exceptions import HTTPError
from shared_data import REALDATA, needs_realdata

from migrator.emulator import Emulator, EmulatorConfig, Realism
from migrator.errors import ConfigError
from migrator.model import Author

from .conftest import aim_python_sdk

butter_cms = pytest.importorskip("butter_cms")

pytestmark = pytest.mark.anyio
T = TypeVar("T")

POST_GET = REALDATA / "json" / "buttercms-reference" / "buttercms-python-vcr--test_post_get.json"
# posts/test_post_all.json: a list item has no `deleted` and its url is "/<slug>".
LIST_KEYS = {
    "status", "created", "updated", "published", "title", "slug", "body", "summary",
    "seo_title", "meta_description", "featured_image_alt", "url", "featured_image",
    "author", "tags", "categories",
}  # fmt: skip
# test_post_get.json, and every recent_posts / search hit (search adds `rank`).
DETAIL_KEYS = {
    "created", "published", "url", "slug", "featured_image", "featured_image_alt", "author",
    "tags", "categories", "title", "body", "summary", "updated", "deleted", "seo_title",
    "meta_description", "status",
}  # fmt: skip
AUTHOR_KEYS = {
    "first_name", "last_name", "email", "slug", "bio", "title", "linkedin_url",
    "facebook_url", "instagram_url", "pinterest_url", "twitter_handle", "profile_image",
}  # fmt: skip
PAGE_META = {"count", "next_page", "previous_page"}

# slug, author, categories, tags, published (None: a draft), body
POSTS = [
    ("spring", "ada-lovelace", ["News"], ["garden"], "2024-03-01T09:00:00Z", "Seeds and soil"),
    ("winter", "grace-hopper", ["News", "Tips & Tricks"], [], "2024-01-05T09:00:00Z", "Snow"),
    ("summer", "ada-lovelace", [], ["garden", "sun"], "2024-06-20T09:00:00Z", "Sun on the soil"),
    ("autumn", "grace-hopper", ["Tips & Tricks"], ["garden"], "2024-09-22T09:00:00Z", "Leaves"),
    ("idea", "ada-lovelace", ["News"], ["garden"], None, "A draft about soil"),
]
NEWEST_FIRST = ["autumn", "summer", "spring", "winter"]


async def _write_posts(emu: Emulator, posts: list[tuple[Any, ...]] = POSTS) -> None:
    async with aiohttp.ClientSession(headers={"Authorization": "Token w-token"}) as s:
        for slug, author, categories, tags, published, body in posts:
            post = {
                "title": f"{slug.title()} post",
                "slug": slug,
                "status": "published" if published else "draft",
                "author": {"slug": author},
                "categories": categories,
                "tags": tags,
                "body": f"<p>{body}</p>",
                "summary": f"About {slug}",
                "featured_image_alt": "",
            }
            if published:
                post["published"] = published
            async with s.post(f"{emu.base_url}/posts/", json=post) as resp:
                assert resp.status == 202, await resp.text()
    await emu.settle()
    assert emu.state()["failures"] == []


def _client(emu: Emulator) -> Any:
    """The SDK's client, aimed at this emulator (the blog tests need several kinds)."""
    return aim_python_sdk(butter_cms.ButterCMS("r-token"), emu.base_url)


async def _sdk(call: Callable[[], T]) -> T:
    # The SDK blocks (requests): off the event loop, which serves the emulator.
    return await asyncio.to_thread(call)


@pytest.fixture
async def blog(make_emulator: Callable[..., Any]) -> tuple[Emulator, Any]:
    emu = await make_emulator()
    await _write_posts(emu)
    return emu, _client(emu)


def _slugs(posts: list[dict[str, Any]]) -> list[str]:
    return [p["slug"] for p in posts]


# ---------------------------------------------------------------------- posts


async def test_posts_all_lists_newest_first_in_the_recorded_list_shape(blog):
    _, client = blog
    answer = await _sdk(lambda: client.posts.all())
    assert set(answer) == {"meta", "data"}
    assert answer["meta"] == {"count": 4, "next_page": None, "previous_page": None}
    assert _slugs(answer["data"]) == NEWEST_FIRST  # the draft needs preview
    first = answer["data"][0]
    assert set(first) == LIST_KEYS  # no `deleted` in a list
    assert first["url"] == "/autumn"  # an account without a blog URL, as recorded
    assert first["published"] == "2024-09-22T09:00:00Z"
    assert set(first["author"]) == AUTHOR_KEYS
    assert first["author"]["slug"] == "grace-hopper"
    assert first["author"]["first_name"] == "Grace"
    assert first["categories"] == [{"name": "Tips & Tricks", "slug": "tips-tricks"}]
    assert first["tags"] == [{"name": "garden", "slug": "garden"}]
    assert first["body"] == "<p>Leaves</p>"

    with_drafts = await _sdk(lambda: client.posts.all({"preview": 1}))
    assert _slugs(with_drafts["data"]) == ["idea", *NEWEST_FIRST]
    assert with_drafts["data"][0]["status"] == "draft"
    assert with_drafts["data"][0]["published"] is None


async def test_posts_all_pages_filters_and_leaves_the_body_out(blog):
    _, client = blog
    first = await _sdk(lambda: client.posts.all({"page_size": 3, "page": 1}))
    second = await _sdk(lambda: client.posts.all({"page_size": 3, "page": 2}))
    assert first["meta"] == {"count": 4, "next_page": 2, "previous_page": None}
    assert second["meta"] == {"count": 4, "next_page": None, "previous_page": 1}
    assert _slugs(first["data"]) + _slugs(second["data"]) == NEWEST_FIRST
    with pytest.raises(HTTPError, match="404"):  # past the last page, as Butter's DRF
        await _sdk(lambda: client.posts.all({"page_size": 3, "page": 3}))

    # exclude_body=True is what the SDK's README sends (recorded: ?exclude_body=True).
    light = await _sdk(lambda: client.posts.all({"exclude_body": True}))
    assert all(set(p) == LIST_KEYS - {"body"} for p in light["data"])

    by = {
        "author_slug=ada-lovelace": ["summer", "spring"],
        "category_slug=tips-tricks": ["autumn", "winter"],
        "tag_slug=garden": ["autumn", "summer", "spring"],
        "tag_slug=garden&author_slug=grace-hopper": ["autumn"],
        "category_slug=nothing-here": [],
    }
    for query, expected in by.items():
        params = dict(pair.split("=") for pair in query.split("&"))
        answer = await _sdk(lambda params=params: client.posts.all(params))
        assert _slugs(answer["data"]) == expected, query
        assert answer["meta"]["count"] == len(expected), query


@needs_realdata(POST_GET)
async def test_posts_get_has_the_recorded_shape_and_its_neighbours(blog):
    _, client = blog
    recorded = json.loads(
        json.loads(POST_GET.read_text())["interactions"][0]["response"]["body"]["string"]
    )
    answer = await _sdk(lambda: client.posts.get("spring"))
    assert set(answer) == set(recorded) == {"meta", "data"}
    assert set(answer["data"]) == set(recorded["data"]) == DETAIL_KEYS
    assert set(answer["data"]["author"]) == set(recorded["data"]["author"])
    assert answer["data"]["url"] is None and answer["data"]["deleted"] is None  # as recorded
    # next is the older post, previous the newer (the docs' example: the oldest has no next).
    assert answer["meta"] == {
        "next_post": {"slug": "winter", "title": "Winter post", "featured_image": None},
        "previous_post": {"slug": "summer", "title": "Summer post", "featured_image": None},
    }
    oldest = await _sdk(lambda: client.posts.get("winter"))
    newest = await _sdk(lambda: client.posts.get("autumn"))
    assert oldest["meta"]["next_post"] is None
    assert newest["meta"]["previous_post"] is None
    for missing in ("idea", "no-such-post"):  # a draft needs preview=1
        with pytest.raises(HTTPError, match="404"):
            await _sdk(lambda missing=missing: client.posts.get(missing))


async def test_posts_search_finds_every_word_ranks_and_pages(blog):
    emu, client = blog
    answer = await _sdk(lambda: client.posts.search("soil"))
    assert set(answer) == {"meta", "data"} and set(answer["meta"]) == PAGE_META
    assert sorted(_slugs(answer["data"])) == ["spring", "summer"]  # the draft is not found
    hit = answer["data"][0]
    assert set(hit) == DETAIL_KEYS | {"rank"}
    assert isinstance(hit["rank"], float) and 0 < hit["rank"] < 1
    assert [h["rank"] for h in answer["data"]] == sorted(
        (h["rank"] for h in answer["data"]), reverse=True
    )
    both = await _sdk(lambda: client.posts.search("sun soil"))
    assert _slugs(both["data"]) == ["summer"]
    paged = await _sdk(lambda: client.posts.search("post", {"page": 2, "page_size": 3}))
    assert paged["meta"] == {"count": 4, "next_page": None, "previous_page": 1}
    assert len(paged["data"]) == 1
    none = await _sdk(lambda: client.posts.search("volcano"))
    assert none == {"meta": {"count": 0, "next_page": None, "previous_page": None}, "data": []}

    # PHP, Ruby and Go search at /v2/search/: the same answer.
    async with aiohttp.ClientSession() as s:
        params = {"auth_token": "r-token", "query": "soil"}
        async with s.get(f"{emu.base_url}/search/", params=params) as resp:
            assert resp.status == 200
            assert await resp.json() == answer
        async with s.get(f"{emu.base_url}/search/", params={"auth_token": "r-token"}) as resp:
            assert resp.status == 400
            assert "query" in (await resp.json())["detail"]


# ---------------------------------------------------------------------- authors, terms


async def test_authors_with_their_profile_and_recent_posts(make_emulator, content_model):
    ada = dataclasses.replace(
        content_model.authors[0],
        profile={
            "bio": "Counts things",
            "twitter_handle": "ada",
            "profile_image": "https://x/a.png",
        },
    )
    emu = await make_emulator(
        model=dataclasses.replace(content_model, authors=(ada, Author("x@y.z", "nobody")))
    )
    # Eleven posts by Ada: recent_posts holds the ten newest.
    many = [
        (f"p{i:02d}", "ada-lovelace", [], [], f"2024-02-{i + 1:02d}T10:00:00Z", "x")
        for i in range(11)
    ]
    await _write_posts(emu, many)
    client = _client(emu)

    listed = await _sdk(lambda: client.authors.all())
    assert set(listed) == {"data"}  # no meta, as recorded
    assert [a["slug"] for a in listed["data"]] == ["ada-lovelace", "nobody"]
    assert all(set(a) == AUTHOR_KEYS for a in listed["data"])
    assert listed["data"][0]["bio"] == "Counts things"
    assert listed["data"][0]["twitter_handle"] == "ada"
    assert listed["data"][1]["bio"] == ""

    one = await _sdk(lambda: client.authors.get("ada-lovelace", {"include": "recent_posts"}))
    assert set(one["data"]) == AUTHOR_KEYS | {"recent_posts"}
    recent = one["data"]["recent_posts"]
    assert _slugs(recent) == [f"p{i:02d}" for i in range(10, 0, -1)]
    assert set(recent[0]) == DETAIL_KEYS
    assert recent[0]["author"]["profile_image"] == "https://x/a.png"
    everyone = await _sdk(lambda: client.authors.all({"include": "recent_posts"}))
    assert [len(a["recent_posts"]) for a in everyone["data"]] == [10, 0]
    with pytest.raises(HTTPError, match="404"):
        await _sdk(lambda: client.authors.get("someone-else"))


async def test_categories_and_tags_with_recent_posts(blog):
    _, client = blog
    categories = await _sdk(lambda: client.categories.all())
    assert categories == {
        "data": [{"name": "News", "slug": "news"}, {"name": "Tips & Tricks", "slug": "tips-tricks"}]
    }
    tags = await _sdk(lambda: client.tags.all())
    assert tags == {"data": [{"name": "garden", "slug": "garden"}, {"name": "sun", "slug": "sun"}]}
    one = await _sdk(lambda: client.categories.get("tips-tricks", {"include": "recent_posts"}))
    assert set(one["data"]) == {"name", "slug", "recent_posts"}
    assert _slugs(one["data"]["recent_posts"]) == ["autumn", "winter"]
    assert set(one["data"]["recent_posts"][0]) == DETAIL_KEYS
    plain = await _sdk(lambda: client.tags.get("garden"))
    assert plain == {"data": {"name": "garden", "slug": "garden"}}
    with_posts = await _sdk(lambda: client.tags.all({"include": "recent_posts"}))
    assert [_slugs(t["recent_posts"]) for t in with_posts["data"]] == [
        ["autumn", "summer", "spring"],
        ["summer"],
    ]
    for call in (lambda: client.tags.get("nope"), lambda: client.categories.get("nope")):
        with pytest.raises(HTTPError, match="404"):
            await _sdk(call)


# ---------------------------------------------------------------------- feeds, blog URL

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
}


def _xml(answer: dict[str, Any]) -> Any:
    assert set(answer) == {"data"} and isinstance(answer["data"], str)
    assert answer["data"].startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return etree.fromstring(answer["data"].encode())


async def test_feeds_list_the_published_posts_with_their_blog_urls(make_emulator):
    emu = await make_emulator(blog_url="https://example.com/blog/{slug}")
    tricky = [("odd", "ada-lovelace", ["News"], [], "2024-12-01T00:00:00Z", "a ]]> b & <i>c</i>")]
    await _write_posts(emu, [*POSTS, *tricky])
    client = _client(emu)
    urls = [f"https://example.com/blog/{s}" for s in ["odd", *NEWEST_FIRST]]

    rss = _xml(await _sdk(lambda: client.feeds.get("rss")))
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    assert rss.findtext("channel/link") == "https://example.com/blog/rss/"
    items = rss.findall("channel/item")
    assert [i.findtext("link") for i in items] == urls  # no draft, newest first
    assert [i.findtext("guid") for i in items] == urls
    assert items[1].findtext("title") == "Autumn post"
    assert items[1].findtext("dc:creator", namespaces=NS) == "Grace Hopper"
    assert items[1].findtext("pubDate") == "Sun, 22 Sep 2024 09:00:00 +0000"
    assert items[1].findtext("content:encoded", namespaces=NS) == "<p>Leaves</p>"
    assert items[0].findtext("content:encoded", namespaces=NS) == "<p>a ]]> b & <i>c</i></p>"

    atom = _xml(await _sdk(lambda: client.feeds.get("atom")))
    assert atom.tag == "{http://www.w3.org/2005/Atom}feed"
    entries = atom.findall("atom:entry", NS)
    assert [e.find("atom:link", NS).get("href") for e in entries] == urls
    assert entries[1].findtext("atom:author/atom:name", namespaces=NS) == "Grace Hopper"
    assert entries[1].findtext("atom:published", namespaces=NS).startswith("2024-09-22T09:00:00")

    sitemap = _xml(await _sdk(lambda: client.feeds.get("sitemap")))
    assert [u.findtext("sm:loc", namespaces=NS) for u in sitemap.findall("sm:url", NS)] == urls

    # category_slug and tag_slug filter a feed (buttercms-js's FeedParams, the docs).
    news = _xml(await _sdk(lambda: client.feeds.get("rss", {"category_slug": "news"})))
    assert [i.findtext("link") for i in news.findall("channel/item")] == [urls[0], *urls[3:]]
    garden = _xml(await _sdk(lambda: client.feeds.get("atom", {"tag_slug": "garden"})))
    assert len(garden.findall("atom:entry", NS)) == 3
    with pytest.raises(HTTPError, match="404"):
        await _sdk(lambda: client.feeds.get("non-existent"))

    # With a blog URL the single post and the list both carry it.
    one = await _sdk(lambda: client.posts.get("spring"))
    assert one["data"]["url"] == "https://example.com/blog/spring"
    listed = await _sdk(lambda: client.posts.all({"page_size": 1}))
    assert listed["data"][0]["url"] == "https://example.com/blog/odd"


async def test_feeds_of_an_account_without_blog_url_use_paths_as_recorded(blog):
    _, client = blog
    atom = _xml(await _sdk(lambda: client.feeds.get("atom")))
    links = {link.get("rel"): link.get("href") for link in atom.findall("atom:link", NS)}
    assert links == {"alternate": "rss/", "self": "atom/"}  # recorded test_feed_atom.json
    assert atom.find("atom:entry/atom:link", NS).get("href") == "/autumn"


def test_a_blog_url_with_two_slugs_is_refused(content_model):
    with pytest.raises(ConfigError, match="blog_url"):
        EmulatorConfig(content_model, blog_url="https://x/{slug}/{slug}")
    base = EmulatorConfig(content_model, blog_url="https://example.com/news/")
    assert base.blog_url == "https://example.com/news/"


# ---------------------------------------------------------------------- URLs and the cache


async def test_the_sdk_urls_without_a_slash_answer_as_with_one(blog):
    """python's authors/categories/tags/feeds .get() send no trailing slash."""
    emu, _ = blog
    async with aiohttp.ClientSession() as s:
        for path in ("authors/ada-lovelace", "categories/news", "tags/sun", "feeds/sitemap"):
            answers = []
            for url in (f"{emu.base_url}/{path}", f"{emu.base_url}/{path}/"):
                params = {"auth_token": "r-token"}
                async with s.get(url, params=params, allow_redirects=False) as resp:
                    assert resp.status == 200, url  # directly, as the cassettes show
                    answers.append(await resp.json())
            assert answers[0] == answers[1], path
        # Anything else without its slash still gets the 301 (pages, the post list).
        for path in ("posts", "pages/*/home", "authors"):
            params = {"auth_token": "r-token"}
            async with s.get(f"{emu.base_url}/{path}", params=params, allow_redirects=False) as r:
                assert r.status == 301, path
                assert r.headers["Location"] == f"/v2/{path}/?auth_token=r-token"


async def test_a_cached_read_keeps_the_blog_parameters_in_its_key(make_emulator):
    realism = Realism(read_cache_ttl=30.0, cache_ignores_query_params=True)
    emu = await make_emulator(realism=realism)
    await _write_posts(emu)
    client = _client(emu)
    garden = await _sdk(lambda: client.posts.all({"tag_slug": "garden"}))
    sun = await _sdk(lambda: client.posts.all({"tag_slug": "sun"}))
    assert _slugs(garden["data"]) != _slugs(sun["data"]) == ["summer"]
    found = await _sdk(lambda: client.posts.search("snow"))
    assert _slugs(found["data"]) == ["winter"]
    assert _slugs((await _sdk(lambda: client.posts.search("leaves")))["data"]) == ["autumn"]
    ada = await _sdk(lambda: client.authors.get("ada-lovelace", {"include": "recent_posts"}))
    assert "recent_posts" in ada["data"]
    assert "recent_posts" not in (await _sdk(lambda: client.authors.get("ada-lovelace")))["data"]
