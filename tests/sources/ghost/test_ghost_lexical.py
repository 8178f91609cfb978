"""Ghost's Lexical (Ghost 5+) → HTML: the shared real exports, Ghost's own renderer cases
for text formats, each node, the card nodes, malformed documents."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from shared_data import REALDATA as SHARED
from shared_data import needs_realdata as needs_shared

from migrator.records import Record
from migrator.sources import GhostSource
from migrator.sources.ghost.cards import GhostRender, MalformedDocument
from migrator.sources.ghost.lexical import ghost_lexical_html

REALDATA = SHARED / "json"
needs_realdata = needs_shared(REALDATA)


def render(*children: dict[str, Any]) -> tuple[str, list[str]]:
    rendering = GhostRender()
    html = ghost_lexical_html({"root": {"type": "root", "children": list(children)}}, rendering)
    return html, rendering.warnings


def t(value: str, fmt: int = 0) -> dict[str, Any]:
    return {"type": "text", "text": value, "format": fmt, "detail": 0, "mode": "normal"}


def p(*children: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "children": list(children)}


BR = {"type": "linebreak", "version": 1}


# --- the shared real exports ---------------------------------------------------------------


@needs_realdata
def test_the_lexical_image_card_of_a_real_export() -> None:
    items = list(GhostSource(REALDATA / "ghost-migrate--ghost-export-db-wrapped.json").records())
    record = next(
        i for i in items if isinstance(i, Record) and i.identity == "3686b35d96fe6fd2a2748c81"
    )
    assert record.data["html"] is None
    assert record.data["body"] == (
        '<figure class="kg-card kg-image-card">'
        '<img src="https://example.com/images/lexical-image.jpg" class="kg-image" alt=""'
        ' loading="lazy" width="800" height="600"></figure>'
    )
    assert record.warnings == ()


@needs_realdata
def test_a_real_content_api_post_keeps_its_html_and_its_lexical_renders() -> None:
    path = REALDATA / "ghost-migrate--ghost-content-api-posts.json"
    (record,) = list(GhostSource(path).records())
    assert isinstance(record, Record)
    assert (
        record.data["body"]
        == record.data["html"]
        == ("<p>👋 Welcome, it's great to have you here.</p>")
    )
    # The fixture's authors cut its lexical down to one word ("extended-text" node), so it
    # cannot be checked against the html; rendered, it is that word.
    lexical = json.loads(json.loads(path.read_text(encoding="utf-8"))["posts"][0]["lexical"])
    assert ghost_lexical_html(lexical) == "<p>Welcome</p>"


# --- text formats: the cases of Ghost's own renderer ----------------------------------------
# TryGhost/Koenig, packages/kg-lexical-html-renderer/test/text-formats.test.js (MIT): the
# same input nodes and Ghost's expected output.

FORMAT_CASES = [
    ([t("Strong", 1)], "<p><strong>Strong</strong></p>"),
    ([t("Italic", 2)], "<p><em>Italic</em></p>"),
    ([t("Strikethrough", 4)], "<p><s>Strikethrough</s></p>"),
    ([t("Underline", 8)], "<p><u>Underline</u></p>"),
    ([t("Code", 16)], "<p><code>Code</code></p>"),
    ([t("Subscript", 32)], "<p><sub>Subscript</sub></p>"),
    ([t("Superscript", 64)], "<p><sup>Superscript</sup></p>"),
    ([t("Plain "), t("Strong", 1)], "<p>Plain <strong>Strong</strong></p>"),
    ([t("Plain "), t("Strong", 1), t(" Plain")], "<p>Plain <strong>Strong</strong> Plain</p>"),
    ([t("Strong", 1), t(" Plain")], "<p><strong>Strong</strong> Plain</p>"),
    ([t("Strong ", 1), t("Italic", 3)], "<p><strong>Strong <em>Italic</em></strong></p>"),
    ([t("Italic ", 2), t("Strong", 3)], "<p><em>Italic <strong>Strong</strong></em></p>"),
    (
        [t("Strong ", 1), t("Italic", 3), t(" Strong", 1)],
        "<p><strong>Strong <em>Italic</em> Strong</strong></p>",
    ),
    (
        [t("Italic ", 2), t("Strong", 3), t(" Italic", 2)],
        "<p><em>Italic <strong>Strong</strong> Italic</em></p>",
    ),
    ([t("Lever Time", 3)], "<p><em><strong>Lever Time</strong></em></p>"),
    (
        [t("First bold", 1), BR, t("Second bold", 1)],
        "<p><strong>First bold<br>Second bold</strong></p>",
    ),
    (
        [t("First bold", 1), BR, t("Second italic", 2)],
        "<p><strong>First bold</strong><br><em>Second italic</em></p>",
    ),
    (
        [t("First bold", 1), BR, t("Second bold+italic", 3)],
        "<p><strong>First bold<br><em>Second bold+italic</em></strong></p>",
    ),
]


@pytest.mark.parametrize(("children", "html"), FORMAT_CASES)
def test_text_formats_as_ghost_renders_them(children: list[dict[str, Any]], html: str) -> None:
    assert render(p(*children)) == (html, [])


def test_highlight_escaping_and_a_format_that_is_not_a_number() -> None:
    assert render(p(t("<mark> & co", 128), t("x", "bold"))) == (  # type: ignore[arg-type]
        "<p><mark>&lt;mark&gt; &amp; co</mark>x</p>",
        [],
    )


def test_a_link_closes_the_formats_around_it_and_keeps_its_own() -> None:
    link = {
        "type": "link",
        "url": "https://x.test/?a=1&b=2",
        "rel": "noopener",
        "children": [t("go", 1)],
    }
    assert render(p(t("a ", 1), link, t(" b", 1))) == (
        '<p><strong>a </strong><a href="https://x.test/?a=1&amp;b=2" rel="noopener">'
        "<strong>go</strong></a><strong> b</strong></p>",
        [],
    )


def test_a_link_without_a_safe_url_keeps_its_text() -> None:
    for url in ("javascript:alert(1)", "java\tscript:alert(1)", "\x01 JavaScript:x", "", None):
        link = {"type": "link", "url": url, "children": [t("text")]}
        assert render(p(link)) == ("<p>text</p>", [])


# --- elements -------------------------------------------------------------------------------


def test_headings_get_ghosts_ids() -> None:
    h = {"type": "heading", "tag": "h3", "children": [t("What's "), t("new?", 2)]}
    bad = {"type": "extended-heading", "tag": "script", "children": [t("What's new?")]}
    assert render(h, bad) == (
        '<h3 id="whats-new">What\'s <em>new?</em></h3><h2 id="whats-new-1">What\'s new?</h2>',
        [],
    )


def test_quotes_and_asides() -> None:
    assert render(
        {"type": "quote", "children": [t("Said ", 0), t("so", 2)]},
        {"type": "extended-quote", "children": [t("Q")]},
        {"type": "aside", "children": [t("A")]},
    ) == (
        "<blockquote>Said <em>so</em></blockquote><blockquote>Q</blockquote>"
        '<blockquote class="kg-blockquote-alt">A</blockquote>',
        [],
    )


def item(*children: dict[str, Any]) -> dict[str, Any]:
    return {"type": "listitem", "children": list(children)}


def test_lists_nested_numbered_and_started() -> None:
    nested = {"type": "list", "listType": "bullet", "tag": "ul", "children": [item(t("1.1"))]}
    ordered = {
        "type": "list",
        "listType": "number",
        "tag": "ol",
        "start": 3,
        "children": [
            item(t("three")),
            item(nested),
            item(t("four", 1)),
            {"type": "text", "text": "x"},
        ],
    }
    assert render(ordered) == (
        '<ol start="3"><li>three<ul><li>1.1</li></ul></li><li><strong>four</strong></li></ol>',
        [],
    )
    checks = {"type": "list", "listType": "check", "start": 1, "children": [item(t("done"))]}
    assert render(checks) == ("<ul><li>done</li></ul>", [])


def test_a_trailing_empty_paragraph_is_dropped_as_ghost_does() -> None:
    assert render(p(), p(t("x")), p(t("  "))) == ("<p></p><p>x</p>", [])


def test_unknown_nodes_keep_their_content_or_are_named() -> None:
    tk = {"type": "tk", "children": [t("TK")]}
    assert render(
        p(t("a"), tk),
        {"type": "fancy-box", "children": [p(t("inside"))]},
        {"type": "nft", "url": "x"},
    ) == (
        "<p>aTK</p><p>inside</p>",
        [
            "lexical node 'fancy-box' is not supported; kept its content",
            "lexical node 'nft' is not supported; left out",
        ],
    )


# --- card nodes -----------------------------------------------------------------------------


def test_card_nodes() -> None:
    assert render(
        {"type": "horizontalrule", "version": 1},
        {"type": "codeblock", "code": "<b>", "language": "html", "caption": ""},
        {"type": "html", "html": "<div>x</div>"},
        {"type": "markdown", "markdown": "# T"},
        {
            "type": "callout",
            "calloutEmoji": "",
            "calloutText": "<p>Hi</p>",
            "backgroundColor": "white",
        },
        {"type": "paywall"},
    ) == (
        '<hr><pre><code class="language-html">&lt;b&gt;</code></pre>'
        "<!--kg-card-begin: html--><div>x</div><!--kg-card-end: html-->"
        '<!--kg-card-begin: markdown--><h1 id="t">T</h1>\n<!--kg-card-end: markdown-->'
        '<div class="kg-card kg-callout-card kg-callout-card-white"><div class="kg-callout-text">'
        "<p>Hi</p></div></div><!--members-only-->",
        [],
    )


# --- malformed ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ([], 'no "root" object'),
        ({"root": "x"}, 'no "root" object'),
        ({"root": {"children": "x"}}, "root: children is not a list of objects"),
        ({"root": {"children": [1]}}, "root: children is not a list of objects"),
        (
            {"root": {"children": [{"type": "paragraph", "children": {"a": 1}}, p(t("x"))]}},
            "root.children[0]: children is not a list of objects",
        ),
    ],
)
def test_malformed_documents_are_named(document: Any, problem: str) -> None:
    with pytest.raises(MalformedDocument, match=problem.replace("[", r"\[").replace("]", r"\]")):
        ghost_lexical_html(document)


@pytest.mark.parametrize("depth", [480, 3000])
def test_a_deeply_nested_document_is_a_warning_not_a_crash(tmp_path: Path, depth: int) -> None:
    # Deeper than Python's recursion limit here, than orjson's nesting limit there: the
    # nesting limit (sources.limits.MAX_DEPTH) stops both before they are reached.
    problem = "lexical is nested deeper than 128 levels (at its byte 1784)"
    quote = '{"type":"quote","children":['
    lexical = '{"root":{"children":[' + quote * depth + '{"type":"text","text":"x"}'
    lexical += "]}" * depth + "]}}"
    export = {"db": [{"meta": {}, "data": {"posts": [{"id": "deep", "lexical": lexical}]}}]}
    path = tmp_path / "g.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)  # whatever the interpreter's default, 480 levels exceed it
    try:
        (record,) = list(GhostSource(path).records())
    finally:
        sys.setrecursionlimit(limit)
    assert isinstance(record, Record) and record.data["body"] == ""
    assert len(record.warnings) == 1
    assert record.warnings[0].startswith(f"post deep: {problem}")
    assert record.warnings[0].endswith("; body left empty")
