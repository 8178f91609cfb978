"""Each Ghost card as HTML (the same for a Mobiledoc card and a Lexical card node)."""

from __future__ import annotations

from typing import Any

import pytest

from migrator.sources.ghost.cards import GhostRender, card_html

IMG = "https://example.com/a.jpg"
PLAIN_IMAGE = (
    f'<figure class="kg-card kg-image-card"><img src="{IMG}" class="kg-image" alt="" '
    'loading="lazy"></figure>'
)


def gallery_image(n: int) -> str:
    return (
        f'<div class="kg-gallery-image"><img src="https://example.com/{n}.jpg" loading="lazy"'
        ' alt=""></div>'
    )


CASES: list[tuple[str, dict[str, Any], str]] = [
    ("image", {"src": IMG}, PLAIN_IMAGE),
    (
        "image",
        {
            "src": IMG,
            "alt": 'A "cat"',
            "title": "T",
            "caption": 'By <a href="/x">me</a>',
            "width": 800,
            "height": 600,
            "cardWidth": "wide",
            "href": "https://example.com/",
        },
        '<figure class="kg-card kg-image-card kg-width-wide kg-card-hascaption">'
        f'<a href="https://example.com/"><img src="{IMG}" class="kg-image" alt="A &quot;cat&quot;" '
        'loading="lazy" title="T" width="800" height="600"></a>'
        '<figcaption>By <a href="/x">me</a></figcaption></figure>',
    ),
    ("image", {"src": IMG, "width": 800, "cardWidth": "regular"}, PLAIN_IMAGE),
    ("image", {"src": ""}, ""),
    ("image", {"src": "javascript:alert(1)"}, ""),
    (
        "gallery",
        {
            "images": [
                {"src": "https://example.com/1.jpg", "width": 10, "height": 5, "row": 0},
                {"src": "https://example.com/2.jpg", "row": 0, "alt": "two", "href": "/2"},
                {"src": "https://example.com/3.jpg", "row": 0},
                {"src": "https://example.com/4.jpg", "row": 1},
                {"fileName": "no-src.jpg"},
            ],
            "caption": "Four",
        },
        # four pictures: Ghost moves the third down, never leaving one alone on a row
        '<figure class="kg-card kg-gallery-card kg-width-wide kg-card-hascaption">'
        '<div class="kg-gallery-container"><div class="kg-gallery-row">'
        '<div class="kg-gallery-image"><img src="https://example.com/1.jpg" width="10" height="5"'
        ' loading="lazy" alt=""></div>'
        '<div class="kg-gallery-image"><a href="/2"><img src="https://example.com/2.jpg"'
        ' loading="lazy" alt="two"></a></div>'
        f'</div><div class="kg-gallery-row">{gallery_image(3)}{gallery_image(4)}'
        "</div></div><figcaption>Four</figcaption></figure>",
    ),
    (
        "gallery",
        {"images": [{"src": "https://example.com/1.jpg"}, {"src": "https://example.com/2.jpg"}]},
        '<figure class="kg-card kg-gallery-card kg-width-wide"><div class="kg-gallery-container">'
        '<div class="kg-gallery-row">'
        f"{gallery_image(1)}{gallery_image(2)}</div></div></figure>",
    ),
    ("gallery", {"images": []}, ""),
    (
        "embed",
        {
            "url": "https://youtu.be/x",
            "html": '<iframe src="https://y.test/e"></iframe>',
            "caption": "Watch",
        },
        '<figure class="kg-card kg-embed-card kg-card-hascaption"><iframe src="https://y.test/e">'
        "</iframe><figcaption>Watch</figcaption></figure>",
    ),
    (
        "embed",
        {"url": "https://youtu.be/x?a=1&b=2"},
        '<figure class="kg-card kg-embed-card"><a href="https://youtu.be/x?a=1&amp;b=2">'
        "https://youtu.be/x?a=1&amp;b=2</a></figure>",
    ),
    ("embed", {}, ""),
    (
        "bookmark",
        {
            "url": "https://example.com/post",
            "caption": "Worth it",
            "metadata": {
                "title": "A <title>",
                "description": "About & more",
                "author": "Ada",
                "publisher": "Example",
                "icon": "https://example.com/icon.png",
                "thumbnail": "https://example.com/thumb.png",
            },
        },
        '<figure class="kg-card kg-bookmark-card kg-card-hascaption">'
        '<a class="kg-bookmark-container" href="https://example.com/post">'
        '<div class="kg-bookmark-content"><div class="kg-bookmark-title">A &lt;title&gt;</div>'
        '<div class="kg-bookmark-description">About &amp; more</div>'
        '<div class="kg-bookmark-metadata">'
        '<img class="kg-bookmark-icon" src="https://example.com/icon.png" alt="">'
        '<span class="kg-bookmark-author">Example</span>'
        '<span class="kg-bookmark-publisher">Ada</span></div></div>'
        '<div class="kg-bookmark-thumbnail"><img src="https://example.com/thumb.png" alt="">'
        "</div></a><figcaption>Worth it</figcaption></figure>",
    ),
    (
        "bookmark",
        {"url": "https://example.com/bare"},  # no metadata: the link is kept, titled by its URL
        '<figure class="kg-card kg-bookmark-card">'
        '<a class="kg-bookmark-container" href="https://example.com/bare">'
        '<div class="kg-bookmark-content">'
        '<div class="kg-bookmark-title">https://example.com/bare</div>'
        '<div class="kg-bookmark-description"></div><div class="kg-bookmark-metadata"></div>'
        "</div></a></figure>",
    ),
    ("bookmark", {"metadata": {"title": "no url"}}, ""),
    ("hr", {}, "<hr>"),
    (
        "code",
        {"code": "if a < b && c:\n\tpass", "language": "python"},
        '<pre><code class="language-python">if a &lt; b &amp;&amp; c:\n\tpass</code></pre>',
    ),
    ("code", {"code": "x = 1"}, "<pre><code>x = 1</code></pre>"),
    (
        "code",
        {"code": "x", "caption": "Setup"},
        '<figure class="kg-card kg-code-card"><pre><code>x</code></pre>'
        "<figcaption>Setup</figcaption></figure>",
    ),
    ("code", {"code": ""}, ""),
    (
        "html",
        {"html": "<div onclick='x'>raw</div>"},
        "<!--kg-card-begin: html--><div onclick='x'>raw</div><!--kg-card-end: html-->",
    ),
    ("html", {"html": " "}, ""),
    (
        "markdown",
        {"markdown": "Hello **you**"},
        "<!--kg-card-begin: markdown--><p>Hello <strong>you</strong></p>\n"
        "<!--kg-card-end: markdown-->",
    ),
    (
        "markdown",
        {"markdown": "```js\nlet a = 1 < 2;\n```"},
        '<!--kg-card-begin: markdown--><pre><code class="language-js">let a = 1 &lt; 2;\n'
        "</code></pre>\n<!--kg-card-end: markdown-->",
    ),
    ("markdown", {}, ""),
    (
        "callout",
        {"calloutEmoji": "💡", "calloutText": "Note <b>this</b>", "backgroundColor": "blue"},
        '<div class="kg-card kg-callout-card kg-callout-card-blue">'
        '<div class="kg-callout-emoji">💡</div>'
        '<div class="kg-callout-text">Note <b>this</b></div></div>',
    ),
    (
        "callout",
        {"calloutText": "Plain"},
        '<div class="kg-card kg-callout-card kg-callout-card-grey">'
        '<div class="kg-callout-text">Plain</div></div>',
    ),
    (
        "button",
        {"buttonUrl": "https://example.com/join", "buttonText": "Join & go", "alignment": "center"},
        '<div class="kg-card kg-button-card kg-align-center"><a href="https://example.com/join" '
        'class="kg-btn kg-btn-accent">Join &amp; go</a></div>',
    ),
    ("button", {"buttonText": "nowhere"}, ""),
    ("button", {"buttonUrl": "javascript:void(0)", "buttonText": "evil"}, ""),
    (
        "toggle",
        {"heading": "<span>FAQ?</span>", "content": "<p>Yes.</p>"},
        '<div class="kg-card kg-toggle-card" data-kg-toggle-state="close">'
        '<div class="kg-toggle-heading">'
        '<h4 class="kg-toggle-heading-text"><span>FAQ?</span></h4></div>'
        '<div class="kg-toggle-content"><p>Yes.</p></div></div>',
    ),
    (
        "video",
        {
            "src": "https://example.com/v.mp4",
            "fileName": "v.mp4",
            "thumbnailSrc": "https://example.com/t.jpg",
            "width": 640,
            "height": 360,
            "loop": True,
            "caption": "Clip",
        },
        '<figure class="kg-card kg-video-card kg-card-hascaption">'
        '<video src="https://example.com/v.mp4" poster="https://example.com/t.jpg" width="640"'
        ' height="360" controls loop preload="metadata">'
        '<a href="https://example.com/v.mp4">v.mp4</a></video><figcaption>Clip</figcaption></figure>',
    ),
    (
        "video",
        {"src": "https://example.com/v.mp4"},
        '<figure class="kg-card kg-video-card">'
        '<video src="https://example.com/v.mp4" controls preload="metadata">'
        '<a href="https://example.com/v.mp4">https://example.com/v.mp4</a></video></figure>',
    ),
    (
        "audio",
        {"src": "https://example.com/a.mp3", "title": "Episode <1>"},
        '<div class="kg-card kg-audio-card">'
        '<audio src="https://example.com/a.mp3" controls preload="metadata">'
        '<a href="https://example.com/a.mp3">Episode &lt;1&gt;</a></audio></div>',
    ),
    (
        "file",
        {
            "src": "https://example.com/f.pdf",
            "fileName": "f.pdf",
            "fileTitle": "Menu",
            "fileCaption": "Fish & chips",
        },
        '<div class="kg-card kg-file-card"><a href="https://example.com/f.pdf" download>Menu</a>'
        "<p>Fish &amp; chips</p></div>",
    ),
    (
        "file",
        {"src": "https://example.com/f.pdf", "fileName": "f.pdf"},
        '<div class="kg-card kg-file-card"><a href="https://example.com/f.pdf" download>f.pdf</a>'
        "</div>",
    ),
    ("audio", {}, ""),
    ("paywall", {}, "<!--members-only-->"),
    ("email", {"html": "<p>Only in the newsletter</p>"}, ""),
    ("email-cta", {"html": "<p>Subscribe</p>"}, ""),
]


@pytest.mark.parametrize(("name", "payload", "html"), CASES, ids=[c[0] for c in CASES])
def test_card(name: str, payload: dict[str, Any], html: str) -> None:
    rendering = GhostRender(ghost_version=4)
    assert card_html(name, payload, rendering, what="card") == html
    assert rendering.warnings == []


def test_before_ghost_3_html_and_markdown_cards_had_no_comments() -> None:
    rendering = GhostRender(ghost_version=2)
    assert card_html("html", {"html": "<b>x</b>"}, rendering, what="card") == "<b>x</b>"
    assert card_html("markdown", {"markdown": "x"}, rendering, what="card") == "<p>x</p>\n"


def test_an_unknown_card_is_left_out_and_named_once() -> None:
    rendering = GhostRender()
    assert card_html("product", {"productTitle": "Mug"}, rendering, what="mobiledoc card") == ""
    assert card_html("product", {}, rendering, what="mobiledoc card") == ""
    assert rendering.warnings == ["mobiledoc card 'product' is not supported; left out"]


def test_values_from_the_payload_cannot_break_out_of_their_attribute() -> None:
    payload = {"src": IMG, "cardWidth": 'x" onload="alert(1)', "title": '<"t">'}
    assert card_html("image", payload, GhostRender(), what="card") == (
        '<figure class="kg-card kg-image-card kg-width-x&quot; onload=&quot;alert(1)">'
        f'<img src="{IMG}" class="kg-image" alt="" loading="lazy" title="<&quot;t&quot;>">'
        "</figure>"
    )


def test_a_payload_that_is_not_an_object_renders_nothing() -> None:
    assert card_html("image", ["not", "a", "dict"], GhostRender(), what="card") == ""
