"""buttercms (npm) 3.0.3, run by node and aimed at the emulator (js/runner.mjs), reads the
blog: every post, author, category, tag and feed method the SDK has answers 200 in Butter's
shapes (the key sets of test_python_sdk_blog.py, from the recorded cassettes)."""

from __future__ import annotations

import pytest
from lxml import etree

from migrator.emulator import Emulator

from .conftest import JsSDK
from .test_python_sdk_blog import (
    AUTHOR_KEYS,
    DETAIL_KEYS,
    LIST_KEYS,
    NEWEST_FIRST,
    _write_posts,
)

pytestmark = pytest.mark.anyio


async def test_every_blog_method_of_the_js_sdk(js_sdk: JsSDK, emulator: Emulator):
    await _write_posts(emulator)
    (
        listed,
        light,
        one,
        draft,
        found,
        authors,
        author,
        categories,
        category,
        tags,
        tag,
        *feeds,
    ) = await js_sdk(
        [
            ["post.list", {"page_size": 3, "tag_slug": "garden"}],
            ["post.list", {"exclude_body": True, "author_slug": "grace-hopper"}],
            ["post.retrieve", "spring"],
            ["post.retrieve", "idea"],
            ["post.search", "soil", {"page_size": 1}],
            ["author.list", {"include": "recent_posts"}],
            ["author.retrieve", "ada-lovelace", {"include": "recent_posts"}],
            ["category.list"],
            ["category.retrieve", "news", {"include": "recent_posts"}],
            ["tag.list", {"include": "recent_posts"}],
            ["tag.retrieve", "sun"],
            ["feed.retrieve", "rss"],
            ["feed.retrieve", "atom", {"category_slug": "news"}],
            ["feed.retrieve", "sitemap", {"tag_slug": "garden"}],
        ]
    )
    ok = [listed, light, one, found, authors, author, categories, category, tags, tag, *feeds]
    assert all(r["ok"] and r["status"] == 200 for r in ok), [r for r in ok if not r["ok"]]

    assert listed["path"].startswith("/v2/posts/?")
    assert [p["slug"] for p in listed["data"]["data"]] == ["autumn", "summer", "spring"]
    assert listed["data"]["meta"] == {"count": 3, "next_page": None, "previous_page": None}
    assert all(set(p) == LIST_KEYS for p in listed["data"]["data"])
    assert [p["slug"] for p in light["data"]["data"]] == ["autumn", "winter"]
    assert all(set(p) == LIST_KEYS - {"body"} for p in light["data"]["data"])

    assert one["path"] == "/v2/posts/spring/"
    assert set(one["data"]["data"]) == DETAIL_KEYS
    assert one["data"]["meta"]["next_post"]["slug"] == "winter"
    assert not draft["ok"] and draft["status"] == 404  # a draft needs preview (or testMode)

    assert found["path"].startswith("/v2/posts/search/?")
    assert found["data"]["meta"] == {"count": 2, "next_page": 2, "previous_page": None}
    assert set(found["data"]["data"][0]) == DETAIL_KEYS | {"rank"}

    assert [a["slug"] for a in authors["data"]["data"]] == ["ada-lovelace", "grace-hopper"]
    assert set(author["data"]["data"]) == AUTHOR_KEYS | {"recent_posts"}
    assert [p["slug"] for p in author["data"]["data"]["recent_posts"]] == ["summer", "spring"]
    assert [c["slug"] for c in categories["data"]["data"]] == ["news", "tips-tricks"]
    assert [p["slug"] for p in category["data"]["data"]["recent_posts"]] == ["spring", "winter"]
    assert [len(t["recent_posts"]) for t in tags["data"]["data"]] == [3, 1]
    assert tag["path"] == "/v2/tags/sun/" and tag["data"] == {
        "data": {"name": "sun", "slug": "sun"}
    }

    rss, atom, sitemap = (etree.fromstring(f["data"]["data"].encode()) for f in feeds)
    assert [i.findtext("link") for i in rss.findall("channel/item")] == [
        f"/{s}" for s in NEWEST_FIRST
    ]
    ns = {"a": "http://www.w3.org/2005/Atom", "s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    assert [e.findtext("a:id", namespaces=ns) for e in atom.findall("a:entry", ns)] == [
        "/spring",
        "/winter",
    ]
    assert len(sitemap.findall("s:url", ns)) == 3
