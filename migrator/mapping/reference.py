"""docs/mapping-reference.md, written from the registries: every transform, every source
format and option, every key a mapping file takes.

    python -m migrator.mapping.reference > docs/mapping-reference.md

A test regenerates it and fails when the file differs, so a transform or an option added
without a description (``DESCRIPTIONS``, ``EXAMPLES`` below; ``generate`` refuses one that
has none) or without regenerating the file fails. A test also runs every example.
Nothing imports this module but that test: ``migrator --help`` does not pay for it.
"""

# ruff: noqa: E501  (the descriptions are one line each, as the tables show them)

from __future__ import annotations

import inspect
import json
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from migrator.mapping.load import FILTER_KEYS, TARGET_KEYS, TOP_KEYS
from migrator.mapping.spec import KINDS, POST_FIELDS, STATUSES, UNIQUE_SLUGS
from migrator.mapping.transforms import TRANSFORMS, _type_name
from migrator.mapping.values import SPEC_KEYS
from migrator.sources import SOURCES


@dataclass(frozen=True)
class Example:
    """``value`` through the transform with ``options`` gives ``output`` (or fails with an
    error containing ``error``)."""

    value: Any
    output: Any = None
    options: dict[str, Any] = field(default_factory=dict)
    error: str = ""


EXAMPLES: dict[str, Example] = {
    "strip": Example("  Hello  ", "Hello"),
    "strip_suffix": Example("basic-post.html", "basic-post", {"value": [".html", ".htm"]}),
    "lower": Example("Hello", "hello"),
    "upper": Example("Hello", "HELLO"),
    "prefix": Example(
        "a.jpg", "https://cdn.example.com/a.jpg", {"value": "https://cdn.example.com/"}
    ),
    "suffix": Example("Chapter 1", "Chapter 1 (draft)", {"value": " (draft)"}),
    "truncate": Example(
        "The quick brown fox", "The quick…", {"length": 12, "ellipsis": "…", "words": True}
    ),
    "replace": Example("2024/05/01", "2024-05-01", {"old": "/", "new": "-"}),
    "slugify": Example("Straße Café", "strasse-cafe"),
    "split": Example("a| b |c", ["a", "b", "c"], {"sep": "|"}),
    "join": Example(["red", "blue"], "red / blue", {"sep": " / "}),
    "first": Example(["a.jpg", "b.jpg"], "a.jpg"),
    "default": Example("", "Untitled", {"value": "Untitled"}),
    "paragraphs": Example("One.\n\nTwo\nlines.", "<p>One.</p>\n<p>Two<br>lines.</p>"),
    "html_clean": Example('<p onclick="x()">Hi<script>alert(1)</script></p>', "<p>Hi</p>"),
    "markdown": Example("**bold** text", "<p><strong>bold</strong> text</p>"),
    "strip_html": Example("<p>Fish &amp; <b>chips</b></p>", "Fish & chips"),
    "number": Example("1,234.50", 1234.5, {"thousands": ","}),
    "boolean": Example("Yes", True),
    "date": Example("05/31/2024", "2024-05-31", {"format": "%m/%d/%Y", "output": "date"}),
    "email": Example("ann@example", error="is not an e-mail address"),
    "url": Example("ftp://example.com/a", error="is not an http(s) URL"),
    "regex": Example(
        "AB-12",
        error="a SKU like AB-1234",
        options={"pattern": "[A-Z]{2}-\\d{4}", "message": "a SKU like AB-1234"},
    ),
    "max_length": Example("A long title", error="more than 5", options={"n": 5}),
    "one_of": Example("Red", "Red", {"values": ["red", "blue"], "ignore_case": True}),
    "wpautop": Example("One\n\nTwo", "<p>One</p>\n<p>Two</p>\n"),
    "shortcodes": Example(
        '[caption]<img src="a.jpg"> A cat[/caption]',
        '<figure class="wp-caption"><img src="a.jpg"><figcaption>A cat</figcaption></figure>',
    ),
    "strip_blocks": Example("<!-- wp:paragraph --><p>Hi</p><!-- /wp:paragraph -->", "<p>Hi</p>"),
    "rebase_url": Example(
        "https://old.example.com/wp-content/uploads/a.jpg",
        "https://cdn.example.com/a.jpg",
        {"to": "https://cdn.example.com", "strip_path": "/wp-content/uploads"},
    ),
    "pluck": Example([{"name": "News", "slug": "news"}], ["News"], {"key": "name"}),
    "map": Example("publish", "published", {"table": {"publish": "published"}, "default": "draft"}),
    "qtranslate": Example("[:en]Hello[:fr]Bonjour[:]", "Bonjour", {"locale": "fr"}),
}

# What each key of a mapping file is for ("top" keys, [target] keys, [filter] keys, value
# spec keys) and each source option ("option" for all formats, "format.option" for one).
DESCRIPTIONS: dict[str, str] = {
    "top.model": "The content model file (page types, collections, fields), relative to the mapping. Required.",
    "top.source": "The export: `format`, an optional default `path` (relative to the mapping), and the format's options below.",
    "top.vars": "Variables (strings) for `{vars.name}` in templates and transform options; `--var name=value` overrides a declared one.",
    "top.filter": "Which records this mapping takes (the others are skipped, not failed).",
    "top.target": "Where records go: the kind, the page type or collection, and how title, slug and status are built.",
    "top.fields": "Target field name = value spec, checked against the content model.",
    "top.locales": "`[locales.<code>.fields]`: per-locale values for pages and collections; they override `[fields]` for that locale.",
    "top.links": 'Rewriting links to the old site (README, "Links to the old site, rewritten").',
    "target.kind": f"One of {', '.join(KINDS)}. Required.",
    "target.page_type": "The page type's key in the content model (pages only).",
    "target.collection": "The collection's key in the content model (collections only).",
    "target.lookup_field": "Collections: a unique field, used to find an item again by reading back.",
    "target.status": f"One of {', '.join(STATUSES)} (default draft); may be a value spec.",
    "target.title": "Pages and posts: a value spec for the title. Required for them.",
    "target.slug": "Pages and posts: a value spec for the slug (usually with `slugify`). Required for them.",
    "target.unique_slugs": f"Pages and posts: two records with one slug: {' or '.join(UNIQUE_SLUGS)} (default report: the later one is invalid; suffix: `-2`, `-3` as WordPress does).",
    "target.locale": "Pages and collections: the locale to send to (single-locale form, sent as `?locale=`).",
    "target.update_fields": "The fields a re-import may update (default: all); edits made in Butter to the others are kept.",
    "filter.kind": "A record kind or a list of them (a source's `kind`, e.g. `post`, `page`, `row`).",
    "filter.where": "Source path = value or list of values: only matching records are taken.",
    "filter.exclude": "Source path = value or list of values: matching records are skipped.",
    "spec.from": "A dotted source path (`author.email`, `tags[0]`), or a list of them: the first non-empty wins.",
    "spec.template": "Text with `{path}` and `{vars.name}` placeholders (`{{` for a brace); empty when every placeholder is.",
    "spec.const": "A constant value.",
    "spec.lookup": 'Source value → target value table, after from/template; a `"*"` key is the value for anything not listed.',
    "spec.transforms": 'A list of transforms applied in order: `"name"` or `{ name = "...", option = ... }`.',
    "spec.optional": "`true`: a missing source path gives an empty value instead of an invalid record.",
    "spec.required": "Blog posts' `published` only: the value must reach Butter.",
    "spec.ref": "Collection references: match the values on this field of the referenced collection.",
    "spec.each": "Repeaters: with `from` (a list), each item becomes one repeater item built by these value specs.",
    # Source options shared by several formats.
    "key": "The record's id (a column, or a dotted path into JSON): re-runs find the record again by it.",
    "kind": "The record kind every record gets (what `[filter] kind` picks on).",
    "kind_path": "A dotted path read from each record for its kind, instead of the constant `kind`.",
    "reference_fields": 'Per type, the field of a referenced document to use instead of its id (`{ author = "name" }`).',
    # csv
    "csv.group_by": "Consecutive rows with one value in this column are one record (their rows become lists, for repeaters).",
    "csv.delimiter": "The field separator (default: the first of `,` tab `;` `|` that splits the header and rows alike; tab first for .tsv).",
    "csv.encoding": "The file's encoding, used strictly (default: a BOM decides, else UTF-8 if the start is valid UTF-8, else guessed, with a note).",
    "csv.skip_blank_lines": "Skip blank lines (default); `false`: a blank line is a row with one empty field.",
    "csv.null_values": 'Cell values read as empty (`["NULL", "N/A"]`).',
    "csv.header": "`false`: the file has no header row; name the columns in `columns`.",
    "csv.columns": "The column names, for a file without a header row.",
    "csv.comment": "Lines starting with this character (between rows) are skipped and counted.",
    "csv.escape": 'The character that escapes a quote (or itself) inside a field: `"\\\\"` reads `\\"` as `"`.',
    # wxr
    "wxr.post_types": "The post types to read (default: all but nav_menu_item and revision; name them to get them).",
    "wxr.group_translations": "WPML/Polylang: the items of a translation group become one record with its `translations`.",
    "wxr.default_language": "With `group_translations`: the language of the record's own fields (else the original).",
    "wxr.publish_protected": "Publish password-protected items as they are (Butter has no passwords: all can read).",
    "wxr.qtranslate_split": "qTranslate: one record per language of an item's markup.",
    # contentful
    "contentful.locale_map": 'Rename locale codes everywhere (`{ "en-US" = "en" }`).',
    "contentful.content_types": 'Read only these content types (`["post"]`).',
    # ghost
    "ghost.site_url": "The old site's address, put where Ghost wrote `__GHOST_URL__` in links and images.",
    # sanity
    "sanity.include_drafts": "Read draft documents (`drafts.*` ids) too.",
    "sanity.assets_base": "Where you serve the export's own `images/` folder (local files are put under it).",
    "sanity.project_id": "With `dataset`: builds the CDN URL of an asset that is not in the export.",
    "sanity.dataset": "With `project_id`: builds the CDN URL of an asset that is not in the export.",
    # strapi
    "strapi.default_locale": "The locale whose entry carries the record's own fields (else the lowest id).",
    "strapi.media_fields": 'Fields whose upload ids become the file URLs (`["logo"]`).',
    # json
    "json.records_path": "Which objects are records: `data.items[*]`, `[*]`, `posts[*].data` (default: each item of a top-level list, or the top-level object).",
}


def transform_options(name: str) -> list[tuple[str, str, str]]:
    """(option, type, default) of a transform, in its signature's order."""
    fn = TRANSFORMS[name].fn
    hints = inspect.get_annotations(fn, eval_str=True)
    out = []
    for p in list(inspect.signature(fn).parameters.values())[1:]:
        type_name = _type_name(hints[p.name]) if p.name in hints else "any"
        default = "required" if p.default is p.empty else _toml(p.default)
        out.append((p.name, type_name, default))
    return out


def _toml(value: Any) -> str:
    """``value`` as a TOML inline value (``none`` for no value, which TOML lacks)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        items = (f"{_toml_key(k)} = {_toml(v)}" for k, v in value.items())
        return "{ " + ", ".join(items) + " }"
    return json.dumps(value, ensure_ascii=False)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _cell(text: str) -> str:
    """Text for a Markdown table cell: a ``|`` would end the cell."""
    return text.replace("|", "\\|")


def _doc(text: str | None) -> str:
    """A docstring as Markdown: reST's double backquotes become single ones."""
    return inspect.cleandoc(text or "").replace("``", "`")


def option_description(fmt: str, name: str) -> str:
    found = DESCRIPTIONS.get(f"{fmt}.{name}") or DESCRIPTIONS.get(name)
    if not found:
        raise KeyError(f"source option {fmt}.{name} has no description in DESCRIPTIONS")
    return found


def _key_table(prefix: str, keys: tuple[str, ...]) -> list[str]:
    lines = ["| key | meaning |", "|---|---|"]
    for k in keys:
        if f"{prefix}.{k}" not in DESCRIPTIONS:
            raise KeyError(f"{prefix} key {k!r} has no description in DESCRIPTIONS")
        lines.append(f"| `{k}` | {_cell(DESCRIPTIONS[f'{prefix}.{k}'])} |")
    return lines


def _call(name: str, options: dict[str, Any]) -> str:
    if not options:
        return f'"{name}"'
    opts = ", ".join(f"{k} = {_toml(v)}" for k, v in options.items())
    return f'{{ name = "{name}", {opts} }}'


def generate() -> str:
    out = [
        "# Mapping reference",
        "",
        "<!-- Generated by `python -m migrator.mapping.reference > docs/mapping-reference.md`;",
        "     do not edit: change the docstrings or migrator/mapping/reference.py. -->",
        "",
        "Every key a mapping file (`mappings/*.toml`) takes, every transform and every source",
        "format with its options. The shipped mappings in `mappings/` are commented examples;",
        'the README\'s "Mapping files" section tells the story.',
        "",
        "## The file's tables",
        "",
        *_key_table("top", TOP_KEYS),
        "",
        "### `[target]`",
        "",
        *_key_table("target", TARGET_KEYS),
        "",
        "Per kind: a `page` takes `page_type`, `title`, `slug`; a `collection` takes",
        "`collection` and `lookup_field` (no title or slug); a `post` takes `title` and `slug`,",
        "and its `[fields]` are Butter's fixed blog post fields:",
        "",
        "| post field | type |",
        "|---|---|",
        *(f"| `{f.name}` | {f.type} |" for f in POST_FIELDS.values()),
        "",
        "### `[filter]`",
        "",
        *_key_table("filter", FILTER_KEYS),
        "",
        "### Value specs",
        "",
        'A target value is a bare constant (`"x"`, `42`, `true`) or a table with exactly one',
        "of `from`, `template`, `const`, then these optional keys:",
        "",
        *_key_table("spec", SPEC_KEYS),
        "",
        "## Transforms",
        "",
        "Written in a value spec's `transforms` list, applied in order. Empty values (none,",
        '`""`, `[]`) pass through untouched unless said otherwise. A transform that cannot',
        "handle a value makes the record invalid: it goes to the failures file, naming the",
        "field, and is not sent. The *checks* (`email`, `url`, `regex`, `max_length`, `one_of`)",
        "change nothing: they only stop a bad value before it is sent.",
        "",
    ]
    for name in sorted(TRANSFORMS):
        t = TRANSFORMS[name]
        if name not in EXAMPLES:
            raise KeyError(f"transform {name!r} has no example in EXAMPLES")
        ex = EXAMPLES[name]
        out += [f"### `{name}`", ""]
        doc = _doc(t.fn.__doc__)
        if not doc:
            raise KeyError(f"transform {name!r} has no docstring (what it does)")
        out += [doc, ""]
        flags = []
        if t.elementwise:
            flags.append("applies to each item of a list")
        if not t.skip_empty:
            flags.append("runs on empty values too")
        if flags:
            out += ["*" + "; ".join(flags).capitalize() + ".*", ""]
        opts = transform_options(name)
        if opts:
            out += ["| option | type | default |", "|---|---|---|"]
            out += [f"| `{o}` | `{_cell(ty)}` | {_cell(d)} |" for o, ty, d in opts]
            out.append("")
        result = f"fails: `{ex.error}`" if ex.error else f"`{_toml(ex.output)}`"
        out += [
            f"Example: `transforms = [{_call(name, ex.options)}]` on `{_toml(ex.value)}` → {result}",
            "",
        ]
    out += ["## Source formats", "", '`[source] format = "..."`, then its options.', ""]
    for fmt, cls in SOURCES.items():
        out += [
            f"### `{fmt}`",
            "",
            _doc(cls.__doc__).split("\n\n")[0].split(";")[0].rstrip(".") + ".",
            "",
        ]
        options = cls.declared_options()
        out += ["| option | default | meaning |", "|---|---|---|"]
        out += [
            f"| `{n}` | {_cell(_toml(o.default))} | {_cell(option_description(fmt, n))} |"
            for n, o in options.items()
        ]
        out.append("")
    return "\n".join(out)


def run_example(name: str) -> tuple[Any, str]:
    """(output, error message) of a transform's example."""
    ex = EXAMPLES[name]
    try:
        return TRANSFORMS[name](ex.value, **ex.options), ""
    except ValueError as exc:
        return None, str(exc)


if __name__ == "__main__":
    sys.stdout.write(generate())
