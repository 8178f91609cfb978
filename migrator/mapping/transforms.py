"""The transform registry: name → function of a value and keyword options.

A mapping writes a chain of them per field, plain or with options::

    transforms = ["strip", { name = "date", format = "%m/%d/%Y" }, "slugify"]

Sources add their own with the decorator (WordPress adds ``wpautop``)::

    @transform("shout", elementwise=True)
    def shout(value: str, /, marks: int = 1) -> str:
        return value.upper() + "!" * marks

The value comes first and positional-only, options are keywords; the options'
annotations are checked when the mapping is loaded, so ``length = "ten"`` is a
mapping problem, not a failure on record 4,000. A transform that cannot handle
a value raises ``ValueError``; that record fails with the message, the run goes on.
By default empty values (``None``, ``""``, ``[]``) pass through untouched and
``elementwise`` transforms apply to each item of a list.

A transform that went through but wants a person to look (a shortcode it could not
render, say) calls ``note(reason)``: the record is sent all the same and the reason goes
to the run's warnings file, naming the field, and to the summary.
"""

from __future__ import annotations

import functools
import html
import importlib
import inspect
import re
import types
from collections.abc import Callable, Iterator, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar, Union, get_args, get_origin, get_type_hints
from urllib.parse import unquote, urlsplit

from migrator.mapping.htmlclean import check_keep, clean_html, html_to_text
from migrator.model import is_empty
from migrator.suggest import did_you_mean

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

Check = Callable[..., str | None]
_A = TypeVar("_A")
_R = TypeVar("_R")


@dataclass(frozen=True)
class Transform:
    name: str
    fn: Callable[..., Any]
    elementwise: bool = False
    skip_empty: bool = True
    check: Check | None = None  # options → problem message or None, run at load time
    # What ``fn`` does to a non-empty str when given no options, as a C method (``str.strip``):
    # a compiled chain calls it instead, without a Python frame.
    text: Callable[[str], Any] | None = None

    def __call__(self, value: Any, /, **options: Any) -> Any:
        if self.elementwise and isinstance(value, list):
            return [self(v, **options) for v in value]
        if self.skip_empty and is_empty(value):
            return value
        return self.fn(value, **options)

    def check_options(self, options: dict[str, Any]) -> list[str]:
        """Problems with these options (unknown, missing, wrong type), without running it."""
        params = list(inspect.signature(self.fn).parameters.values())[1:]
        names = [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        problems = []
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            known = ", ".join(names) or "none"
            problems += [
                f"unknown option {k!r}{did_you_mean(k, names)} (options of {self.name!r}: {known})"
                for k in options
                if k not in names
            ]
        problems += [
            f"missing option {p.name!r}"
            for p in params
            if p.name in names and p.default is p.empty and p.name not in options
        ]
        if problems:
            return problems
        hints = get_type_hints(self.fn)
        problems = [
            f"option {k!r} must be {_type_name(hints[k])}, got {v!r}"
            for k, v in options.items()
            if k in hints and not _matches(v, hints[k])
        ]
        if not problems and self.check is not None:
            msg = self.check(**options)
            if msg:
                problems.append(msg)
        return problems


class _Registry(MutableMapping[str, Transform]):
    """Name → transform. A module's transforms can be named ahead (``later``) and the
    module imported when one of them is first looked up: WordPress's pull in the WXR
    source and its shortcode tables, which a CSV run never needs."""

    def __init__(self) -> None:
        self._found: dict[str, Transform] = {}
        self._later: dict[str, str] = {}  # name -> the module that registers it

    def later(self, module: str, names: tuple[str, ...]) -> None:
        for name in names:
            self._later[name] = module

    def taken(self, name: str, module: str) -> bool:
        """Whether registering ``name`` from ``module`` would replace another's."""
        return name in self._found or self._later.get(name, module) != module

    def __getitem__(self, name: str) -> Transform:
        if name not in self._found and name in self._later:
            importlib.import_module(self._later[name])
        return self._found[name]

    def __setitem__(self, name: str, value: Transform) -> None:
        self._later.pop(name, None)
        self._found[name] = value

    def __delitem__(self, name: str) -> None:
        if self._later.pop(name, None) is None:
            del self._found[name]
        else:
            self._found.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter([*self._found, *self._later])

    def __len__(self) -> int:
        return len(self._found) + len(self._later)

    def __contains__(self, name: object) -> bool:
        return name in self._found or name in self._later


TRANSFORMS = _Registry()


@dataclass(frozen=True)
class TransformNote:
    """``reason`` as the warnings file shows it (``what: details``); ``items`` counts what
    it is about (``("[foo]", 3)``), summed over the run for the summary."""

    reason: str
    items: tuple[tuple[str, int], ...] = ()


# The notes of the value being built; None outside one (a transform called on its own).
_NOTES: ContextVar[list[TransformNote] | None] = ContextVar("transform_notes", default=None)


def note(reason: str, items: tuple[tuple[str, int], ...] = ()) -> None:
    """Tell the person running the migration about this value (see the module docstring)."""
    found = _NOTES.get()
    if found is not None:
        found.append(TransformNote(reason, items))


def noting(fn: Callable[[list[TransformNote], _A], _R], arg: _A) -> _R:
    """``fn(notes, arg)``, ``notes`` the list of the notes transforms make meanwhile (the
    compiled mapping's, per record: one call, where a ``with`` block's three calls and
    object cost as much as a record's three transforms)."""
    found: list[TransformNote] = []
    token = _NOTES.set(found)
    try:
        return fn(found, arg)
    finally:
        _NOTES.reset(token)


def transform(
    name: str,
    *,
    elementwise: bool = False,
    skip_empty: bool = True,
    check: Check | None = None,
    replace: bool = False,
    text: Callable[[str], Any] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a transform under ``name``; returns the function unchanged."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        if not replace and TRANSFORMS.taken(name, fn.__module__):
            raise ValueError(f"transform {name!r} is already registered")
        TRANSFORMS[name] = Transform(name, fn, elementwise, skip_empty, check, text)
        return fn

    return register


def _matches(value: Any, hint: Any) -> bool:
    if hint is Any:
        return True
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return any(_matches(value, h) for h in get_args(hint))
    if hint is type(None):
        return value is None
    if origin is list:
        (item,) = get_args(hint) or (Any,)
        return isinstance(value, list) and all(_matches(v, item) for v in value)
    if origin is dict:
        return isinstance(value, dict)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, origin or hint)


def _type_name(hint: Any) -> str:
    return str(hint).replace("typing.", "") if get_origin(hint) else hint.__name__


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise ValueError(f"expected text, got {type(value).__name__} {value!r}")


# --------------------------------------------------------------------------- text


@transform("strip", elementwise=True, text=str.strip)
def strip(value: Any, /, chars: str | None = None) -> str:
    """Remove whitespace (or these ``chars``) at both ends."""
    return _text(value).strip(chars)


def _check_strip_suffix(value: str | list[str]) -> str | None:
    values = [value] if isinstance(value, str) else value
    return "value must be a non-empty suffix or list of them" if not all(values) else None


@transform("strip_suffix", elementwise=True, check=_check_strip_suffix)
def strip_suffix(v: Any, /, value: str | list[str]) -> str:
    """Remove one of these endings, in any case (``basic-post.html`` → ``basic-post``
    with ``value = [".html", ".htm"]``); other values pass unchanged."""
    text = _text(v)
    for end in [value] if isinstance(value, str) else value:
        if text.lower().endswith(end.lower()):
            return text[: len(text) - len(end)]
    return text


@transform("lower", elementwise=True, text=str.lower)
def lower(value: Any, /) -> str:
    """Lower case."""
    return _text(value).lower()


@transform("upper", elementwise=True, text=str.upper)
def upper(value: Any, /) -> str:
    """Upper case."""
    return _text(value).upper()


@transform("prefix", elementwise=True)
def prefix(v: Any, /, value: str) -> str:
    """Put ``value`` in front (a media base URL, say); empty values stay empty."""
    return value + _text(v)


@transform("suffix", elementwise=True)
def suffix(v: Any, /, value: str) -> str:
    """Put ``value`` after the text; empty values stay empty."""
    return _text(v) + value


def _check_truncate(length: int, ellipsis: str = "", words: bool = False) -> str | None:
    if length < 1 or len(ellipsis) >= length:
        return "length must be at least 1 and longer than the ellipsis"
    return None


@transform("truncate", elementwise=True, check=_check_truncate)
def truncate(value: Any, /, length: int, ellipsis: str = "", words: bool = False) -> str:
    """At most ``length`` characters, the ellipsis included; ``words`` cuts at a space."""
    text = _text(value)
    if len(text) <= length:
        return text
    cut = text[: length - len(ellipsis)]
    if words and " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + ellipsis


def _check_replace(
    old: str, new: str = "", regex: bool = False, count: int = 0, ignore_case: bool = False
) -> str | None:
    if not old:
        return "old must not be empty"
    if regex:
        try:
            re.compile(old)
        except re.error as exc:
            return f"bad regular expression {old!r}: {exc}"
    return None


@transform("replace", elementwise=True, check=_check_replace)
def replace(
    value: Any,
    /,
    old: str,
    new: str = "",
    regex: bool = False,
    count: int = 0,
    ignore_case: bool = False,
) -> str:
    """Replace ``old`` by ``new``; with ``regex = true``, ``new`` may use ``\\1``."""
    text = _text(value)
    if regex or ignore_case:
        pattern = old if regex else re.escape(old)
        return re.sub(pattern, new, text, count=count, flags=re.I if ignore_case else 0)
    return text.replace(old, new, count or -1)


@transform("slugify", elementwise=True)
def slugify(value: Any, /, separator: str = "-", max_length: int = 0) -> str:
    """``"Straße Café"`` → ``"strasse-cafe"``, ``"Привет"`` → ``"privet"``, ``"你好"`` →
    ``"ni-hao"``: other scripts are transliterated to ASCII (Butter's slug rules for other
    characters are undocumented). WordPress's percent-encoded slugs are decoded first."""
    return make_slug(_text(value), separator=separator, max_length=max_length)


# WordPress stores a non-ASCII post_name percent-encoded (``%d9%85%d9%82...``).
_PERCENT_ENCODED = re.compile(r"%[0-9a-fA-F]{2}")


def make_slug(text: str, *, separator: str = "-", max_length: int = 0) -> str:
    if _PERCENT_ENCODED.search(text):
        text = unquote(text)
    # python-slugify's default backend, text-unidecode (Artistic licence), not Unidecode
    # (GPL): it transliterates Latin, Cyrillic, Greek, Arabic, CJK... alike.
    return _python_slugify()(text, separator=separator, max_length=max_length)


@functools.cache
def _python_slugify() -> Callable[..., str]:
    # imported when a slug is first made: its regexes cost every run ~7 ms at start-up
    from slugify import slugify

    return slugify


@transform("split")
def split(value: Any, /, sep: str = ",", strip: bool = True, drop_empty: bool = True) -> list[Any]:
    """``"a|b"`` → ``["a", "b"]`` (with ``sep = "|"``); a list passes through."""
    items = value if isinstance(value, list) else _text(value).split(sep)
    if strip:
        items = [i.strip() if isinstance(i, str) else i for i in items]
    return [i for i in items if not (drop_empty and is_empty(i))]


@transform("join")
def join(value: Any, /, sep: str = ", ") -> str:
    """A list → one text, its non-empty items separated by ``sep``."""
    items = value if isinstance(value, list) else [value]
    return sep.join(_text(i) for i in items if not is_empty(i))


@transform("first")
def first(value: Any, /) -> Any:
    """The first item of a list (a single value passes through)."""
    return value[0] if isinstance(value, list) else value


@transform("default", skip_empty=False)
def default(v: Any, /, value: Any) -> Any:
    """``value`` when the input is empty (``None``, ``""``, ``[]``)."""
    return value if is_empty(v) else v


# --------------------------------------------------------------------------- HTML


@transform("paragraphs")
def paragraphs(value: Any, /, br: bool = True) -> str:
    """Plain text → HTML: blank lines separate ``<p>``s, single newlines become ``<br>``."""
    text = _text(value).replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [html.escape(line.strip(), quote=False) for line in block.split("\n")]
        out.append("<p>" + ("<br>" if br else " ").join(lines) + "</p>")
    return "\n".join(out)


def _check_html_clean(keep: list[str] | None = None, drop: list[str] | None = None) -> str | None:
    return check_keep(keep or ())


@transform("html_clean", check=_check_html_clean)
def html_clean(value: Any, /, keep: list[str] | None = None, drop: list[str] | None = None) -> str:
    """Keep safe tags and attributes; drop scripts, styles, event handlers, and URLs that
    are not http(s), mailto, tel or relative.

    ``keep`` adds tags to the allowed set (never script, style, object...), ``drop``
    removes tags *with* their content.
    """
    return clean_html(_text(value), keep=keep or (), drop=drop or ())


@functools.cache
def _markdown_it(raw_html: bool) -> MarkdownIt:
    from markdown_it import MarkdownIt  # 60 modules: only for mappings that use markdown

    # CommonMark plus GitHub's tables and strikethrough; raw HTML in the Markdown is
    # escaped as text unless asked for (and then cleaned: the result goes to a live site).
    return MarkdownIt("commonmark", {"html": raw_html}).enable(["table", "strikethrough"])


@transform("markdown")
def markdown(value: Any, /, html: bool = False) -> str:
    """Markdown → HTML (CommonMark, tables, ~~strikethrough~~): a Contentful long text
    edited as Markdown, say. HTML written in the Markdown shows as text, unless
    ``html = true``: then it is kept, through ``html_clean``'s allow-list."""
    out = _markdown_it(html).render(_text(value)).strip()
    return clean_html(out) if html else out


@transform("strip_html")
def strip_html(value: Any, /) -> str:
    """HTML → plain text (a title, a summary, an SEO description): tags go, entities are
    decoded after them, so ``&lt;b&gt;`` stays the text ``<b>`` (``htmlclean.html_to_text``)."""
    return html_to_text(_text(value))


# --------------------------------------------------------------------------- types

_INT = re.compile(r"[+-]?\d+")


@transform("number")
def number(value: Any, /, integer: bool = False, decimal: str = ".", thousands: str = "") -> Any:
    """``"1,234.50"`` (with ``thousands = ","``) → ``1234.5``; ``integer = true`` demands one."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, int | float):
        result: int | float = value
    else:
        text = _text(value).strip()
        if thousands:
            text = text.replace(thousands, "")
        if decimal != ".":
            text = text.replace(decimal, ".")
        try:
            result = int(text) if _INT.fullmatch(text) else float(text)
        except ValueError:
            raise ValueError(f"not a number: {value!r}") from None
        if isinstance(result, float) and (
            result != result or result in (float("inf"), float("-inf"))
        ):
            raise ValueError(f"not a finite number: {value!r}")
    if integer:
        if isinstance(result, float) and not result.is_integer():
            raise ValueError(f"not a whole number: {value!r}")
        return int(result)
    return result


TRUE_WORDS = ("yes", "y", "true", "t", "1", "on")
FALSE_WORDS = ("no", "n", "false", "f", "0", "off")


@transform("boolean")
def boolean(value: Any, /, true: list[str] | None = None, false: list[str] | None = None) -> bool:
    """yes/no, y/n, 1/0, true/false, on/off (any case) → ``true``/``false``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    word = _text(value).strip().lower()
    # The default words are lower case already (no list built for every value).
    if word in ([w.lower() for w in true] if true else TRUE_WORDS):
        return True
    if word in ([w.lower() for w in false] if false else FALSE_WORDS):
        return False
    yes, no = list(true or TRUE_WORDS), list(false or FALSE_WORDS)
    raise ValueError(f"not a yes/no value: {value!r} (true: {yes}, false: {no})")


def _check_date(format: str | list[str] | None = None, output: str = "datetime") -> str | None:
    if output not in ("datetime", "date"):
        return f"output must be 'datetime' or 'date', got {output!r}"
    return None


@transform("date", check=_check_date)
def date(value: Any, /, format: str | list[str] | None = None, output: str = "datetime") -> str:
    """To ISO 8601. ``format`` is the input's strptime format (or a list to try in order);
    without one the input must already be ISO 8601. ``output = "date"`` drops the time."""
    formats = (format,) if isinstance(format, str) else tuple(format or ())
    return _iso_date(_text(value).strip(), formats, output)


# strptime is slow and exports repeat the same dates over and over.
@functools.lru_cache(maxsize=4096)
def _iso_date(text: str, formats: tuple[str, ...], output: str) -> str:
    parsed = _parse_date(text, formats)
    return parsed.date().isoformat() if output == "date" else parsed.isoformat()


def _parse_date(text: str, formats: tuple[str, ...]) -> datetime:
    parsed: datetime | None = None
    if formats:
        for fmt in formats:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if parsed is None:
            raise ValueError(
                f"date {text!r} does not match {formats if len(formats) > 1 else formats[0]!r}"
            )
    else:
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"not an ISO 8601 date: {text!r} (give the input format)") from None
    return parsed


# --------------------------------------------------------------------------- checks
# These change nothing: a value that passes comes out as it went in, one that fails makes
# the record invalid (reported in the failures file, not sent). Empty values pass: whether
# a field must be filled is the content model's business. Lists are checked item by item.

# One @, no spaces, a dotted domain whose last label is letters (or an IDN's xn--):
# roughly what a mail server would take (a full RFC 5322 parser accepts things Butter's
# author and contact fields should not). ``blogging.com123`` (a real Ghost export) fails.
_EMAIL = re.compile(r"[^@\s]+@([^@\s.]+\.)+([A-Za-z]{2,}|xn--[A-Za-z0-9-]+)")


@transform("email", elementwise=True)
def email(value: Any, /) -> Any:
    """Check an e-mail address (``name@example.com``): one ``@``, no spaces, a dotted
    domain ending in letters."""
    if not _EMAIL.fullmatch(_text(value).strip()):
        raise ValueError(f"{value!r} is not an e-mail address (name@example.com)")
    return value


@transform("url", elementwise=True)
def url(value: Any, /) -> Any:
    """Check an absolute http(s) URL with a host (``https://example.com/a``)."""
    text = _text(value).strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        host = None
        parts = urlsplit("")
    if parts.scheme.lower() not in ("http", "https") or not host or " " in text:
        raise ValueError(f"{value!r} is not an http(s) URL with a host (https://example.com/...)")
    return value


def _check_regex(pattern: str, message: str = "") -> str | None:
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"bad regular expression {pattern!r}: {exc}"
    return None


@transform("regex", elementwise=True, check=_check_regex)
def regex(value: Any, /, pattern: str, message: str = "") -> Any:
    """Check that the whole value matches ``pattern`` (Python's ``re``); ``message`` says
    what was expected, in the failure (``"a SKU like AB-1234"``)."""
    if not re.fullmatch(pattern, _text(value)):
        what = message or f"does not match {pattern!r}"
        raise ValueError(f"{value!r}: {what}")
    return value


def _check_max_length(n: int) -> str | None:
    return "n must be at least 1" if n < 1 else None


@transform("max_length", elementwise=True, check=_check_max_length)
def max_length(value: Any, /, n: int) -> Any:
    """Check that the value has at most ``n`` characters (``truncate`` cuts instead)."""
    text = _text(value)
    if len(text) > n:
        raise ValueError(
            f"{text[:40]!r}{'...' if len(text) > 40 else ''} has {len(text)} "
            f"characters, more than {n}"
        )
    return value


def _check_one_of(values: list[Any], ignore_case: bool = False) -> str | None:
    return "values must not be empty" if not values else None


@transform("one_of", elementwise=True, check=_check_one_of)
def one_of(value: Any, /, values: list[Any], ignore_case: bool = False) -> Any:
    """Check that the value is one of ``values`` (compared as text; ``ignore_case`` too)."""
    text = _text(value).strip()
    allowed = [_text(v) for v in values]
    if ignore_case:
        found = text.lower() in [a.lower() for a in allowed]
    else:
        found = text in allowed
    if not found:
        raise ValueError(f"{value!r} is not one of {allowed}")
    return value
