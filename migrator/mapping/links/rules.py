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
    before = len(problems)

    def bad(key: str, message: str) -> None:
        problems.append(Problem(str(file), prefix + key, message))

    def table(value: Any, key: str, known: Iterable[str] | None) -> dict[str, Any]:
        if not isinstance(value, dict):
            bad(key, f"expected a table, got {value!r}")
            return {}
        for k in value if known is not None else ():
            if k not in known:  # type: ignore[operator]
                bad(f"{key}.{k}" if key else k, f"unknown key (known: {', '.join(known)})")  # type: ignore[arg-type]
        return value

    def nested(value: Any, key: str, known: Iterable[str] | None) -> dict[str, Any]:
        # ValueReader names keys from the file's top; ours sit under "links." when inline.
        return table(value, key.removeprefix(prefix), known)

    raw = table(raw, "", KEYS)
    values = ValueReader(lambda k, m: bad(k.removeprefix(prefix), m), nested, variables)
    domains = _strings(raw.get("domains", []), "domains", bad)
    fields = _strings(raw["fields"], "fields", bad) if "fields" in raw else None
    media_host = raw.get("media_host", "")
    if not isinstance(media_host, str):
        bad("media_host", "expected a URL such as http://127.0.0.1:8000 (or empty)")
        media_host = ""
    else:
        try:
            media_host = substitute_vars(media_host, variables)
        except ValueError as exc:
            bad("media_host", str(exc))
    olds = raw.get("old", list(DEFAULT_OLD.get(source_format, ())))
    if not olds:
        bad(
            "old",
            f"required for {source_format!r} exports: the record's old URL(s), e.g. '/{{slug}}/'",
        )
    old = tuple(
        s
        for i, o in enumerate(_list(olds))
        if (s := _template_spec(o, f"{prefix}old[{i}]", values)) is not None
    )
    paths_raw = table(raw.get("paths", {}), "paths", None)
    if not paths_raw:
        bad("paths", 'required: the new path of each record kind, e.g. post = "/blog/{slug}"')
    paths = {
        kind: s
        for kind, p in paths_raw.items()
        if (s := _template_spec(p, f"{prefix}paths.{kind}", values)) is not None
    }
    exclude = Filter()
    excluded = raw.get("exclude", DEFAULT_EXCLUDE.get(source_format, {}))
    try:
        exclude = Filter(exclude=tuple(_conditions(table(excluded, "exclude", None))))
    except ValueError as exc:
        bad("exclude", str(exc))
    if len(problems) > before:
        return None
    return LinkRules(
        file=file,
        domains=tuple(d.lower().removeprefix("www.") for d in domains),
        media_host=media_host.rstrip("/"),
        fields=tuple(fields) if fields is not None else None,
        old=old,
        paths=paths,
        exclude=exclude,
    )


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
