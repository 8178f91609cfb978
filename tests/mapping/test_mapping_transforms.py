from __future__ import annotations

from typing import Any

import pytest

from migrator.mapping import TRANSFORMS, transform
from migrator.mapping.transforms import Transform


def t(name: str, value: Any, /, **options: Any) -> Any:
    return TRANSFORMS[name](value, **options)


@pytest.mark.parametrize(
    ("name", "value", "options", "expected"),
    [
        ("strip", "  a b \n", {}, "a b"),
        ("strip", "--a--", {"chars": "-"}, "a"),
        ("lower", "AbC", {}, "abc"),
        ("upper", "AbC", {}, "ABC"),
        ("slugify", "  Héllo, World! ", {}, "hello-world"),
        ("slugify", "A B C", {"separator": "_"}, "a_b_c"),
        ("slugify", "one two three", {"max_length": 7}, "one-two"),
        # Other scripts are transliterated, not dropped.
        ("slugify", "Straße Café", {}, "strasse-cafe"),
        ("slugify", "Ærøskøbing", {}, "aeroskobing"),
        ("slugify", "Привет мир", {}, "privet-mir"),
        ("slugify", "你好世界", {}, "ni-hao-shi-jie"),
        ("slugify", "مقاله اول", {}, "mqlh-wl"),
        # WordPress's percent-encoded post_name is decoded first.
        ("slugify", "%d9%85%d9%82%d8%a7%d9%84%d9%87", {}, "mqlh"),
        ("slugify", "%ce%ba%ce%b1%ce%bb%ce%b7%ce%bc%ce%ad%cf%81%ce%b1", {}, "kalemera"),
        ("slugify", "100% off", {}, "100-off"),
        ("slugify", "🚀🎉", {}, ""),
        ("prefix", "a.png", {"value": "http://m/img/"}, "http://m/img/a.png"),
        ("suffix", "photo", {"value": ".png"}, "photo.png"),
        # Squarespace/Blogger slugs: one ending goes, in any case; others pass.
        ("strip_suffix", "basic-post.html", {"value": [".html", ".htm"]}, "basic-post"),
        ("strip_suffix", "Post.HTML", {"value": ".html"}, "Post"),
        ("strip_suffix", "a.htm", {"value": [".html", ".htm"]}, "a"),
        ("strip_suffix", "page.html.html", {"value": ".html"}, "page.html"),
        ("strip_suffix", "html-tips", {"value": [".html"]}, "html-tips"),
        ("strip_suffix", ["a.html", "b"], {"value": ".html"}, ["a", "b"]),
        ("truncate", "short", {"length": 10}, "short"),
        ("truncate", "abcdefghij", {"length": 5}, "abcde"),
        ("truncate", "abcdefghij", {"length": 5, "ellipsis": "…"}, "abcd…"),
        ("truncate", "one two three", {"length": 10, "ellipsis": "…", "words": True}, "one two…"),
        ("replace", "a-b-c", {"old": "-", "new": "+"}, "a+b+c"),
        ("replace", "a-b-c", {"old": "-", "new": "+", "count": 1}, "a+b-c"),
        ("replace", "Ab ab", {"old": "ab", "new": "x", "ignore_case": True}, "x x"),
        (
            "replace",
            "2021-03-15",
            {"old": r"(\d+)-(\d+)-(\d+)", "new": r"\3/\2", "regex": True},
            "15/03",
        ),
        ("split", "a| b ||c", {"sep": "|"}, ["a", "b", "c"]),
        ("split", "a,,b", {"drop_empty": False}, ["a", "", "b"]),
        ("split", ["x"], {}, ["x"]),
        ("join", ["a", "b", ""], {}, "a, b"),
        ("join", ["a", "b"], {"sep": "|"}, "a|b"),
        ("first", ["a", "b"], {}, "a"),
        ("first", "a", {}, "a"),
        ("default", "", {"value": "light"}, "light"),
        ("default", None, {"value": 3}, 3),
        ("default", "dark", {"value": "light"}, "dark"),
        ("number", "42", {}, 42),
        ("number", " 19.99 ", {}, 19.99),
        ("number", "1.234,5", {"thousands": ".", "decimal": ","}, 1234.5),
        ("number", "-3", {"integer": True}, -3),
        ("number", "4.0", {"integer": True}, 4),
        ("number", 7, {}, 7),
        ("date", "03/15/2021", {"format": "%m/%d/%Y"}, "2021-03-15T00:00:00"),
        ("date", "03/15/2021", {"format": "%m/%d/%Y", "output": "date"}, "2021-03-15"),
        ("date", "2021-03-15", {"format": ["%m/%d/%Y", "%Y-%m-%d"]}, "2021-03-15T00:00:00"),
        ("date", "2021-03-15T10:20:00Z", {}, "2021-03-15T10:20:00+00:00"),
        (
            "paragraphs",
            "One\nline two\n\n  Next & last  ",
            {},
            "<p>One<br>line two</p>\n<p>Next &amp; last</p>",
        ),
        ("paragraphs", "a\nb", {"br": False}, "<p>a b</p>"),
        (
            "strip_html",
            "<p>Hi <b>there</b></p><script>x()</script><p>again</p>",
            {},
            "Hi there again",
        ),
        # Entities are decoded after the tags went: escaped markup is text.
        ("strip_html", "Using &lt;html&gt; tags", {}, "Using <html> tags"),
        # ... and so is a tag never closed where HTML needs it closed (decoded by XML).
        (
            "strip_html",
            "Using <html> tags, or <script> alone",
            {},
            "Using <html> tags, or <script> alone",
        ),
        ("strip_html", "<p>one<p>two<br>three <em>four</em>", {}, "one two three four"),
    ],
)
def test_transform(name: str, value: Any, options: dict[str, Any], expected: Any) -> None:
    result = t(name, value, **options)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("yes", True),
        ("Y", True),
        ("1", True),
        ("TRUE", True),
        ("on", True),
        (1, True),
        ("no", False),
        ("n", False),
        ("0", False),
        ("False", False),
        (" off ", False),
        (False, False),
    ],
)
def test_boolean_words(word: Any, expected: bool) -> None:
    assert t("boolean", word) is expected


def test_boolean_custom_words_and_refusal() -> None:
    assert t("boolean", "ja", true=["ja"], false=["nein"]) is True
    with pytest.raises(ValueError, match="not a yes/no value: 'maybe'"):
        t("boolean", "maybe")


@pytest.mark.parametrize(
    ("name", "value", "options", "message"),
    [
        ("number", "ten", {}, "not a number: 'ten'"),
        ("number", "4.5", {"integer": True}, "not a whole number"),
        ("number", "nan", {}, "not a finite number"),
        ("number", True, {}, "expected a number"),
        ("date", "15/03/2021", {"format": "%m/%d/%Y"}, "does not match '%m/%d/%Y'"),
        ("date", "yesterday", {}, "not an ISO 8601 date"),
        ("lower", {"a": 1}, {}, "expected text"),
    ],
)
def test_transform_refuses_bad_values(
    name: str, value: Any, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        t(name, value, **options)


def test_empty_values_pass_through_and_lists_are_elementwise() -> None:
    for name in ("strip", "number", "date", "boolean", "prefix", "slugify"):
        opts = {"value": "x"} if name == "prefix" else {}
        assert t(name, "", **opts) == ""
        assert t(name, None, **opts) is None
    assert t("strip", [" a ", "b "]) == ["a", "b"]
    assert t("prefix", ["a.png", ""], value="http://m/") == ["http://m/a.png", ""]
    assert t("slugify", ["Hello World"]) == ["hello-world"]


def test_html_clean_keeps_structure_and_drops_danger() -> None:
    dirty = (
        '<div class="x"><p style="color:red" onclick="evil()">Hi <b>bold</b>'
        '<script>alert(1)</script> &amp; <a href="javascript:x()">bad</a>'
        ' <a href="https://ok.test/" target="_blank" data-x="1">ok</a></p>'
        '<img src="https://i.test/a.png" onerror="x()" alt="A"><iframe src="x">no</iframe>'
        "<ul><li>one<li>two</ul><p>unclosed"
    )
    assert t("html_clean", dirty) == (
        "<p>Hi <b>bold</b> &amp; <a>bad</a>"
        ' <a href="https://ok.test/" target="_blank">ok</a></p>'
        '<img src="https://i.test/a.png" alt="A">'
        "<ul><li>one</li><li>two</li></ul><p>unclosed</p>"
    )
    assert t("html_clean", "<p>a<br/>b</p><section>s</section>", keep=["section"]) == (
        "<p>a<br>b</p><section>s</section>"
    )
    assert (
        t("html_clean", "<p>a</p><table><tr><td>x</td></tr></table>", drop=["table"]) == "<p>a</p>"
    )


def test_registry_decorator_and_option_checks() -> None:
    @transform("test_shout", elementwise=True)
    def shout(value: Any, /, marks: int = 1) -> str:
        return str(value).upper() + "!" * marks

    try:
        assert TRANSFORMS["test_shout"](["a", "b"], marks=2) == ["A!!", "B!!"]
        with pytest.raises(ValueError, match="already registered"):
            transform("test_shout")(shout)
        spec = TRANSFORMS["test_shout"]
        assert spec.check_options({"marks": 3}) == []
        assert "must be int, got 'three'" in spec.check_options({"marks": "three"})[0]
        assert (
            "unknown option 'mark'; did you mean 'marks'? (options of 'test_shout': marks)"
            in spec.check_options({"mark": 3})[0]
        )
    finally:
        del TRANSFORMS["test_shout"]


def test_option_checks_of_builtins() -> None:
    def problems(name: str, **options: Any) -> list[str]:
        spec: Transform = TRANSFORMS[name]
        return spec.check_options(options)

    assert problems("date", format="%d") == []
    assert problems("date", format=["%d", "%m"]) == []
    assert "must be" in problems("date", format=3)[0]
    assert "output must be" in problems("date", output="time")[0]
    assert "missing option 'length'" in problems("truncate")[0]
    assert "length must be at least 1" in problems("truncate", length=0)[0]
    assert "bad regular expression" in problems("replace", old="(", regex=True)[0]
    assert "missing option 'value'" in problems("prefix")[0]
    assert problems("number", integer=True) == []
    assert "must be bool" in problems("number", integer="yes")[0]


def test_builtin_names() -> None:
    assert {
        "strip",
        "lower",
        "upper",
        "slugify",
        "date",
        "html_clean",
        "paragraphs",
        "strip_html",
        "split",
        "join",
        "first",
        "number",
        "boolean",
        "default",
        "truncate",
        "prefix",
        "suffix",
        "replace",
    } <= set(TRANSFORMS)


def test_html_clean_keeps_iframes_only_when_asked() -> None:
    from migrator.mapping.transforms import TRANSFORMS

    clean = TRANSFORMS["html_clean"]
    embed = (
        '<figure><iframe src="https://www.youtube.com/embed/x" width="200" onload="x()" '
        "allowfullscreen></iframe></figure><script>bad()</script>"
    )
    assert clean(embed) == "<figure></figure>"
    assert clean(embed, keep=["iframe"]) == (
        '<figure><iframe src="https://www.youtube.com/embed/x" width="200" allowfullscreen="">'
        "</iframe></figure>"
    )
    assert clean('<iframe src="javascript:alert(1)"></iframe>', keep=["iframe"]) == (
        "<iframe></iframe>"
    )


def test_strip_suffix_needs_a_suffix() -> None:
    spec = TRANSFORMS["strip_suffix"]
    assert spec.check_options({"value": [".html"]}) == []
    assert spec.check_options({"value": ""}) == ["value must be a non-empty suffix or list of them"]
    assert "must be" in spec.check_options({"value": 3})[0]


def test_a_transform_s_text_method_does_what_it_does_to_text() -> None:
    from migrator.mapping.spec import Step

    texts = [" a b ", "\t\u00a0Ünïcode ß\n", "x", "ǅ İstanbul", " \u2003 "]
    with_text = [t for t in TRANSFORMS.values() if t.text is not None]
    assert {t.name for t in with_text} >= {"strip", "lower", "upper"}
    for t in with_text:
        assert [t.text(s) for s in texts] == [t.fn(s) for s in texts], t.name
    # A compiled chain calls the method itself, unless options are given.
    assert Step("k", TRANSFORMS["strip"], {}).text_fn() is str.strip
    chars = Step("k", TRANSFORMS["strip"], {"chars": "x"}).text_fn()
    assert chars is not None and chars("xaxx") == "a"
