"""The WordPress transforms against outputs worked out by hand from WordPress's PHP."""

from __future__ import annotations

import html
import re
import time

import pytest

from migrator.mapping import TRANSFORMS
from migrator.mapping.transforms import noting
from tests.fresh_python import in_fresh_python


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


def test_wpautop_block_names_grouped_by_first_letter_are_the_same_names() -> None:
    from migrator.mapping.wordpress_transforms import _ALLBLOCKS, _BLOCK_NAMES

    flat = re.compile("(?:" + "|".join(_BLOCK_NAMES) + ")")
    grouped = re.compile(_ALLBLOCKS)
    names = [n for n in _BLOCK_NAMES if n != "h[1-6]"] + [f"h{i}" for i in range(1, 7)]
    for word in [*names, "h7", "h", "tab", "p2", "colgroups", "b", "span", "pr", "img"]:
        assert bool(grouped.fullmatch(word)) == bool(flat.fullmatch(word)), word
    assert all(grouped.fullmatch(n) for n in names)
    # Block tags of every first letter still open and close paragraphs.
    text = "a<hgroup>b</hgroup>c<pre>d</pre>e<colgroup></colgroup>f"
    assert run("wpautop", text) == (
        "<p>a</p>\n<hgroup>b</hgroup>\n<p>c</p>\n<pre>d</pre>\n<p>e</p>\n<colgroup></colgroup>\n"
        "<p>f</p>\n"
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


def test_qtranslate_fallback_fills_a_missing_language_only() -> None:
    text = "[:en]Hello[:fr][:]"
    assert run("qtranslate", text, locale="fr", fallback="en") == "Hello"
    assert run("qtranslate", "[:en]Hello[:fr]Salut[:]", locale="fr", fallback="en") == "Salut"
    assert run("qtranslate", text, locale="fr") == ""


# --------------------------------------------------------------------------- media shortcodes

U = "https://m.test/wp-content/uploads"
MEDIA = {
    "5": {"id": "5", "url": f"{U}/a.mp3", "title": "Song A"},
    "6": {"id": "6", "url": f"{U}/b.ogg", "title": ""},
    "7": {"id": "7", "url": f"{U}/p.jpg", "title": "Zebra", "alt": "Z"},
    "8": {"id": "8", "url": f"{U}/v.mp4", "title": "Clip"},
    "9": {"id": "9", "url": f"{U}/q.png", "title": "Apple", "caption": "An apple"},
}


def with_media(content: str, attached=("5", "6", "7", "8", "9")) -> dict:
    return {"content": content, "media": MEDIA, "attached": list(attached)}


def notes_of(value, **options) -> tuple[str, list]:
    def convert(found: list, text: str) -> tuple[str, list]:
        return run("shortcodes", text, **options), found

    return noting(convert, value)


def test_audio_as_wp_audio_shortcode_writes_it() -> None:
    # wp_audio_shortcode(): a <source> per given type, src first; loop/autoplay as
    # booleans; preload "none" unless given; the first file linked as the fallback.
    text = f'[audio src="{U}/a.mp3" ogg="{U}/a.ogg" loop="on" autoplay="1" preload="auto"]'
    assert run("shortcodes", text) == (
        '<audio class="wp-audio-shortcode" loop="1" autoplay="1" preload="auto" '
        f'controls="controls"><source type="audio/mpeg" src="{U}/a.mp3" />'
        f'<source type="audio/ogg" src="{U}/a.ogg" /><a href="{U}/a.mp3">a.mp3</a></audio>'
    )
    # WordPress.com's positional form, as in the theme unit test data.
    assert f'<source type="audio/mpeg" src="{U}/x.mp3" />' in run(
        "shortcodes", f"[audio {U}/x.mp3]"
    )
    # A src of another type: WordPress links it.
    assert run("shortcodes", '[audio src="https://m.test/a.txt"]') == (
        '<a class="wp-embedded-audio" href="https://m.test/a.txt">https://m.test/a.txt</a>'
    )


def test_audio_and_video_without_a_file_play_the_posts_first_attachment() -> None:
    out = run("shortcodes", with_media("[audio]", attached=("7", "6", "5")))
    assert f'<source type="audio/ogg" src="{U}/b.ogg" />' in out and "a.mp3" not in out
    assert f'src="{U}/v.mp4"' in run("shortcodes", with_media("[video]"))
    # Nothing attached to play: WordPress renders nothing.
    assert run("shortcodes", with_media("x [audio] y", attached=("7",))) == "x  y"


def test_video_as_wp_video_shortcode_writes_it() -> None:
    text = (
        f'[video mp4="{U}/v.mp4" webm="{U}/v.webm" poster="{U}/p.jpg" width="480" '
        'height="270" muted="true"]\n<track kind="captions" src="c.vtt">\n[/video]'
    )
    assert run("shortcodes", text) == (
        '<div style="width: 480px;" class="wp-video"><video class="wp-video-shortcode" '
        f'width="480" height="270" poster="{U}/p.jpg" muted="1" preload="metadata" '
        f'controls="controls"><source type="video/mp4" src="{U}/v.mp4" />'
        f'<source type="video/webm" src="{U}/v.webm" /><a href="{U}/v.mp4">v.mp4</a>'
        '<track kind="captions" src="c.vtt"></video></div>'
    )


def test_media_shortcodes_make_no_script_urls() -> None:
    for bad in ("javascript:alert(1)", "java&#x09;script:alert(1).mp3"):
        out = run("shortcodes", f'[audio mp3="{bad}"] [video src="x.mp4" poster="{bad}"]')
        assert "script:" not in html.unescape(out).replace("\t", ""), out


def test_playlist_is_one_player_per_track_with_its_title() -> None:
    out = run("shortcodes", with_media('[playlist ids="6,5"]'))
    assert out == (
        '<figure class="wp-playlist wp-audio-playlist"><ol>'
        '<li><figure><audio class="wp-audio-shortcode" preload="none" controls="controls">'
        f'<source type="audio/ogg" src="{U}/b.ogg" /><a href="{U}/b.ogg">b.ogg</a></audio>'
        "<figcaption>b.ogg</figcaption></figure></li>"
        '<li><figure><audio class="wp-audio-shortcode" preload="none" controls="controls">'
        f'<source type="audio/mpeg" src="{U}/a.mp3" /><a href="{U}/a.mp3">Song A</a></audio>'
        "<figcaption>Song A</figcaption></figure></li></ol></figure>"
    )
    video = run("shortcodes", with_media('[playlist type="video"]'))
    assert video.count("<video ") == 1 and "<figcaption>Clip</figcaption>" in video
    assert run("shortcodes", with_media("[playlist]", attached=("7",))) == ""


def test_gallery_without_ids_shows_the_attached_images_in_wordpress_order() -> None:
    def srcs(content: str) -> list[str]:
        return re.findall(r'<img src="[^"]*/([^"/]+)"', run("shortcodes", with_media(content)))

    assert srcs("[gallery]") == ["p.jpg", "q.png"]  # images only, the export's order
    assert srcs('[gallery orderby="title"]') == ["q.png", "p.jpg"]  # Apple, Zebra
    assert srcs('[gallery order="DESC"]') == ["q.png", "p.jpg"]
    assert srcs('[gallery exclude="7"]') == ["q.png"]
    assert srcs('[gallery include="9,7"]') == ["q.png", "p.jpg"]
    none = run("shortcodes", with_media('[gallery link="none" columns="x"]'))
    assert "<a " not in none and "columns-3" in none and "<figcaption>An apple</figcaption>" in none


@pytest.mark.parametrize(
    ("text", "link", "iframe"),
    [
        (
            "[embed]https://www.youtube.com/watch?v=SQEQr7c0-dw[/embed]",
            '<p><a href="https://www.youtube.com/watch?v=SQEQr7c0-dw">'
            "https://www.youtube.com/watch?v=SQEQr7c0-dw</a></p>",
            '<iframe width="640" height="360" src="https://www.youtube.com/embed/SQEQr7c0-dw"',
        ),
        (
            "Watch:\nhttps://youtu.be/SQEQr7c0-dw\nthen",
            'Watch:\n<a href="https://youtu.be/SQEQr7c0-dw">https://youtu.be/SQEQr7c0-dw</a>\nthen',
            'Watch:\n<iframe width="640" height="360" src="https://www.youtube.com/embed/SQEQr7c0-dw"',
        ),
        (
            '[embed width="400" height="225"]https://vimeo.com/76979871[/embed]',
            '<p><a href="https://vimeo.com/76979871">https://vimeo.com/76979871</a></p>',
            '<iframe width="400" height="225" src="https://player.vimeo.com/video/76979871"',
        ),
        (
            "<p>https://example.org/page</p>",
            '<p><a href="https://example.org/page">https://example.org/page</a></p>',
            '<p><a href="https://example.org/page">https://example.org/page</a></p>',
        ),
    ],
)
def test_embeds_are_links_or_provider_players(text: str, link: str, iframe: str) -> None:
    assert run("shortcodes", text) == link
    assert run("shortcodes", text, embeds="iframe").startswith(iframe)


def test_embeds_build_the_player_from_the_video_id_alone() -> None:
    # Anything else in the URL stays out of the markup: no attribute injection.
    url = 'https://www.youtube.com/watch?v=SQEQr7c0-dw&x="><script>'
    out = run("shortcodes", f"[embed]{url}[/embed]", embeds="iframe")
    assert 'src="https://www.youtube.com/embed/SQEQr7c0-dw"' in out and "<script" not in out
    # Not an 11-character id, not a known provider: a link.
    for other in ("https://www.youtube.com/watch?v=short", "https://evil.test/watch?v=SQEQr7c0-dw"):
        assert (
            run("shortcodes", other, embeds="iframe")
            == f'<a href="{html.escape(other)}">{html.escape(other)}</a>'
        )


def test_an_audio_or_video_url_on_its_line_is_played() -> None:
    # WordPress's own embed handlers for audio and video files.
    out = run("shortcodes", f"Listen:\n\n{U}/a.mp3\n\n<p>{U}/v.mp4</p>")
    assert out.count("<audio ") == 1 and out.count("<video ") == 1
    # A URL inside a tag split over lines, or mid-sentence, is not one on its own line.
    kept = f'<a title="x\n{U}/a.mp3\n">y</a> and {U}/b.mp3 here\n{U}/c.mp3'
    assert re.findall(r"<audio.*?</audio>", run("shortcodes", kept)) == [
        '<audio class="wp-audio-shortcode" preload="none" controls="controls"><source '
        f'type="audio/mpeg" src="{U}/c.mp3" /><a href="{U}/c.mp3">c.mp3</a></audio>'
    ]


def test_unknown_shortcodes_are_counted_and_prose_brackets_are_not() -> None:
    text = (
        'See [1] and [sic], an [edge case]. [contact-form-7 id="3"] [tabs][tab title="a"]'
        '[audio src="https://m.test/t.mp3"][/tab][/tabs] [contact-form-7 id="4"/] [videopress abc]'
    )
    out, found = notes_of(text)
    assert out.startswith('See [1] and [sic], an [edge case]. [contact-form-7 id="3"] [tabs][tab ')
    assert '<source type="audio/mpeg" src="https://m.test/t.mp3" />' in out  # inside, rendered
    assert [(n.reason, n.items) for n in found] == [
        (
            "unknown shortcodes left as text: [contact-form-7] ×2, [tab] ×1, [tabs] ×1, "
            "[videopress] ×1",
            (("[contact-form-7]", 2), ("[tab]", 1), ("[tabs]", 1), ("[videopress]", 1)),
        )
    ]
    dropped, found = notes_of(text, unknown="drop")
    assert dropped.startswith("See [1] and [sic], an [edge case].  ")
    assert "contact-form" not in dropped and "audio" not in dropped
    assert found[0].reason.startswith("unknown shortcodes removed with their content: ")
    assert notes_of("Just [sic] prose [1].")[1] == []


def test_shortcodes_embeds_option_is_checked_at_load_time() -> None:
    assert TRANSFORMS["shortcodes"].check_options({"embeds": "oembed"}) == [
        "embeds must be 'link' or 'iframe', got 'oembed'"
    ]


def test_a_long_body_of_brackets_takes_linear_time() -> None:
    # One regex for the whole shortcode rescans the rest of the body for every "[1]" (or
    # unclosed "[gallery "): 90 KB of them took 8 s. Now a scan each, whatever the body.
    for body in ("word [1] " * 10_000, "[gallery " * 10_000, "[a x=1]" * 10_000 + "[/a]"):
        started = time.perf_counter()
        out, _ = notes_of(body)
        assert time.perf_counter() - started < 2, body[:20]
        assert len(out) >= len(body) - 10


def test_the_names_registered_ahead_are_the_ones_the_module_registers() -> None:
    """``migrator.mapping`` names WordPress's transforms without importing their module;
    the list must match what the module defines, or a transform would go missing."""
    import ast
    from pathlib import Path

    import migrator.mapping
    import migrator.mapping.wordpress_transforms as wp

    tree = ast.parse(Path(wp.__file__).read_text(encoding="utf-8"))
    registered = [
        d.args[0].value
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        for d in node.decorator_list
        if isinstance(d, ast.Call) and getattr(d.func, "id", "") == "transform"
    ]
    assert sorted(registered) == sorted(migrator.mapping.WORDPRESS_TRANSFORMS)
    for name in registered:
        assert TRANSFORMS[name].fn.__module__ == wp.__name__


def test_a_wordpress_transform_loads_its_module_when_first_looked_up() -> None:
    probe = (
        "import sys, migrator.mapping as m\n"
        "assert 'migrator.mapping.wordpress_transforms' not in sys.modules\n"
        "assert 'wpautop' in m.TRANSFORMS and 'wpautop' in sorted(m.TRANSFORMS)\n"
        "assert 'migrator.mapping.wordpress_transforms' not in sys.modules\n"
        "assert m.TRANSFORMS['wpautop']('a') == '<p>a</p>\\n'\n"
        "assert 'migrator.mapping.wordpress_transforms' in sys.modules\n"
    )
    in_fresh_python(probe)
