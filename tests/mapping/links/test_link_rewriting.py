"""Link rewriting, unit by unit: the HTML scanner, the URL index, the rewriter, the rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrator.errors import MappingError
from migrator.mapping import load_mapping
from migrator.mapping.links import LinkIndex, LinkRewriter
from migrator.mapping.links.html import img_sources, played_sources, rewrite_urls
from migrator.mapping.links.index import url_parts
from migrator.mapping.links.rewrite import Rewritten
from migrator.mapping.links.rules import load_link_rules
from migrator.records import Location, Record

ROOT = Path(__file__).resolve().parents[3]
SITE = {"link": "https://bakery.example.com", "base_site_url": "https://bakery.example.com"}


def rules(**raw):
    problems: list = []
    raw.setdefault("paths", {"post": "/blog/{slug}", "page": "/{slug}", "attachment": "{url}"})
    got = load_link_rules(
        raw,
        mapping_file=Path("m.toml"),
        source_format="wxr",
        variables={},
        problems=problems,
    )
    assert problems == []
    return got


def wp(post_id: int, kind: str, slug: str, link: str, **extra) -> Record:
    data = {
        "post_id": str(post_id),
        "slug": slug,
        "link": link,
        "guid": f"https://bakery.example.com/?p={post_id}",
        "status": extra.pop("status", "publish"),
        "site": SITE,
        **extra,
    }
    return Record(str(post_id), kind, data, Location("export.xml", post_id))


RECORDS = [
    wp(10, "post", "first-loaf", "https://bakery.example.com/2024/03/first-loaf/"),
    wp(11, "post", "butter", "https://bakery.example.com/2024/03/11/butter/"),
    wp(12, "post", "gone", "https://bakery.example.com/2024/04/gone/", status="trash"),
    wp(20, "page", "about", "https://bakery.example.com/about/"),
    wp(21, "page", "visit", "https://bakery.example.com/about/visit/"),
    wp(
        101,
        "attachment",
        "loaf",
        "https://bakery.example.com/2024/03/first-loaf/loaf/",
        url="https://bakery.example.com/wp-content/uploads/2024/03/loaf.jpg",
    ),
]


@pytest.fixture
def rewriter():
    index = LinkIndex(rules(domains=["old-bakery.com"], media_host="http://127.0.0.1:9/media"))
    index.add_all(RECORDS)
    yield LinkRewriter(index)
    index.close()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # the permalink as exported, and the ways people wrote it
        ("https://bakery.example.com/2024/03/first-loaf/", "/blog/first-loaf"),
        ("http://www.bakery.example.com/2024/03/first-loaf", "/blog/first-loaf"),
        ("https://BAKERY.example.com/2024/03/First-Loaf/", "/blog/first-loaf"),
        ("/2024/03/first-loaf/", "/blog/first-loaf"),
        ("https://bakery.example.com/index.php/2024/03/first-loaf/", "/blog/first-loaf"),
        ("//bakery.example.com/2024/03/first-loaf/#comments", "/blog/first-loaf#comments"),
        # ids, whatever the path and the other parameters
        ("https://bakery.example.com/?p=11", "/blog/butter"),
        ("/?page_id=21&utm_source=x", "/visit"),
        ("https://bakery.example.com/blog/?p=10", "/blog/first-loaf"),
        ("https://bakery.example.com/archives/11", "/blog/butter"),
        # another permalink structure than the export's, found by the slug
        ("https://bakery.example.com/2019/01/01/first-loaf/", "/blog/first-loaf"),
        ("https://bakery.example.com/butter/", "/blog/butter"),
        # a configured domain, a child page, the home page
        ("https://old-bakery.com/about/visit/", "/visit"),
        ("https://bakery.example.com/", "/"),
        # an attachment page is its file, which moves to the media host
        (
            "https://bakery.example.com/2024/03/first-loaf/loaf/",
            "http://127.0.0.1:9/media/wp-content/uploads/2024/03/loaf.jpg",
        ),
        ("/wp-content/uploads/menu.pdf", "http://127.0.0.1:9/media/wp-content/uploads/menu.pdf"),
    ],
)
def test_old_urls_become_new_paths(rewriter, old, new):
    assert rewriter.url(old, "link") == (new, None)


def test_a_url_with_spaces_around_is_looked_up_stripped(rewriter):
    # url() splits the URL once and reuses the split for the lookup only when it is stripped
    assert rewriter.url(" https://bakery.example.com/?p=11 ", "link") == ("/blog/butter", None)
    assert rewriter.url("\t/2024/03/first-loaf/ ", "link") == ("/blog/first-loaf", None)


@pytest.mark.parametrize(
    "url",
    [
        "https://en.wikipedia.org/wiki/Butter",
        "mailto:hello@bakery.example.com",
        "#top",
        "tel:+44123",
        "../relative/page.html",
    ],
)
def test_other_sites_and_non_web_links_are_left_alone(rewriter, url):
    assert rewriter.url(url, "link") == (None, None)


@pytest.mark.parametrize(
    "url",
    [
        "https://bakery.example.com/category/recipes/",
        "https://bakery.example.com/2024/04/gone/",  # trashed: not migrated
        "/?p=999",
    ],
)
def test_unmapped_internal_links_are_reported(rewriter, url):
    new, problem = rewriter.url(url, "link")
    assert new is None and "no migrated record" in (problem or "")


def test_a_slug_two_records_share_is_not_guessed():
    index = LinkIndex(rules())
    index.add_all(
        [
            wp(1, "post", "news", "https://bakery.example.com/2024/01/news/"),
            wp(2, "page", "news", "https://bakery.example.com/about/news/"),
        ]
    )
    rewriter = LinkRewriter(index)
    assert rewriter.url("https://bakery.example.com/2024/01/news/", "link")[0] == "/blog/news"
    assert rewriter.url("https://bakery.example.com/2020/02/news/", "link")[0] is None
    index.close()


def test_html_rewrite_changes_only_the_urls(rewriter):
    html = (
        '<p class="x">Read <a title="a > b" href="https://bakery.example.com/?p=11">this</a>, '
        "<A HREF='/about/'>us</A> and <a href=\"https://example.org/\">them</a>.</p>\n"
        '<img src="https://bakery.example.com/wp-content/uploads/a.jpg" '
        'srcset="https://bakery.example.com/wp-content/uploads/a-300.jpg 300w, '
        'https://cdn.example.net/a.jpg 1024w" alt="">'
        '<a href="https://bakery.example.com/tag/rye/">rye</a>'
        '<a href="https://bakery.example.com/tag/rye/">again</a>'
    )
    out = Rewritten()
    got = rewriter.html(html, "body", out)
    assert got == (
        '<p class="x">Read <a title="a > b" href="/blog/butter">this</a>, '
        "<A HREF='/about'>us</A> and <a href=\"https://example.org/\">them</a>.</p>\n"
        '<img src="http://127.0.0.1:9/media/wp-content/uploads/a.jpg" '
        'srcset="http://127.0.0.1:9/media/wp-content/uploads/a-300.jpg 300w, '
        'https://cdn.example.net/a.jpg 1024w" alt="">'
        '<a href="https://bakery.example.com/tag/rye/">rye</a>'
        '<a href="https://bakery.example.com/tag/rye/">again</a>'
    )
    assert out.count == 4
    assert [(n.field, n.url) for n in out.notes] == [
        ("body", "https://bakery.example.com/tag/rye/")
    ], "one note per URL and record"


def test_entities_in_urls_are_read_and_written_back_escaped():
    html = '<a href="/x?a=1&amp;b=2">x</a><img src="/i.png?s=1&amp;t=2">'
    assert img_sources(html) == ["/i.png?s=1&t=2"]
    got = rewrite_urls(html, lambda url, kind: url + "&z=3")
    assert got == '<a href="/x?a=1&amp;b=2&amp;z=3">x</a><img src="/i.png?s=1&amp;t=2&amp;z=3">'


def test_text_without_the_tags_is_returned_as_it_was():
    text = "<p>No links here, only <b>text</b> & a <link href='/feed'>.</p>"
    assert rewrite_urls(text, lambda url, kind: "/changed") is text


# --------------------------------------------------------------------------- rules


def test_bad_link_rules_are_reported_with_file_and_key(tmp_path):
    (tmp_path / "links.toml").write_text(
        'domains = "one.example"\nmystery = 1\nold = []\n[paths]\npost = "/blog/{slug"\n',
        encoding="utf-8",
    )
    mapping = (ROOT / "mappings" / "wordpress_posts.toml").read_text(encoding="utf-8")
    mapping = mapping.replace('links = "wordpress-links.toml"', 'links = "links.toml"')
    mapping = mapping.replace(
        'model = "content-model.toml"', f'model = "{ROOT}/mappings/content-model.toml"'
    )
    mapping = mapping.replace('path = "../migrator', f'path = "{ROOT}/migrator')
    (tmp_path / "m.toml").write_text(mapping, encoding="utf-8")
    with pytest.raises(MappingError) as caught:
        load_mapping(tmp_path / "m.toml")
    found = {(Path(p.file).name, p.key) for p in caught.value.problems}
    assert {
        ("links.toml", "mystery"),
        ("links.toml", "old"),
        ("links.toml", "paths.post.template"),
    } <= found


def test_inline_rules_name_their_keys_under_links(tmp_path):
    text = (ROOT / "mappings" / "wordpress_posts.toml").read_text(encoding="utf-8")
    text = text.replace('links = "wordpress-links.toml"\n', "")
    text += '\n[links]\nfields = ["title_of_nothing"]\n[links.paths]\n'
    (tmp_path / "m.toml").write_text(
        text.replace(
            'model = "content-model.toml"', f'model = "{ROOT}/mappings/content-model.toml"'
        ).replace('path = "../migrator', f'path = "{ROOT}/migrator'),
        encoding="utf-8",
    )
    with pytest.raises(MappingError) as caught:
        load_mapping(tmp_path / "m.toml")
    keys = {p.key for p in caught.value.problems}
    assert {"links.paths"} <= keys


def test_a_missing_links_file_is_named(tmp_path):
    text = (ROOT / "mappings" / "wordpress_posts.toml").read_text(encoding="utf-8")
    (tmp_path / "m.toml").write_text(
        text.replace(
            'model = "content-model.toml"', f'model = "{ROOT}/mappings/content-model.toml"'
        ),
        encoding="utf-8",
    )
    with pytest.raises(MappingError) as caught:
        load_mapping(tmp_path / "m.toml")
    (problem,) = [p for p in caught.value.problems if p.key == "links"]
    assert "wordpress-links.toml" in problem.message and "not found" in problem.message


# --------------------------------------------------------------------------- inline images


def test_inline_images_in_page_html_are_noted_without_any_links_rules():
    """Butter copies no image inside a page's HTML: each one is a note, the page goes."""
    compiled = load_mapping(ROOT / "mappings" / "landing_pages.toml").compile()
    row = {
        "headline": "Sale",
        "summary": "",
        "body": '<p><img src="https://old.example.com/a.png"><img src="https://old.example.com/a.png">'
        '<img src="https://cdn.buttercms.com/XYZ"></p>',
        "price": "1",
        "launch_date": "2024-03-01",
        "featured": "y",
        "theme": "",
    }
    payload = compiled(Record("sale", "row", row, Location("pages.csv", 2)))
    assert payload is not None and payload.links_rewritten == 0
    assert [(n.field, n.url) for n in payload.notes] == [
        ("fields.body", "https://old.example.com/a.png")
    ], "once per URL; Butter's own CDN is not noted"
    assert "does not copy images" in payload.notes[0].reason


def test_sound_and_video_files_move_like_images_and_are_not_inline_images():
    html = (
        '<audio controls src="https://old.test/a.mp3"></audio>'
        '<video poster="https://old.test/p.jpg"><source type="video/mp4" src="https://old.test/v.mp4">'
        '<track src="https://old.test/v.vtt"></video><img src="https://old.test/i.png">'
    )
    kinds: list[tuple[str, str]] = []

    def moved(url: str, kind: str) -> str:
        kinds.append((url.rsplit("/", 1)[1], kind))
        return url.replace("https://old.test", "http://127.0.0.1:9")

    out = rewrite_urls(html, moved)
    assert "old.test" not in out and out.count("http://127.0.0.1:9/") == 5
    assert kinds == [
        ("a.mp3", "image"), ("p.jpg", "image"), ("v.mp4", "image"), ("v.vtt", "image"),
        ("i.png", "image"),
    ]  # fmt: skip
    # Butter copies <img>s only: the played ones are listed apart.
    assert img_sources(html) == ["https://old.test/i.png"]
    assert played_sources(html) == [
        ("audio", "https://old.test/a.mp3"),
        ("video poster", "https://old.test/p.jpg"),
        ("source", "https://old.test/v.mp4"),
        ("track", "https://old.test/v.vtt"),
    ]


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ("p=12", "p=12"),
        ("page_id=3", "page_id=3"),
        ("p=", ""),
        ("p=1x", ""),
        ("q=1", ""),
        ("p", ""),
        ("p==1", ""),
        ("utm=x&p=7&page_id=2", "p=7&page_id=2"),
        ("p=%31", "p=1"),
    ],
)
def test_id_queries_are_read_alike_with_one_pair_or_many(query, ids):
    # one pair takes a shortcut past the list of pairs: the same answers
    assert url_parts(f"https://bakery.example.com/?{query}") == ("", ids)
