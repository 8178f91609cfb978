"""``migrator inspect`` for WXR: what an export holds, and a starter mapping for one type."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from migrator.errors import RecordError
from migrator.sources.wordpress.items import split_url
from migrator.sources.wordpress.qtranslate import item_languages

if TYPE_CHECKING:
    from migrator.sources.wordpress.source import WxrSource

# Distinct meta keys / hosts kept while counting; more are summed as "other".
_MAX_KEYS = 500
_SHOWN = 25


def _bump(counter: Counter[str], key: str) -> None:
    if key in counter or len(counter) < _MAX_KEYS:
        counter[key] += 1
    else:
        counter["(other)"] += 1


@dataclass
class _Tally:
    """What ``describe`` counts while reading every item once."""

    types: Counter[str] = field(default_factory=Counter)
    statuses: dict[str, Counter[str]] = field(default_factory=dict)
    meta: dict[str, Counter[str]] = field(default_factory=dict)
    taxonomies: dict[str, set[str]] = field(default_factory=dict)
    locales: Counter[str] = field(default_factory=Counter)
    hosts: Counter[str] = field(default_factory=Counter)
    author_posts: Counter[str] = field(default_factory=Counter)
    comments: int = 0
    permalinks: dict[str, Counter[str]] = field(default_factory=dict)
    internal_links: int = 0
    linking_items: int = 0
    errors: list[str] = field(default_factory=list)
    plugin: str | None = None
    site_language: str | None = None  # the channel's <language>

    def add(self, kind: str, data: Mapping[str, Any]) -> None:
        self.types[kind] += 1
        self.statuses.setdefault(kind, Counter())[data["status"]] += 1
        for key in data["meta"]:
            _bump(self.meta.setdefault(kind, Counter()), key)
        for taxonomy, terms in data["terms"].items():
            names = self.taxonomies.setdefault(taxonomy, set())
            if len(names) < _MAX_KEYS:
                names.update(t["slug"] or t["name"] for t in terms)
        if data["language"]:
            self.locales[data["language"]] += 1
            self.plugin = self.plugin or ("polylang" if "language" in data["terms"] else "wpml")
        else:
            for code in item_languages(data):
                self.locales[code] += 1
                self.plugin = "qtranslate"
        self.site_language = self.site_language or data["site"].get("language")
        self.author_posts[data["author"]["login"]] += 1
        self.comments += len(data["comments"])
        if data["link"]:
            _bump(self.permalinks.setdefault(kind, Counter()), permalink_shape(data))
        if data["links"]:
            self.internal_links += len(data["links"])
            self.linking_items += 1
        if kind == "attachment" and data["attachment_url"]:
            _bump(self.hosts, split_url(data["attachment_url"]).hostname or "(relative)")


def describe(source: WxrSource) -> dict[str, Any]:
    """A nested summary: post types with counts and statuses, taxonomies, meta keys per
    type, locales, authors, attachment hosts, and what could not be read."""
    post_types = list(source.post_types) if source.post_types is not None else None
    reader = type(source)(source.path, post_types=post_types)
    reader.every_type = source.post_types is None  # inspect shows menus and revisions too
    tally = _Tally()
    for item in reader.records():
        if isinstance(item, RecordError):
            tally.errors.append(str(item))
        else:
            tally.add(item.kind, item.data)
    stats = reader.stats
    authors = [{**a, "items": tally.author_posts.get(a["login"], 0)} for a in _authors(reader)]
    errors = tally.errors
    return {
        "file": str(source.path),
        "format": "wxr",
        "wxr_version": stats.wxr_version,
        "items": stats.items,
        "post_types": {
            kind: {"count": n, "statuses": dict(tally.statuses[kind].most_common())}
            for kind, n in tally.types.most_common()
        },
        "taxonomies": {t: len(names) for t, names in sorted(tally.taxonomies.items())},
        "meta_keys": {
            kind: dict(counter.most_common(_SHOWN)) for kind, counter in sorted(tally.meta.items())
        },
        "locales": _locales(tally),
        "authors": authors,
        "comments": tally.comments,
        "attachment_hosts": dict(tally.hosts.most_common(_SHOWN)),
        # What a mapping's `links` rules need: where each type lived, and how many links
        # in the content point at the site itself (they are rewritten).
        "permalinks": {
            kind: dict(counter.most_common(3)) for kind, counter in sorted(tally.permalinks.items())
        },
        "internal_links": {"links": tally.internal_links, "items": tally.linking_items},
        "problems": [*stats.problems, *errors[:_SHOWN], f"... and {len(errors) - _SHOWN} more"]
        if len(errors) > _SHOWN
        else [*stats.problems, *errors],
        "notes": list(stats.notes),
    }


def _locales(tally: _Tally) -> dict[str, Any]:
    """The plugin and the items per language; for qTranslate (whose default language is
    in the site's options, not the export) a guess at the default: the site's
    ``<language>`` if items use it, else the language most items have."""
    if not tally.locales:
        return {}
    out: dict[str, Any] = {"plugin": tally.plugin, "counts": dict(tally.locales.most_common())}
    if tally.plugin == "qtranslate":
        site = (tally.site_language or "").replace("_", "-").split("-")[0].lower()
        out["default"] = site if site in tally.locales else tally.locales.most_common(1)[0][0]
    return out


def permalink_shape(data: Mapping[str, Any]) -> str:
    """``https://x.com/2024/03/hello/`` → ``x.com/%year%/%monthnum%/%postname%/``; a
    child page's or an attachment's parents become ``%parent%``."""
    parts = split_url(data["link"])
    out: list[str] = []
    date = data.get("date") or ""
    for segment in parts.path.split("/"):
        if segment and segment == data["post_name"]:
            segment = "%postname%"
        elif segment and segment == data["post_id"]:
            segment = "%post_id%"
        elif len(segment) == 4 and segment == date[:4]:
            segment = "%year%"
        elif len(segment) == 2 and segment == date[5:7] and "%year%" in out:
            segment = "%monthnum%"
        elif len(segment) == 2 and segment == date[8:10] and "%monthnum%" in out:
            segment = "%day%"
        out.append(segment)
    if data.get("post_parent") and "%postname%" in out:
        # Hierarchical: what stands between the date (if any) and the name is the parents'.
        last = out.index("%postname%")
        first = max((i + 1 for i, seg in enumerate(out[:last]) if seg.startswith("%")), default=1)
        out[first:last] = ["%parent%"] if last > first else []
    query = parts.query.replace(data["post_id"], "%post_id%") if data["post_id"] else parts.query
    return (parts.hostname or "") + "/".join(out) + (f"?{query}" if query else "")


def _authors(source: WxrSource) -> list[dict[str, Any]]:
    index = source.scan()
    index.attachments.close()  # only the authors are wanted here
    return [a.as_dict() for a in index.authors.values()]


_POST_TEMPLATE = """\
# Starter mapping: WordPress `{kind}` items → ButterCMS blog posts.
# Made by `migrator inspect {file} --scaffold {kind}`; check it with
#   migrator run THIS_FILE --dry-run
# Record data keys: see migrator/sources/wordpress/source.py. Authors must exist in Butter (the
# content model's [[authors]]): map WordPress emails in the `map` table below.

model = "{model}"

[source]
format = "wxr"
path = "{source}"
post_types = ["{kind}"]
{split}
[vars]
media_host = ""        # a mirror of the old uploads, e.g. http://127.0.0.1:8000
author_email = ""      # Butter author for WordPress authors not in the table

[filter]
kind = "{kind}"
where = {{ status = ["publish", "draft", "pending", "future", "private"] }}

[target]
kind = "post"
title = {{ from = "title", transforms = ["strip_html", {{ name = "default", value = "Untitled" }}] }}
slug = {{ from = "slug", transforms = [{{ name = "replace", old = "^.*/", new = "", regex = true }}, {{ name = "strip_suffix", value = [".html", ".htm"] }}, "slugify"] }}
status = {{ from = "status", lookup = {{ publish = "published", draft = "draft", pending = "draft", future = "draft", private = "draft" }} }}

[fields]
author_email = {{ from = "author.email", transforms = ["lower", {{ name = "map", table = {{ {authors} }}, default = "{{vars.author_email}}" }}] }}
categories = {{ from = "categories", transforms = [{{ name = "pluck", key = "name" }}] }}
tags = {{ from = "tags", transforms = [{{ name = "pluck", key = "name" }}] }}
body = {{ from = "content_with_media", transforms = ["shortcodes", "wpautop", "strip_blocks"] }}
summary = {{ from = "excerpt", transforms = ["strip_html"] }}
featured_image = {{ from = "featured_image.url", optional = true, transforms = [{{ name = "rebase_url", to = "{{vars.media_host}}" }}] }}
featured_image_alt = {{ from = "featured_image.alt", optional = true, transforms = ["strip"] }}
# Sent as `published` (UTC); a draft has no GMT date, so its local date stands in. What
# Butter does with it: README, "Publication dates".
published = {{ from = ["date_gmt", "date"], optional = true }}
{meta}"""  # noqa: E501

_COLLECTION_TEMPLATE = """\
# Starter mapping: WordPress `{kind}` items → the ButterCMS collection `{kind}`.
# Made by `migrator inspect {file} --scaffold {kind}`. Describe the collection in your
# content model ({model}) with the fields below (or rename them to yours), then
#   migrator run THIS_FILE --dry-run
# Record data keys: see migrator/sources/wordpress/source.py.

model = "{model}"

[source]
format = "wxr"
path = "{source}"
post_types = ["{kind}"]

[vars]
media_host = ""        # a mirror of the old uploads, e.g. http://127.0.0.1:8000

[filter]
kind = "{kind}"
where = {{ status = ["publish", "draft"] }}

[target]
kind = "collection"
collection = "{kind}"
lookup_field = "slug"
{base_locale}status = {{ from = "status", lookup = {{ publish = "published", draft = "draft" }} }}

[fields]
title = {{ from = "title", transforms = [{qt}"strip_html", {{ name = "default", value = "Untitled" }}] }}
slug = {{ from = "slug", transforms = [{{ name = "replace", old = "^.*/", new = "", regex = true }}, {{ name = "strip_suffix", value = [".html", ".htm"] }}, "slugify"] }}
summary = {{ from = "excerpt", transforms = [{qt}"strip_html"] }}
body = {{ from = "content_with_media", transforms = ["shortcodes", {qt}"wpautop", "strip_blocks"] }}
image = {{ from = "featured_image.url", optional = true, transforms = [{{ name = "rebase_url", to = "{{vars.media_host}}" }}] }}
{meta}{locales}"""  # noqa: E501


def scaffold(source: WxrSource, kind: str, *, model: str = "content-model.toml") -> str:
    """A starter mapping for one post type: blog posts for ``post``, else a collection
    named after the type; its meta keys are listed as commented-out fields."""
    summary = describe(source)
    if kind not in summary["post_types"]:
        known = ", ".join(summary["post_types"]) or "none"
        raise ValueError(f"no {kind!r} items in {source.path} (post types: {known})")
    keys = [k for k in summary["meta_keys"].get(kind, {}) if not k.startswith("_")]
    meta = "".join(
        f'# {_field_name(k)} = {{ from = "meta.{k}", optional = true, transforms = ["strip"] }}\n'
        for k in keys
    )
    if meta:
        meta = "# Post meta seen on these items (uncomment what the target has):\n" + meta
    emails = sorted({a["email"] for a in summary["authors"] if a.get("email")})
    authors = ", ".join(f'"{e}" = "{e}"' for e in emails)
    template = _POST_TEMPLATE if kind == "post" else _COLLECTION_TEMPLATE
    return template.format(
        **_qtranslate_parts(summary["locales"]),
        kind=kind,
        file=source.path.name,
        model=model,
        source=source.path.resolve().as_posix(),
        authors=authors,
        meta=meta,
    )


_SPLIT = """\
# qTranslate: each item holds its languages ({languages}) in one field. Blog posts have no
# locales in Butter, so each language becomes a post of its own: the {default} one keeps the
# item's slug, the others get "<slug>-<language>"; a field missing in a language is sent
# in {default}, with a warning. {default} is inspect's guess at qTranslate's default language
# (the site's <language>, else the most used one): check it.
qtranslate_split = true
default_language = "{default}"
"""

_BASE_LOCALE = """\
# qTranslate: each item holds its languages ({languages}) in one field; each becomes a
# locale of the item: {default} here ([fields]), the others in [locales.*] below. Your content
# model must have these locales (a Butter code that differs from qTranslate's: rename the
# [locales.<code>] table, keep the transform's locale). {default} is inspect's guess at
# qTranslate's default language (the site's <language>, else the most used one): check it.
locale = "{default}"
"""

_LOCALE = """
[locales.{code}.fields]
# A field without {code} text gets the {default} one (leave fallback out to send it empty).
title = {{ from = "title", transforms = [{{ name = "qtranslate", locale = "{code}", fallback = "{default}" }}, "strip_html", {{ name = "default", value = "Untitled" }}] }}
summary = {{ from = "excerpt", transforms = [{{ name = "qtranslate", locale = "{code}", fallback = "{default}" }}, "strip_html"] }}
body = {{ from = "content_with_media", transforms = ["shortcodes", {{ name = "qtranslate", locale = "{code}", fallback = "{default}" }}, "wpautop", "strip_blocks"] }}
"""  # noqa: E501


def _qtranslate_parts(locales: dict[str, Any]) -> dict[str, str]:
    """The scaffold's qTranslate lines: empty unless the items carry its markup."""
    if locales.get("plugin") != "qtranslate":
        return {"split": "", "base_locale": "", "qt": "", "locales": ""}
    default = locales["default"]
    names = {"languages": ", ".join(locales["counts"]), "default": default}
    others = [code for code in locales["counts"] if code != default]
    return {
        "split": _SPLIT.format(**names),
        "base_locale": _BASE_LOCALE.format(**names),
        "qt": f'{{ name = "qtranslate", locale = "{default}" }}, ',
        "locales": "".join(_LOCALE.format(code=code, default=default) for code in others),
    }


def _field_name(key: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in key).strip("_").lower() or "field"
