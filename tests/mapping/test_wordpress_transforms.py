"""The WordPress transforms against outputs worked out by hand from WordPress's PHP."""

from __future__ import annotations

import html

import pytest

from migrator.mapping import TRANSFORMS


def run(name: str, value, **options):
    return TRANSFORMS[name](value, **options)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello", "<p>Hello</p>\n"),
        ("One\n\nTwo", "<p>One</p>\n<p>Two</p>\n"),
        ("Line one\nline two", "<p>Line one<br />\nline two</p>\n"),
        ("A\r\n\r\n\r\n\r\nB", "<p>A</p>\n<p>B</p>\n"),
        ("<ul>\n<li>a</li>\n</ul>\n\nAfter", "<ul>\n<li>a</li>\n</ul>\n<p>After</p>\n"),
        ("Text<br><br>More", "<p>Text</p>\n<p>More</p>\n"),
        ("<div>Boxed</div>", "<div>Boxed</div>\n"),
        ("<pre>a\n\nb</pre>\n\nAfter", "<pre>a\n\nb</pre>\n<p>After</p>\n"),
        ("<blockquote>Quote</blockquote>", "<blockquote><p>Quote</p></blockquote>\n"),
        ('<a\nhref="x">link</a>\n\nNext', '<p><a\nhref="x">link</a></p>\n<p>Next</p>\n'),
        ("   \n\n  ", ""),
    ],
)
def test_wpautop(text: str, expected: str) -> None:
    assert run("wpautop", text) == expected


def test_wpautop_without_br_and_on_block_content() -> None:
    assert run("wpautop", "a\nb", br=False) == "<p>a\nb</p>\n"
    blocks = "<!-- wp:paragraph -->\n<p>x</p>\n<!-- /wp:paragraph -->"
    assert run("wpautop", blocks) == blocks
    # What WordPress itself would do: why block content must skip wpautop.
    assert run("wpautop", blocks, skip_blocks=False) == (
        "<p><!-- wp:paragraph --></p>\n<p>x</p>\n<p><!-- /wp:paragraph --></p>\n"
    )


def test_wpautop_on_the_realdata_blank_lines_file() -> None:
    text = "Line 1\n\nLine 2\n\n\n\nLine 3\n   \nLine 4"
    assert run("wpautop", text) == ("<p>Line 1</p>\n<p>Line 2</p>\n<p>Line 3</p>\n<p>Line 4</p>\n")


def test_caption_becomes_a_figure() -> None:
    text = (
        '[caption id="attachment_6" align="alignright" width="300"]'
        '<img src="a.jpg" alt="A" /> The caption[/caption]'
    )
    assert run("shortcodes", text) == (
        '<figure id="attachment_6" class="wp-caption alignright"><img src="a.jpg" alt="A" />'
        "<figcaption>The caption</figcaption></figure>"
    )
    linked = '[caption caption="From attr"]<a href="b"><img src="a.jpg"></a>[/caption]'
    assert run("shortcodes", linked) == (
        '<figure class="wp-caption"><a href="b"><img src="a.jpg"></a>'
        "<figcaption>From attr</figcaption></figure>"
    )


def test_gallery_uses_the_media_the_source_resolved() -> None:
    value = {
        "content": 'Before [gallery ids="2,1,9" columns="2"] after',
        "media": {"1": {"url": "u1", "alt": "one"}, "2": {"url": "u2", "caption": "Two"}},
    }
    assert run("shortcodes", value) == (
        'Before <figure class="wp-block-gallery columns-2">'
        '<figure><a href="u2"><img src="u2" alt=""></a><figcaption>Two</figcaption></figure>'
        '<figure><a href="u1"><img src="u1" alt="one"></a></figure></figure> after'
    )
    assert run("shortcodes", "[gallery]") == ""  # nothing to show without media


def test_shortcodes_make_no_script_link_or_image() -> None:
    # WordPress's esc_url() leaves no link for these; a port must not make one either.
    for url in ("javascript:alert(1)", "java&#x09;script:alert(1)", " JavaScript:x", "data:,x"):
        assert run("shortcodes", f"[embed]{url}[/embed]") == f"<p>{html.escape(url.strip())}</p>"
    media = {"1": {"url": "java\tscript:alert(1)"}, "2": {"url": "https://m.test/a.png"}}
    assert run("shortcodes", {"content": '[gallery ids="1,2"]', "media": media}) == (
        '<figure class="wp-block-gallery columns-3"><figure><a href="https://m.test/a.png">'
        '<img src="https://m.test/a.png" alt=""></a></figure></figure>'
    )


@pytest.mark.parametrize(
    ("unknown", "expected"),
    [
        ("keep", "a [note x=1]inner[/note] [[caption]] [embed]http://v/1[/embed]"),
        ("strip", 'a inner [caption] <p><a href="http://v/1">http://v/1</a></p>'),
        ("drop", 'a  [caption] <p><a href="http://v/1">http://v/1</a></p>'),
    ],
)
def test_unknown_shortcodes(unknown: str, expected: str) -> None:
    text = "a [note x=1]inner[/note] [[caption]] [embed]http://v/1[/embed]"
    if unknown == "keep":
        expected = expected.replace("[[caption]]", "[caption]").replace(
            "[embed]http://v/1[/embed]", '<p><a href="http://v/1">http://v/1</a></p>'
        )
    assert run("shortcodes", text, unknown=unknown) == expected


def test_shortcodes_option_is_checked_at_load_time() -> None:
    assert TRANSFORMS["shortcodes"].check_options({"unknown": "maybe"}) == [
        "unknown must be 'keep', 'strip' or 'drop', got 'maybe'"
    ]


def test_strip_blocks() -> None:
    text = (
        '<!-- wp:heading {"level":2} -->\n<h2>T</h2>\n<!-- /wp:heading -->\n\n'
        "<!-- wp:separator /-->\n\n<!-- wp:core/paragraph -->\n<p>x</p>\n"
        "<!-- /wp:core/paragraph --><!-- a normal comment -->"
    )
    assert run("strip_blocks", text) == "<h2>T</h2>\n\n<p>x</p>\n<!-- a normal comment -->"


def test_rebase_url() -> None:
    url = "https://old.example.com/wp-content/uploads/2024/a.jpg?w=300#f"
    assert run("rebase_url", url, to="") == url
    assert run("rebase_url", url, to="http://127.0.0.1:8000/mirror/") == (
        "http://127.0.0.1:8000/mirror/wp-content/uploads/2024/a.jpg?w=300#f"
    )
    assert run("rebase_url", url, to="http://m", strip_path="/wp-content/uploads") == (
        "http://m/2024/a.jpg?w=300#f"
    )
    assert run("rebase_url", url, to="http://m", hosts=["other.example.com"]) == url
    assert run("rebase_url", "/relative.jpg", to="http://m") == "/relative.jpg"
    assert run("rebase_url", [url, ""], to="http://m")[1] == ""


def test_map_and_pluck() -> None:
    table = {"wp@old.example.com": "ada@example.com"}
    assert run("map", "wp@old.example.com", table=table, default="") == "ada@example.com"
    assert run("map", "x@y.z", table=table, default="") == ""
    assert run("map", "x@y.z", table=table) == "x@y.z"
    assert run("pluck", [{"name": "A", "slug": "a"}, {"name": ""}, "x"], key="name") == ["A"]


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("[:en]Hello[:es]Hola[:]", "es", "Hola"),
        ("[:en]Hello[:es]Hola[:]", "de", ""),
        ("<!--:en-->Hi<!--:--><!--:de-->Hallo<!--:-->", "de", "Hallo"),
        ("No markup", "es", "No markup"),
    ],
)
def test_qtranslate(text: str, locale: str, expected: str) -> None:
    assert run("qtranslate", text, locale=locale) == expected
