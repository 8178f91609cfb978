"""``strip_html`` (HTML → one line of text) on lxml: the text the stdlib's html.parser gave,
on the real exports and on the markup libxml2 reads otherwise; a hostile body is refused
quickly, as a record error naming the field."""

from __future__ import annotations

import json
import re
import time
from html.parser import HTMLParser

import pytest
from lxml import etree
from shared_data import REALDATA, needs_realdata

from migrator.errors import RecordError
from migrator.mapping import TRANSFORMS, load_mapping
from migrator.mapping.links.html import img_sources, iter_img_sources, played_sources, rewrite_urls

strip_html = TRANSFORMS["strip_html"]
clean = TRANSFORMS["html_clean"]


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Hi <b>there</b></p><script>x()</script><p>again</p>", "Hi there again"),
        ("<b>Post 4</b> &amp; friends", "Post 4 & friends"),
        # Block tags part words, a stray end tag too (a page builder's leftover </div>).
        ("one</p>two<BR>three</DIV>four<li>five", "one two three four five"),
        ("<ul><li>a<li>b</ul>c", "a bc"),
        # libxml2 would end the document at </html>: what follows is read all the same.
        ("<html><body>first</body></html> and after", "first and after"),
        # Raw text to libxml2, markup to a browser's eye and to html.parser: its tags go.
        ("<textarea>a<b>b</b></textarea><title>T</title>", "abT"),
        # A "<![CDATA[" nothing closes is text (a title of the theme unit test data).
        ("Content with nested <![CDATA[ tags ]>", "Content with nested <![CDATA[ tags ]>"),
        ("a<!-- note -->b<?php echo 1 ?>c<![CDATA[x]]>d", "abcd"),
        ("x<noscript><b>y</b></noscript>z<iframe src=v>w</iframe>", "xz"),
        # HTML5's entities, the Windows-1252 numbers, a legacy one without its ";".
        ("&check; &#150; &amp x &hellip;", "✓ – & x …"),
        ('<?xml version="1.0" encoding="latin-1"?><p>é ü 你</p>', "é ü 你"),
        ("plain   text\n with\tspace", "plain text with space"),
        ("<p>\x01 kept</p>", "\x01 kept"),
        # What libxml2 cannot hold (a NUL, a lone surrogate from JSON) is U+FFFD.
        ("a\x00b <i>c</i>", "a\ufffdb c"),
        ("a\ud800b <i>c</i>", "a\ufffdb c"),
        # A tag never closed where HTML needs it closed is text, written as it was.
        (
            'Using <HTML lang="x&amp;y"> tags, <br/> and <x/>',
            'Using <HTML lang="x&amp;y"> tags, and',
        ),
        ("<script>alert(1) <b>bold</b>", "<script>alert(1) bold"),
        ("<html><body><div>closed</div></body></html>", "closed"),
        # <embed> is void: the text after an unclosed one is no longer lost with it.
        ('<embed src="a.swf">after', "after"),
    ],
)
def test_strip_html(html: str, text: str) -> None:
    assert strip_html(html) == text


class _StdlibText(HTMLParser):
    """What strip_html gave before lxml: html.parser's events, block tags as spaces, a
    start tag never closed where HTML needs it closed kept as text."""

    BLOCK = frozenset("p div br li h1 h2 h3 h4 h5 h6 tr".split())
    DROP = frozenset("script style iframe object embed noscript template".split())
    MAY_STAY_OPEN = frozenset(
        "area base br col embed hr img input keygen link meta param source track wbr p li dt "
        "dd tr td th thead tbody tfoot option optgroup colgroup caption rb rt rtc rp".split()
    )

    def __init__(self, closed: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.closed = closed

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag not in self.closed and tag not in self.MAY_STAY_OPEN:
            self.parts.append(self.get_starttag_text() or "")
        elif tag in self.DROP:
            self.skip += 1
        elif tag in self.BLOCK:
            self.parts.append(" ")

    def set_cdata_mode(self, elem: str, *args: bool, **kwargs: bool) -> None:
        if elem in self.closed:
            super().set_cdata_mode(elem, *args, **kwargs)

    def handle_startendtag(self, tag: str, attrs: object) -> None:
        if tag in self.BLOCK:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.DROP and self.skip:
            self.skip -= 1
        elif tag in self.BLOCK:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)

    @classmethod
    def text(cls, html: str) -> str:
        closed = frozenset(m.lower() for m in re.findall(r"</\s*([a-zA-Z][^\s/>]*)", html))
        parser = cls(closed)
        parser.feed(html)
        parser.close()
        return " ".join("".join(parser.parts).split())


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@needs_realdata(REALDATA / "json", REALDATA / "wxr")
def test_real_exports_read_as_the_stdlib_read_them() -> None:
    values: set[str] = set()
    for path in sorted((REALDATA / "json").rglob("*.json")):
        try:
            values.update(_strings(json.loads(path.read_text(encoding="utf-8"))))
        except ValueError:
            continue  # the deliberately broken ones
    for path in sorted((REALDATA / "wxr").glob("*.xml")):
        tree = etree.parse(str(path), etree.XMLParser(recover=True, resolve_entities=False))
        values.update(el.text for el in tree.iter() if isinstance(el.tag, str) and el.text)
    html = sorted(v for v in values if "<" in v or "&" in v)
    assert len(html) > 150  # bodies, titles, excerpts of WordPress, Ghost, Contentful...
    differ = [v[:80] for v in html if strip_html(v) != _StdlibText.text(v)]
    assert differ == []


@pytest.mark.parametrize(
    ("piece", "end"),
    [("<div>", "</div>"), ("<b>", "</b>"), ("<ul><li>", "</ul>"), ("<table><tr><td>", "</table>")],
)
def test_a_hostile_deep_body_is_refused_quickly(piece: str, end: str) -> None:
    # libxml2 stops building at 2048 deep: the text would be cut short, so it is refused.
    started = time.perf_counter()
    with pytest.raises(ValueError, match="the HTML nests more than 2048 elements deep"):
        strip_html(piece * 100_000 + "the words" + end)
    assert time.perf_counter() - started < 2
    assert strip_html("<div>" * 1500 + "deep but fine</div>") == "deep but fine"


def test_a_deep_summary_is_a_record_error_naming_the_field(write_mapping, record) -> None:
    path = write_mapping(
        """
        [source]
        format = "csv"
        [target]
        kind = "post"
        title = { from = "title" }
        slug = { from = "slug" }
        [fields]
        summary = { from = "body", transforms = ["strip_html"] }
        """
    )
    compiled = load_mapping(path).compile()
    with pytest.raises(RecordError) as caught:
        compiled(record({"title": "T", "slug": "t", "body": "<div>" * 5000 + "</div>"}))
    assert caught.value.field == "summary"
    assert "the HTML nests more than 2048 elements deep" in str(caught.value)


def test_file_urls_are_found_in_any_case() -> None:
    html = (
        '<P><IMG SRC="/a.png"><img alt="x" src=\'https://cdn.buttercms.com/b\'></P>'
        '<VIDEO POSTER="/p.jpg"><SOURCE SRC="/v.mp4"></VIDEO><Audio Src="/s.mp3"></Audio>'
    )
    assert (
        img_sources(html)
        == list(iter_img_sources(html))
        == ["/a.png", "https://cdn.buttercms.com/b"]
    )
    assert played_sources(html) == [
        ("video poster", "/p.jpg"),
        ("source", "/v.mp4"),
        ("audio", "/s.mp3"),
    ]
    assert played_sources(re.sub("(?i)video|source|audio", "span", html)) == []


@pytest.mark.parametrize(
    "hostile",
    ['<a <img <video "' * 40_000, "<a" * 200_000, '<embed "' * 100_000, "<![" * 200_000],
)
def test_tags_that_never_end_are_read_in_linear_time(hostile: str) -> None:
    # Each unended "<a" once read on to the end of the text: 60 KB of them took 38 s.
    started = time.perf_counter()
    rewrite_urls(hostile, lambda url, kind: url + "#x")
    img_sources(hostile)
    played_sources(hostile)
    strip_html(hostile)
    clean(hostile)
    assert time.perf_counter() - started < 2


# Block tags spelled every way: upper case, stray end tags, whitespace after the name (a
# vertical tab and \x1c count as \s too), and names that only start like one (<pre>, <h7>).
_BLOCK_ATOMS = ["<p>", "<P\t", "</p", "<DiV>", "</dIv\x0b", "<bR/", "<li\x1c", "<H6 ", "</h3\n"]
_BLOCK_ATOMS += ["<tR>", "<pre>", "<h7>", "<trx>", "<td>", "<", "/", ">", "x", " ", "Li"]


def test_block_tags_part_words_however_they_are_spelled() -> None:
    assert strip_html("a<P>b</DIV>c<Br/>d<LI\t>e</h2 >f<TR>g") == "a b c d e f g"
    assert strip_html("a<PRE>b</pre>c<h7>d</h7>") == "abcd"


def test_block_marks_in_lowered_ascii_text_are_those_of_the_case_blind_search() -> None:
    from itertools import product

    from migrator.mapping.htmlclean import _BLOCK_TAG, _block_marks

    for n in (1, 2, 3):
        for parts in product(_BLOCK_ATOMS, repeat=n):
            text = "".join(parts)
            for mark in ("\x01", "\ufdd0"):
                expected = _BLOCK_TAG.sub(mark + "<", text)
                assert _block_marks(text, text.lower(), mark) == expected, repr(text)
                assert _block_marks(text, None, mark) == expected, repr(text)
