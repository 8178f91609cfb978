"""Mobiledoc (Ghost 1.x–4.x) → HTML: each section, marker, markup and atom, the malformed
documents, and a mobiledoc-only post through GhostSource and the shipped mapping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from migrator.mapping import load_mapping
from migrator.records import Record
from migrator.sources import GhostSource
from migrator.sources.ghost.cards import GhostRender, MalformedDocument
from migrator.sources.ghost.mobiledoc import ghost_version, mobiledoc_html

ROOT = Path(__file__).resolve().parents[3]


def render(
    sections: list[Any],
    *,
    markups: list[Any] | None = None,
    atoms: list[Any] | None = None,
    cards: list[Any] | None = None,
    ghost: str | None = "4.0",
) -> tuple[str, list[str]]:
    document: dict[str, Any] = {
        "version": "0.3.1",
        "markups": markups or [],
        "atoms": atoms or [],
        "cards": cards or [],
        "sections": sections,
    }
    if ghost:
        document["ghostVersion"] = ghost
    rendering = GhostRender(ghost_version=ghost_version(document))
    return mobiledoc_html(document, rendering), rendering.warnings


def text(value: str, opened: list[int] | None = None, closed: int = 0) -> list[Any]:
    return [0, opened or [], closed, value]


# --- sections ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "html"),
    [
        ("p", "<p>Hi</p>"),
        ("P", "<p>Hi</p>"),  # Mobiledoc 0.3.0 wrote upper-case tags
        ("h1", '<h1 id="hi">Hi</h1>'),
        ("h6", '<h6 id="hi">Hi</h6>'),
        ("blockquote", "<blockquote>Hi</blockquote>"),
        ("aside", '<blockquote class="kg-blockquote-alt">Hi</blockquote>'),
        ("pull-quote", "<blockquote>Hi</blockquote>"),
    ],
)
def test_markup_sections(tag: str, html: str) -> None:
    assert render([[1, tag, [text("Hi")]]]) == (html, [])


def test_an_unknown_section_tag_becomes_a_paragraph_with_a_warning() -> None:
    assert render([[1, "marquee", [text("Hi")]]]) == (
        "<p>Hi</p>",
        ["mobiledoc section tag 'marquee' is not supported; made a paragraph"],
    )


def test_image_and_list_sections() -> None:
    html, warnings = render(
        [
            [2, "https://x.test/a.png"],
            [3, "ul", [[text("one")], [text("two", [0], 1)]]],
            [3, "ol", [[text("first")]]],
        ],
        markups=[["em"]],
    )
    assert html == (
        '<img src="https://x.test/a.png">'
        "<ul><li>one</li><li><em>two</em></li></ul><ol><li>first</li></ol>"
    )
    assert warnings == []


def test_an_unknown_section_type_is_left_out_with_a_warning() -> None:
    assert render([[7, "x"], [1, "p", [text("kept")]]]) == (
        "<p>kept</p>",
        ["mobiledoc section type 7 is not supported; left out"],
    )


def test_a_trailing_empty_paragraph_is_dropped_as_ghost_does() -> None:
    sections = [[1, "p", []], [1, "p", [text("x")]], [1, "p", [text("")]]]
    assert render(sections) == ("<p></p><p>x</p>", [])
    soft_return_only = [[1, "p", [text("x")]], [1, "p", [[1, [], 0, 0]]]]
    assert render(soft_return_only, atoms=[["soft-return", "", {}]]) == ("<p>x</p>", [])
    assert render([[1, "p", [text(" ")]]]) == ("<p> </p>", [])  # a space is text


# --- markers, markups, atoms ----------------------------------------------------------------


def test_text_is_escaped_as_ghost_does() -> None:
    assert render([[1, "p", [text("<script>&\"'")]]]) == ("<p>&lt;script&gt;&amp;\"'</p>", [])


def test_markups_stay_open_across_markers() -> None:
    markers = [text("a", [0]), text("b", [1], 1), text("c", [], 1), text("d")]
    assert render([[1, "p", markers]], markups=[["strong"], ["em"]]) == (
        "<p><strong>a<em>b</em>c</strong>d</p>",
        [],
    )


def test_markups_left_open_are_closed_at_the_section_end() -> None:
    markers = [text("a", [0, 1])]
    assert render([[1, "p", markers]], markups=[["s"], ["u"]]) == ("<p><s><u>a</u></s></p>", [])


def test_link_attributes_kept_unsafe_ones_dropped() -> None:
    markups = [
        ["a", ["href", 'https://x.test/?a=1&b="2"', "rel", "noopener", "target", "_blank"]],
        ["a", ["href", "javascript:alert(1)", "onclick", "evil()"]],
        ["a", ["href", "__GHOST_URL__/about/"]],
    ]
    markers = [text("one", [0], 1), text("two", [1], 1), text("three", [2], 1)]
    assert render([[1, "p", markers]], markups=markups) == (
        '<p><a href="https://x.test/?a=1&amp;b=&quot;2&quot;" rel="noopener" target="_blank">one'
        '</a><a>two</a><a href="__GHOST_URL__/about/">three</a></p>',
        [],
    )


@pytest.mark.parametrize("tag", ["b", "i", "code", "sub", "sup", "u", "s"])
def test_the_other_markups(tag: str) -> None:
    assert render([[1, "p", [text("x", [0], 1)]]], markups=[[tag.upper()]]) == (
        f"<p><{tag}>x</{tag}></p>",
        [],
    )


def test_an_unknown_markup_keeps_its_text_with_a_warning() -> None:
    markers = [text("a", [0]), text("b", [1], 2)]
    assert render([[1, "p", markers]], markups=[["blink"], ["em"]]) == (
        "<p>a<em>b</em></p>",
        ["mobiledoc markup 'blink' is not supported; kept its text"],
    )


def test_atoms() -> None:
    atoms = [["soft-return", "", {}], ["mention", "@ada", {"id": 1}]]
    markers = [text("a"), [1, [], 0, 0], text("b"), [1, [], 0, 1]]
    assert render([[1, "p", markers]], atoms=atoms) == (
        "<p>a<br>b@ada</p>",
        ["mobiledoc atom 'mention' is not supported; kept its text"],
    )


# --- heading ids ----------------------------------------------------------------------------


def test_heading_ids_follow_the_ghost_version_and_are_made_unique() -> None:
    sections = [[1, "h2", [text("Café déjà-vu!")]], [1, "h2", [text("Café déjà-vu!")]]]
    assert render(sections, ghost="4.0")[0] == (
        '<h2 id="caf%C3%A9-d%C3%A9j%C3%A0-vu">Café déjà-vu!</h2>'
        '<h2 id="caf%C3%A9-d%C3%A9j%C3%A0-vu-1">Café déjà-vu!</h2>'
    )
    assert render(sections, ghost=None)[0] == (  # Ghost 1.x–3.x: ASCII word characters
        '<h2 id="caf-d-j-vu-">Café déjà-vu!</h2><h2 id="caf-d-j-vu--1">Café déjà-vu!</h2>'
    )
    assert render([[1, "h3", []]]) == ("<h3></h3>", [])  # nothing to name it by


# --- cards ----------------------------------------------------------------------------------


def test_cards_render_and_unknown_ones_are_named_in_a_warning() -> None:
    cards = [["hr", {}], ["nft", {"url": "x"}], ["html", {"html": "<b>raw</b>"}], ["hr"]]
    sections = [[10, 0], [10, 1], [10, 2], [10, 3]]
    assert render(sections, cards=cards) == (
        "<hr><!--kg-card-begin: html--><b>raw</b><!--kg-card-end: html--><hr>",
        ["mobiledoc card 'nft' is not supported; left out"],
    )


def test_the_markdown_card_as_each_ghost_version_wrote_it() -> None:
    source = "## Next *step*\n\nline one\nline <b>two</b>"
    cards = [["markdown", {"markdown": source}]]
    body = "<p>line one<br>\nline <b>two</b></p>\n"  # Ghost's markdown-it: html and breaks on
    assert render([[10, 0]], cards=cards, ghost="4.0")[0] == (
        '<!--kg-card-begin: markdown--><h2 id="next-step">Next <em>step</em></h2>\n'
        f"{body}<!--kg-card-end: markdown-->"
    )
    assert render([[10, 0]], cards=cards, ghost=None)[0] == (  # 2.x: no comments, old ids
        f'<h2 id="nextstep">Next <em>step</em></h2>\n{body}'
    )
    ghost1 = [["card-markdown", {"cardName": "card-markdown", "markdown": "Hello *you*"}]]
    assert render([[10, 0]], cards=ghost1, ghost=None) == (
        '<div class="kg-card-markdown"><p>Hello <em>you</em></p>\n</div>',
        [],
    )


# --- malformed documents -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ([], "not a JSON object"),
        ({"version": "0.2.0", "sections": []}, "version '0.2.0' is not Mobiledoc 0.3"),
        ({"sections": {"a": 1}}, "sections is not a list"),
        ({"sections": ["p"]}, "section 0 is not a list"),
        ({"sections": [[1, "p"]]}, "section 0 is too short"),
        ({"sections": [[1, "p", "text"]]}, "section 0: the markers are not a list"),
        ({"sections": [[1, "p", [[0, [], 0]]]]}, "section 0 marker 0 is not"),
        ({"sections": [[1, "p", [[0, [3], 1, "x"]]]]}, "section 0 marker 0: markup 3 does"),
        ({"sections": [[1, "p", [[0, [], 1, "x"]]]]}, "closes more markups than are open"),
        ({"sections": [[1, "p", [[2, [], 0, "x"]]]]}, "type 2 is not 0 or 1"),
        ({"sections": [[1, "p", [[1, [], 0, 0]]], [2, "x"]]}, "section 0 marker 0: atom 0 does"),
        ({"sections": [[10, 0]]}, "section 0: card 0 does not exist"),
        ({"cards": [[{}]], "sections": [[10, 0]]}, "card 0 is not [name, payload]"),
        ({"sections": [[3, "ul", "x"]]}, "section 0: the list items are not a list"),
    ],
)
def test_malformed_documents_are_named(document: Any, problem: str) -> None:
    with pytest.raises(MalformedDocument) as caught:
        mobiledoc_html(document)
    assert problem in str(caught.value)


# --- through GhostSource --------------------------------------------------------------------

MOBILEDOC = {
    "version": "0.3.1",
    "ghostVersion": "4.0",
    "atoms": [["soft-return", "", {}]],
    "markups": [["a", ["href", "https://example.com/more"]], ["strong"]],
    "cards": [
        [
            "image",
            {"src": "https://example.com/a.jpg", "alt": "A cat", "caption": "Our <i>cat</i>"},
        ],
        ["markdown", {"markdown": "- one\n- **two**"}],
        ["unicorn", {}],
    ],
    "sections": [
        [1, "h2", [text("Hello")]],
        [1, "p", [text("Read "), text("more", [0, 1], 2), [1, [], 0, 0], text("now")]],
        [10, 0],
        [10, 1],
        [10, 2],
        [1, "p", []],
    ],
}
RENDERED = (
    '<h2 id="hello">Hello</h2>'
    '<p>Read <a href="https://example.com/more"><strong>more</strong></a><br>now</p>'
    '<figure class="kg-card kg-image-card kg-card-hascaption">'
    '<img src="https://example.com/a.jpg" class="kg-image" alt="A cat" loading="lazy">'
    "<figcaption>Our <i>cat</i></figcaption></figure>"
    "<!--kg-card-begin: markdown--><ul>\n<li>one</li>\n<li><strong>two</strong></li>\n</ul>\n"
    "<!--kg-card-end: markdown-->"
)


def export(posts: list[dict[str, Any]]) -> bytes:
    data = {"posts": posts, "tags": [], "users": [], "posts_tags": [], "posts_authors": []}
    return orjson.dumps({"db": [{"meta": {"exported_on": 1, "version": "4.1.0"}, "data": data}]})


def post(i: str, **fields: Any) -> dict[str, Any]:
    return {"id": i, "title": f"Post {i}", "slug": f"post-{i}", "status": "published", **fields}


def records(tmp_path: Path, *posts: dict[str, Any]) -> list[Record]:
    path = tmp_path / "ghost.json"
    path.write_bytes(export(list(posts)))
    items = list(GhostSource(path).records())
    assert all(isinstance(i, Record) for i in items), items
    return [i for i in items if isinstance(i, Record)]


def test_a_mobiledoc_only_post_gets_its_body(tmp_path: Path) -> None:
    (record,) = records(tmp_path, post("p", html=None, mobiledoc=orjson.dumps(MOBILEDOC).decode()))
    assert record.data["body"] == RENDERED
    assert record.warnings == ("mobiledoc card 'unicorn' is not supported; left out",)


def test_html_wins_then_lexical_then_mobiledoc(tmp_path: Path) -> None:
    lexical = '{"root":{"children":[{"type":"paragraph","children":[{"type":"text","text":"L"}]}]}}'
    mobiledoc = '{"version":"0.3.1","sections":[[1,"p",[[0,[],0,"M"]]]]}'
    a, b, c = records(
        tmp_path,
        post("a", html="<p>H</p>", lexical=lexical, mobiledoc="{broken"),
        post("b", html="", lexical=lexical, mobiledoc=mobiledoc),
        post("c", html="  ", lexical=None, mobiledoc=mobiledoc),
    )
    assert [r.data["body"] for r in (a, b, c)] == ["<p>H</p>", "<p>L</p>", "<p>M</p>"]
    assert a.warnings == b.warnings == c.warnings == ()


def test_malformed_content_is_a_warning_naming_the_post_never_a_crash(tmp_path: Path) -> None:
    mobiledoc = '{"version":"0.3.1","sections":[[1,"p",[[0,[],0,"M"]]]]}'
    bad, wrong, fallback, after = records(
        tmp_path,
        post("bad", mobiledoc="{not json"),
        post("wrong", mobiledoc='{"version":"0.3.1","sections":[[1,"p",[[0,[9],1,"x"]]]]}'),
        post("fallback", lexical='{"root": 3}', mobiledoc=mobiledoc),
        post("after", mobiledoc=mobiledoc),
    )
    assert bad.data["body"] == "" and len(bad.warnings) == 1
    assert bad.warnings[0].startswith("post bad: mobiledoc is not valid JSON (")
    assert bad.warnings[0].endswith("); body left empty")
    assert wrong.data["body"] == ""
    assert wrong.warnings == (
        "post wrong: mobiledoc is malformed (section 0 marker 0: markup 9 does not exist); "
        "body left empty",
    )
    assert fallback.data["body"] == "<p>M</p>"
    assert fallback.warnings == (
        'post fallback: lexical is malformed (not a Lexical document: no "root" object); '
        "rendered the mobiledoc instead",
    )
    assert after.data["body"] == "<p>M</p>" and after.warnings == ()


def test_the_shipped_mapping_sends_the_rendered_body(tmp_path: Path) -> None:
    (record,) = records(tmp_path, post("p", html=None, mobiledoc=orjson.dumps(MOBILEDOC).decode()))
    payload = load_mapping(ROOT / "mappings" / "ghost_posts.toml").compile()(record)
    assert payload is not None and payload.kind == "post"
    assert (payload.slug, payload.body["title"]) == ("post-p", "Post p")
    assert payload.body["body"] == (  # the mapping's html_clean: no classes, no comments
        '<h2>Hello</h2><p>Read <a href="https://example.com/more"><strong>more</strong></a>'
        '<br>now</p><figure><img src="https://example.com/a.jpg" alt="A cat">'
        "<figcaption>Our <i>cat</i></figcaption></figure>"
        "<ul>\n<li>one</li>\n<li><strong>two</strong></li>\n</ul>"
    )
