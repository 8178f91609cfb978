"""WordPress's own importer as referee: its PHPUnit expectations, asserted on our records.

Each test mirrors assertions of WordPress/wordpress-importer at commit 5fda048
(``phpunit/tests/parser.php``, cited by line), read against the same fixture files
(``../shared/realdata/wxr/wpimporter--*``, copied from ``phpunit/data/``). The importer
gives ``terms`` as ``{name, slug, domain}``; ours are ``terms[taxonomy]`` entries
(``tag`` is ``post_tag``). Where Butter is what matters (duplicate tags, the author), a
run into the emulator checks what it received.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from shared_data import REALDATA, needs_realdata

from migrator.engine import run_migration
from migrator.mapping import load_mapping
from migrator.records import Record
from migrator.sources import open_source
from tests.engine.conftest import options  # noqa: F401  (the RunOptions fixture)

WXR = REALDATA / "wxr"
ROOT = Path(__file__).resolve().parents[3]
MAPPINGS = ROOT / "mappings"
V10 = WXR / "wpimporter--valid-wxr-1.0.xml"
V11 = WXR / "wpimporter--valid-wxr-1.1.xml"
UTF8 = WXR / "wpimporter--wxr-utf-8-challenges.xml"
A11Y = WXR / "wpimporter--a11y-unit-test-data.xml"
pytestmark = [needs_realdata(V10, V11, UTF8, A11Y), pytest.mark.timeout(60)]


def records(path: Path, **reader: Any) -> list[Record]:
    return [r for r in open_source("wxr", path, **reader).records() if isinstance(r, Record)]


def terms(record: Record) -> list[tuple[str, str, str]]:
    """(name, slug, domain) of the item's terms, the importer's shape."""
    return sorted(
        (t["name"], t["slug"], "tag" if taxonomy == "post_tag" else taxonomy)
        for taxonomy, entries in record.data["terms"].items()
        for t in entries
    )


def by_title(items: list[Record], title: str) -> Record:
    return next(r for r in items if r.data["title"] == title)


# --- WXR 1.0 ----------------------------------------------------------------------------


def test_wxr_1_0_gives_each_term_once_with_its_slug() -> None:
    """parser.php:199-251 (test_wxr_version_1_0): posts[0] has 1 term, posts[2] and
    posts[3] 3 each, every one with its slug. WXR 1.0 writes each term twice, once
    without a nicename: we had 5 terms on "Alpha post", two of them slugless."""
    items = records(V10)
    assert terms(by_title(items, "Hello world!")) == [
        ("Uncategorized", "uncategorized", "category")
    ]
    assert terms(by_title(items, "Alpha post")) == [
        ("alpha", "alpha", "category"), ("news", "news", "tag"), ("roar", "roar", "tag"),
    ]  # fmt: skip
    assert terms(by_title(items, "Child post")) == [
        ("chicken", "chicken", "tag"), ("child", "child", "category"), ("face", "face", "tag"),
    ]  # fmt: skip


def test_wxr_1_0_has_six_posts_and_the_page_template_meta() -> None:
    """parser.php:195 (6 posts) and 253-262 (posts[1], the "About" page: one postmeta,
    ``_wp_page_template`` = ``default``); parser.php:559-562 (valid-wxr-1.0: 6 posts)."""
    items = records(V10)
    assert len(items) == 6
    assert by_title(items, "About").data["meta"] == {"_wp_page_template": "default"}


def test_wxr_1_0_category_description() -> None:
    """parser.php:188-191: categories[0] is alpha, no parent, described "The alpha
    category". The description reaches the items' category lists."""
    (alpha,) = by_title(records(V10), "Alpha post").data["categories"]
    assert alpha == {"name": "alpha", "slug": "alpha", "description": "The alpha category"}


@pytest.mark.anyio
@needs_realdata(V10)
async def test_wxr_1_0_tags_reach_butter_once(emulator, options) -> None:  # noqa: F811
    """parser.php:210-230 again, seen from Butter: the shipped posts mapping sends
    "Alpha post" with tags news and roar, once each (they went twice before)."""
    mapping = load_mapping(MAPPINGS / "wordpress_posts.toml")
    stats = await run_migration(
        mapping, V10, options(rate=1000.0), base_url=emulator.base_url, write_token="w-token"
    )
    await emulator.settle()
    state = emulator.state()
    assert (stats.sent.accepted, stats.sent.failed, state["failures"]) == (3, 0, [])
    assert state["posts"]["alpha-post"]["tags"] == ["news", "roar"]
    assert state["posts"]["child-post"]["tags"] == ["chicken", "face"]
    assert sorted(state["tags"]) == ["chicken", "face", "news", "roar"]


# --- WXR 1.1 ----------------------------------------------------------------------------


def test_wxr_1_1_author() -> None:
    """parser.php:70-81 (test_wxr_version_1_1): author john, id 2, johndoe@example.org,
    "John Doe", John, Doe; parser.php:563-566: 2 posts, 1 author."""
    items = records(V11)
    assert len(items) == 2
    assert items[0].data["author"] == {
        "login": "john", "email": "johndoe@example.org", "display_name": "John Doe",
        "first_name": "John", "last_name": "Doe", "id": "2",
    }  # fmt: skip


def test_wxr_1_1_term_descriptions_and_post_terms() -> None:
    """parser.php:82-114: category alpha "The alpha category", tag Clippable "The
    Clippable post_tag", term bieup "The bieup post_tax"; parser.php:140-160: posts[0]
    carries those three terms, with their slugs."""
    post = records(V11)[0]
    assert terms(post) == [
        ("Clippable", "clippable", "tag"), ("alpha", "alpha", "category"),
        ("bieup", "bieup", "post_tax"),
    ]  # fmt: skip
    described = {
        t["slug"]: t["description"] for entries in post.data["terms"].values() for t in entries
    }
    assert described == {
        "alpha": "The alpha category",
        "clippable": "The Clippable post_tag",
        "bieup": "The bieup post_tax",
    }
    assert records(V11)[1].data["meta"] == {"_wp_page_template": "default"}  # :161-170


# --- authors ----------------------------------------------------------------------------


def test_old_wordpress_com_wp_author_block_is_read() -> None:
    """parser.php:575-578 with test_parse_multiple_wxr_files (:613-651): the a11y unit
    test data has 1 author (a WordPress.com ``<wp:wp_author>`` block). We read 0: posts
    lost their author's email and name."""
    source = open_source("wxr", A11Y)
    index = source.scan()
    index.attachments.close()
    assert list(index.authors) == ["a11yteam"]
    posts = [r for r in records(A11Y) if r.data["creator"] == "a11yteam"]
    assert posts and all(
        (p.data["author"]["email"], p.data["author"]["display_name"])
        == ("a11yteam@wordpress.org", "Accessibility Tester")
        for p in posts
    )


@pytest.mark.anyio
@needs_realdata(A11Y)
async def test_the_a11y_author_reaches_butter(emulator, mirror, options, tmp_path) -> None:  # noqa: F811
    """parser.php:575-578, seen from Butter: the posts mapping's author table names
    a11yteam@wordpress.org, so the a11y team's posts go to that Butter author. Before,
    the email was unknown and every post went to the default (the account owner)."""
    shipped = (MAPPINGS / "wordpress_posts.toml").read_text()
    text = shipped.replace(
        'model = "content-model.toml"', f'model = "{MAPPINGS}/content-model.toml"'
    )
    text = text.replace(
        'links = "wordpress-links.toml"', f'links = "{MAPPINGS}/wordpress-links.toml"'
    )
    text = text.replace(
        '"ada@example.com" = "ada@example.com"', '"a11yteam@wordpress.org" = "grace@example.com"'
    )
    assert text != shipped
    path = tmp_path / "a11y_posts.toml"
    path.write_text(text)
    mirror_url, _ = mirror
    mapping = load_mapping(path, variables={"media_host": mirror_url})
    stats = await run_migration(
        mapping, A11Y, options(rate=1000.0, concurrency=8, settle_delay=0.05, settle_timeout=0.3),
        base_url=emulator.base_url, write_token="w-token",
    )  # fmt: skip
    await emulator.settle()
    stored = emulator.state()["posts"]
    # A post's slug → who wrote it, from the records (the mapping's own slugs).
    to_payload = mapping.compile()
    creators = {}
    for record in records(A11Y):
        payload = to_payload(record)
        if payload is not None:
            creators[payload.body["slug"]] = record.data["creator"]
    team = [slug for slug in stored if creators[slug] == "a11yteam"]
    assert stats.sent.accepted >= len(stored) > 40 and len(team) > 30
    assert {stored[slug]["author"]["email"] for slug in team} == {"grace@example.com"}
    others = [stored[slug]["author"]["email"] for slug in stored if slug not in team]
    assert "grace@example.com" not in others


# --- text as exported -------------------------------------------------------------------


def test_utf8_meta_keeps_its_trailing_space() -> None:
    """parser.php:787-811 (test_parse_wxr_with_challenging_utf8_sequences): 5 postmeta;
    ``_utf8_test`` ends in a space (:803); invisible characters in a key and a value
    (:798-799); zalgo text (:807); entities kept as text (:811). We stripped every value."""
    meta = records(UTF8)[0].data["meta"]
    assert len(meta) == 5
    assert meta["_utf8_test"] == "🚀 Test with 𝔻𝕠𝕦𝕓𝕝𝕖 𝔖𝔱𝔯𝔲𝔠𝔨: ℍ𝔢𝔩𝔩𝔬 \u202eolleH\u202c 𝖂𝖔𝖗𝖫𝖉! "
    assert meta["_pingme\u200c\u200b\u200d\u200e"] == "1\u200b\u200d\u200c\u200e"
    assert meta["_special_chars"] == (
        "&#x202E;&#x202D;&#x200B;&#x200C;&#x200D;&#x2060;&#xFEFF;&#xFFFD;"
    )


def test_utf8_title_slug_guid_category_and_author() -> None:
    """parser.php:771-777 (title, post_name, guid with BiDi and zero-width characters),
    :814-819 (one category, its slug and zalgo name), :822-828 (the author's login,
    email, display name, first and last name)."""
    data = records(UTF8)[0].data
    assert (
        data["title"]
        == '"The Road \u202eNot\u202c Taken" by Rob\u202dert \u202eFrost \u202a🌲\u202c'
    )
    assert data["post_name"] == "hello-w\u202eorld\u202c-utf8-💫-test"
    assert data["guid"] == (
        "https://playground.internal/path/🚀/\u202etsop\u202c/?p=1&test=💫\u200c\u200b\u200d\u200e"
    )
    (category,) = data["categories"]
    assert category["slug"] == "uncat\u202eegorized\u202c"
    assert category["name"] == (
        "U\u0337\u0322\u032f\u032d\u0308n\u0336\u0330\u030dc\u0336\u0330\u0312a\u0336\u0330"
        "\u0305t\u0336\u0330\u0312e\u0336\u031e\u0314g\u0336\u0330\u0308o\u0336\u0330\u030d"
        "r\u0336\u0330\u0308i\u0335\u0331\u0307z\u0336\u0330\u0312e\u0336\u031e\u0314d\u0336"
        "\u032c\u033d \U0001f3ad"
    )
    author = data["author"]
    assert author["login"] == "admin\u200c\u200b\u200d\u200e"
    assert author["email"] == "ădmĩn@ℓocalhost.com"
    assert author["display_name"] == "A̸̰̅d̴̰͝m̵͎̽i̵̱̋n̷̰̎ \u200b\u200d\u200c\u200e"
    assert (author["first_name"], author["last_name"]) == ("🅰️", "&#x1F1FA;&#x1F1F8;𝕌𝕟𝕚𝕔𝕠𝕕𝕖")


def test_content_keeps_its_blank_lines_backslashes_and_cdata() -> None:
    """parser.php:270-279 (3 newlines in post-content-blank-lines.xml), :860-864 (a blank
    line survives), :869-873 (backslashes kept), :878-887 (three CDATA sections joined:
    the importer trims the content before comparing; we keep what surrounds them),
    :318-343 (escaped CDATA closings in content and meta)."""
    (blank,) = records(WXR / "wpimporter--post-content-blank-lines.xml")
    assert blank.data["content"].count("\n") == 3
    assert "\n\n" in records(WXR / "wpimporter--blank-lines.xml")[0].data["content"]
    assert "C:\\xampp\\htdocs" in records(WXR / "wpimporter--backslashes.xml")[0].data["content"]
    joined = records(WXR / "wpimporter--multiple-cdata.xml")[0].data["content"]
    assert joined.strip() == "line oneline twoline three" and joined != joined.strip()
    (crazy,) = records(WXR / "wpimporter--crazy-cdata-escaped.xml")
    assert crazy.data["content"] == "Content with nested <![CDATA[ tags ]]> :)"
    assert crazy.data["meta"] == {
        "Plain string": "Foo",
        "Closing CDATA": "]]>",
        "Alot of CDATA": "This has <![CDATA[ opening and ]]> closing <![CDATA[ tags like this: ]]>",
    }


# --- files as a whole -------------------------------------------------------------------

# parser.php:554-591, the file_configs of test_parse_multiple_wxr_files: items per file
# (the importer's "posts" are every <item>: menus and attachments too) and authors.
FILE_CONFIGS = {
    "wpimporter--wxr-simple.xml": (1, 1),
    "wpimporter--valid-wxr-1.0.xml": (6, 0),
    "wpimporter--valid-wxr-1.1.xml": (2, 1),
    "wpimporter--wxr-utf-8-challenges.xml": (1, 1),
    "wpimporter--a11y-unit-test-data.xml": (154, 1),
    "wpimporter--theme-unit-test-data.xml": (186, 2),
    "wpimporter--wxr-with-sub-data.xml": (1, 0),
    "wpimporter--crazy-cdata-escaped.xml": (1, 0),
}


@pytest.mark.parametrize("name", sorted(FILE_CONFIGS))
def test_items_and_authors_per_file(name: str) -> None:
    """parser.php:554-591 with :613-651: the items and authors each file holds."""
    posts, authors = FILE_CONFIGS[name]
    source = open_source("wxr", WXR / name)
    read = list(source.records())
    assert source.stats.items == posts
    assert len(read) + sum(source.stats.skipped_types.values()) == posts
    index = source.scan()
    index.attachments.close()
    assert len(index.authors) == authors


def test_sub_data_post_meta_terms_and_comment() -> None:
    """parser.php:682-749 (test_parse_wxr_with_sub_data): post 101 by admin, one postmeta,
    one category test-cat, one comment 201 with one commentmeta."""
    (post,) = records(WXR / "wpimporter--wxr-with-sub-data.xml")
    data = post.data
    assert (data["post_id"], data["title"], data["creator"], data["status"]) == (
        "101", "Post with sub data", "admin", "publish",
    )  # fmt: skip
    assert data["meta"] == {"_test_meta_key": "test_meta_value"}
    assert terms(post) == [("Test Category", "test-cat", "category")]
    (comment,) = data["comments"]
    assert (comment["id"], comment["author"], comment["content"]) == (
        "201", "Commenter", "This is a comment with meta.",
    )  # fmt: skip
    assert comment["meta"] == {"_comment_meta_key": "comment_meta_value"}


def test_channel_terms_in_every_syntax_and_their_meta() -> None:
    """parser.php:286-304 (term-formats.xml: 2 categories, 3 tags, 2 terms) and :381-417
    (test-serialized-term-meta.xml: a category, a tag and a term, each with meta
    ``string`` and a serialized ``array``, which we decode)."""
    source = open_source("wxr", WXR / "wpimporter--term-formats.xml")
    index = source.scan()
    index.attachments.close()
    kinds = [t["taxonomy"] for t in index.terms]
    assert (kinds.count("category"), kinds.count("post_tag"), len(kinds) - 5) == (2, 3, 2)
    source = open_source("wxr", WXR / "wpimporter--test-serialized-term-meta.xml")
    index = source.scan()
    index.attachments.close()
    assert [t["taxonomy"] for t in index.terms] == ["category", "post_tag", "custom_taxonomy"]
    shrug = "¯\\_(ツ)_/¯"
    assert all(t["meta"] == {"string": shrug, "array": {"key": shrug}} for t in index.terms)


@pytest.mark.parametrize(
    "name", ["wpimporter--missing-version-tag.xml", "wpimporter--invalid-version-tag.xml"]
)
def test_a_file_without_a_valid_version_is_a_problem(name: str) -> None:
    """parser.php:43-53 (test_invalid_wxr): "missing/invalid WXR version number" is an
    error. Ours is a source problem (the run exits 1), naming the file."""
    source = open_source("wxr", WXR / name)
    assert list(source.records()) == []
    (problem,) = source.stats.problems
    assert name in problem and "wxr_version" in problem.lower().replace(" ", "_")
    assert "no <item>" in problem
