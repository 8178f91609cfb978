"""A mapping's ``links`` table: where the old site's pages live on the new one.

    links = "wordpress-links.toml"      # a file shared by every mapping of the site, or
    [links]                             # the same keys inline
    domains = ["www.example.com"]       # more hosts of the old site (each record's own
                                        # URL hosts count already; "www." is ignored)
    media_host = "{vars.media_host}"    # optional: where old-site files are served now
    fields = ["body"]                   # optional: the HTML fields to rewrite
    old = ["{link}", "/?p={post_id}"]   # optional for WordPress: a record's old URLs
    exclude = { status = ["trash"] }    # records not migrated (WordPress: trash, auto-draft)
    [links.paths]                       # a record kind → its new path (a template, or a
    post = "/blog/{slug}"               # value table with from/template and transforms)
    page = "/{slug}"

Every record of the export whose kind has a path is indexed (the whole site, not only
what this mapping migrates), so a post's link to a page is rewritten too.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migrator.errors import Problem
from migrator.mapping.spec import Filter, ValueSpec
from migrator.mapping.values import ValueReader
from migrator.paths import parse_path, substitute_vars

KEYS = ("domains", "media_host", "fields", "old", "paths", "exclude")
# Where WordPress answers for a post besides its permalink: the ids WordPress itself
# redirects from, and the guid (usually ?p=ID; the file URL for attachments).
WXR_OLD = ("{link}", "{guid}", "/?p={post_id}", "/?page_id={post_id}", "/?attachment_id={post_id}")
# Formats whose records know their old URLs without being told.
DEFAULT_OLD = {"wxr": WXR_OLD}
# Records that are not migrated whatever the mapping: a link to them stays unmapped.
DEFAULT_EXCLUDE: dict[str, dict[str, Any]] = {"wxr": {"status": ["trash", "auto-draft"]}}


@dataclass(frozen=True)
class LinkRules:
    file: Path
    domains: tuple[str, ...]
    media_host: str
    fields: tuple[str, ...] | None  # None: every WYSIWYG field (a post's body)
    old: tuple[ValueSpec, ...]
    paths: dict[str, ValueSpec]
    exclude: Filter = field(default_factory=Filter)


def load_link_rules(
    raw: Any,
    *,
    mapping_file: Path,
    source_format: str,
    variables: dict[str, str],
    problems: list[Problem],
) -> LinkRules | None:
    """Read ``links`` (a table, or a TOML file named relative to the mapping)."""
    file = mapping_file
    if isinstance(raw, str):
        file = (mapping_file.parent / raw).resolve()
        try:
            raw = tomllib.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            problems.append(Problem(str(mapping_file), "links", f"file not found: {file}"))
            return None
        except tomllib.TOMLDecodeError as exc:
            problems.append(Problem(str(file), "", f"not valid TOML: {exc}"))
            return None
    prefix = "links." if file == mapping_file else ""
    return _RulesReader(file, prefix, variables, problems).read(raw, source_format)


class _RulesReader:
    """Reads one ``links`` table; each problem is named by ``file`` and ``prefix`` + key."""

    def __init__(self, file: Path, prefix: str, variables: dict[str, str], problems: list[Problem]):
        self.file = file
        self.prefix = prefix
        self.variables = variables
        self.problems = problems
        self.values = ValueReader(
            lambda k, m: self.bad(k.removeprefix(prefix), m), self.nested, variables
        )

    def bad(self, key: str, message: str) -> None:
        self.problems.append(Problem(str(self.file), self.prefix + key, message))

    def table(self, value: Any, key: str, known: Iterable[str] | None) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.bad(key, f"expected a table, got {value!r}")
            return {}
        for k in value if known is not None else ():
            if k not in known:  # type: ignore[operator]
                self.bad(f"{key}.{k}" if key else k, f"unknown key (known: {', '.join(known)})")  # type: ignore[arg-type]
        return value

    def nested(self, value: Any, key: str, known: Iterable[str] | None) -> dict[str, Any]:
        # ValueReader names keys from the file's top; ours sit under "links." when inline.
        return self.table(value, key.removeprefix(self.prefix), known)

    def read(self, raw: Any, source_format: str) -> LinkRules | None:
        before = len(self.problems)
        raw = self.table(raw, "", KEYS)
        domains = _strings(raw.get("domains", []), "domains", self.bad)
        fields = _strings(raw["fields"], "fields", self.bad) if "fields" in raw else None
        media_host = self.media_host(raw.get("media_host", ""))
        old = self.old(raw.get("old", list(DEFAULT_OLD.get(source_format, ()))), source_format)
        paths = self.paths(raw.get("paths", {}))
        exclude = self.exclude(raw.get("exclude", DEFAULT_EXCLUDE.get(source_format, {})))
        if len(self.problems) > before:
            return None
        return LinkRules(
            file=self.file,
            domains=tuple(d.lower().removeprefix("www.") for d in domains),
            media_host=media_host.rstrip("/"),
            fields=tuple(fields) if fields is not None else None,
            old=old,
            paths=paths,
            exclude=exclude,
        )

    def media_host(self, media_host: Any) -> str:
        if not isinstance(media_host, str):
            self.bad("media_host", "expected a URL such as http://127.0.0.1:8000 (or empty)")
            return ""
        try:
            return substitute_vars(media_host, self.variables)
        except ValueError as exc:
            self.bad("media_host", str(exc))
            return media_host

    def old(self, olds: Any, source_format: str) -> tuple[ValueSpec, ...]:
        if not olds:
            self.bad(
                "old",
                f"required for {source_format!r} exports: the record's old URL(s), "
                "e.g. '/{slug}/'",
            )
        return tuple(
            s
            for i, o in enumerate(_list(olds))
            if (s := _template_spec(o, f"{self.prefix}old[{i}]", self.values)) is not None
        )

    def paths(self, raw: Any) -> dict[str, ValueSpec]:
        paths_raw = self.table(raw, "paths", None)
        if not paths_raw:
            self.bad(
                "paths", 'required: the new path of each record kind, e.g. post = "/blog/{slug}"'
            )
        return {
            kind: s
            for kind, p in paths_raw.items()
            if (s := _template_spec(p, f"{self.prefix}paths.{kind}", self.values)) is not None
        }

    def exclude(self, excluded: Any) -> Filter:
        try:
            return Filter(exclude=tuple(_conditions(self.table(excluded, "exclude", None))))
        except ValueError as exc:
            self.bad("exclude", str(exc))
            return Filter()


def _conditions(table: dict[str, Any]) -> list[tuple[Any, tuple[Any, ...]]]:
    """``{status = ["trash"]}`` → what ``Filter.exclude`` holds."""
    return [
        (parse_path(path), tuple(value if isinstance(value, list) else [value]))
        for path, value in table.items()
    ]


def _template_spec(raw: Any, key: str, values: ValueReader) -> ValueSpec | None:
    """A string is a template here (paths and URLs are made of record values)."""
    return values.spec({"template": raw} if isinstance(raw, str) else raw, key)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _strings(value: Any, key: str, bad: Callable[[str, str], None]) -> list[str]:
    items = _list(value)
    if not all(isinstance(v, str) and v for v in items):
        bad(key, f"expected a list of strings, got {value!r}")
        return []
    return items
