"""Source paths (``author.email``, ``tags[0]``) and templates (``"{first} {last}"``).

A path names a value inside a record's data: dots step into objects, ``[n]`` or
``.n`` into lists. Both are parsed once, when the mapping is loaded.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PathPart = str | int
_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class Missing:
    """The value a path resolves to when the data has nothing there."""

    _instance: Missing | None = None

    def __new__(cls) -> Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING = Missing()


@dataclass(frozen=True)
class SourcePath:
    text: str
    parts: tuple[PathPart, ...]

    def resolve(self, data: Any) -> Any:
        """The value at this path, or ``MISSING``."""
        # A column whose name itself holds a dot ("e.mail") wins over nesting.
        if isinstance(data, Mapping) and self.text in data:
            return data[self.text]
        value = data
        for part in self.parts:
            if isinstance(value, Mapping):
                key = part if part in value else str(part)
                if key not in value:
                    return MISSING
                value = value[key]
            elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
                if not isinstance(part, int) or part >= len(value):
                    return MISSING
                value = value[part]
            else:
                return MISSING
        return value

    def __str__(self) -> str:
        return self.text


def parse_path(text: str) -> SourcePath:
    """Parse ``a.b[0].c`` (or ``a.b.0.c``); raises ``ValueError`` on a malformed path."""
    if not text or not text.strip():
        raise ValueError("empty source path")
    parts: list[PathPart] = []
    pos = 0
    while pos < len(text):
        if text[pos] == "." and parts:
            pos += 1
        m = _SEGMENT.match(text, pos)
        if m is None:
            raise ValueError(f"malformed source path {text!r} at position {pos}")
        if m.group(1) is not None:
            seg = m.group(1)
            parts.append(int(seg) if seg.isdigit() else seg)
        else:
            parts.append(int(m.group(2)))
        pos = m.end()
    if text.endswith("."):
        raise ValueError(f"malformed source path {text!r}: ends with '.'")
    return SourcePath(text, tuple(parts))


# --------------------------------------------------------------------------- templates

VAR_PREFIX = "vars."
_VAR_REF = re.compile(r"\{vars\.([A-Za-z_][A-Za-z0-9_-]*)\}")


@dataclass(frozen=True)
class Template:
    """Literal text and source paths, alternating; vars are already filled in."""

    text: str
    pieces: tuple[str | SourcePath, ...]

    @property
    def paths(self) -> tuple[SourcePath, ...]:
        return tuple(p for p in self.pieces if isinstance(p, SourcePath))


def parse_template(text: str, variables: Mapping[str, str]) -> Template:
    """Parse ``"{first} {last}"``; ``{vars.name}`` is replaced now, ``{{``/``}}`` are braces.

    Raises ``ValueError`` naming what is wrong (unbalanced braces, unknown var...).
    """
    pieces: list[str | SourcePath] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ValueError(
            f"bad template {text!r}: {exc} (write '{{{{' or '}}}}' for a brace)"
        ) from None
    for literal, name, spec, conversion in parsed:
        if literal:
            pieces.append(literal)
        if name is None:
            continue
        if spec or conversion:
            raise ValueError(f"bad template {text!r}: format specs like '{{x:...}}' not supported")
        if not name.strip():
            raise ValueError(f"bad template {text!r}: empty placeholder '{{}}'")
        if name.startswith(VAR_PREFIX):
            var = name[len(VAR_PREFIX) :]
            if var not in variables:
                raise ValueError(
                    f"unknown variable {var!r} (declared in [vars]: {sorted(variables)})"
                )
            pieces.append(variables[var])
        else:
            pieces.append(parse_path(name))
    return Template(text, tuple(pieces))


def substitute_vars(text: str, variables: Mapping[str, str]) -> str:
    """Fill ``{vars.name}`` into a transform option; other braces are left alone."""

    def repl(m: re.Match[str]) -> str:
        if m.group(1) not in variables:
            raise ValueError(
                f"unknown variable {m.group(1)!r} (declared in [vars]: {sorted(variables)})"
            )
        return variables[m.group(1)]

    return _VAR_REF.sub(repl, text)
