"""A source's ``[source]`` options: declared once on the class, checked in one place.

    class StrapiSource(Source):
        default_locale = Option(None, optional(must(is_text, "must be a locale code like 'en'")))
        media_fields = Option(None, lambda v: frozenset(string_list("...")(v) or ()))

An ``Option`` names its default and its *check*: a function from the value given (or the
default) to what the source keeps, normalised. A check raises ``ValueError`` with the
message a user sees; ``Source`` turns it into a ``ConfigError`` keyed by the option's name
(a check may raise ``ConfigError`` itself, for a nested key like ``reference_fields.post``).
After construction ``source.<option>`` is the checked value.

The checks every format needs are here; a format's own ones live beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

from migrator.errors import ConfigError
from migrator.paths import SourcePath, parse_path

T = TypeVar("T")


class Option(Generic[T]):
    """One option of a source class (a class attribute; its name is the option's)."""

    def __init__(self, default: Any, check: Callable[[Any], T]) -> None:
        self.default = default
        self.check = check
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type) -> Option[T]: ...
    @overload
    def __get__(self, obj: object, owner: type) -> T: ...
    def __get__(self, obj: object | None, owner: type) -> Option[T] | T:
        if obj is None:
            return self
        # Source.__init__ stores every checked value on the instance, which hides this.
        raise AttributeError(f"option {self.name!r} is not set")

    def value(self, given: Any) -> T:
        """The checked value of ``given``; a ``ConfigError`` when the check refuses it."""
        try:
            return self.check(given)
        except ValueError as exc:
            raise ConfigError(str(exc), key=self.name) from None


# --- checks --------------------------------------------------------------------------------


def must(test: Callable[[Any], object], message: str) -> Callable[[Any], Any]:
    """The value itself when ``test`` accepts it, else ``ValueError(message)``."""

    def check(value: Any) -> Any:
        if not test(value):
            raise ValueError(message)
        return value

    return check


def optional(check: Callable[[Any], T]) -> Callable[[Any], T | None]:
    """``None`` stays ``None`` (the option is not set); anything else goes to ``check``."""

    def checked(value: Any) -> T | None:
        return None if value is None else check(value)

    return checked


def is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def non_empty_string(value: Any) -> str:
    """A string with something besides whitespace in it."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string")
    return value


def string_list(message: str, *, allow_empty: bool = False) -> Callable[[Any], list[str] | None]:
    """``None``, or a list of strings (non-empty ones unless ``allow_empty``)."""

    def check(value: Any) -> list[str] | None:
        if value is None:
            return None
        if not isinstance(value, list) or not all(
            isinstance(v, str) and (allow_empty or v) for v in value
        ):
            raise ValueError(message)
        return list(value)

    return check


def string_table(message: str) -> Callable[[Any], dict[str, str]]:
    """A table of non-empty strings (``{ "en-US" = "en" }``); ``None`` is an empty one."""

    def check(value: Any) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v for k, v in value.items()
        ):
            raise ValueError(message)
        return dict(value)

    return check


def dotted_path(value: Any) -> SourcePath:
    """A path into a record, like ``sys.id`` (``migrator.paths`` syntax)."""
    if not isinstance(value, str):
        raise ValueError("must be a dotted path like 'sys.id'")
    return parse_path(value)  # its ValueError says what is wrong
