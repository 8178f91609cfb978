"""The target's content model, read from a TOML file.

The same file tells the emulator what to accept and tells the migrator what a
mapping must produce, so a rehearsal and a real run check the same rules.

    [locales]
    default = "en"
    available = ["en", "es"]

    [[authors]]
    email = "ada@example.com"
    slug = "ada-lovelace"
    bio = "..."         # optional, as Butter's author profile: first_name, last_name, bio,
                        # title, profile_image and the *_url / twitter_handle links

    [page_types.landing_page.fields]
    headline = { type = "short_text", required = true }
    theme = { type = "dropdown", options = ["light", "dark"] }
    team = { type = "reference", to = "collection:team_members", many = true }

    [collections.team_members.fields]
    name = { type = "short_text", required = true }

    [components.seo.fields]
    title = { type = "short_text" }

    [limits]            # optional plan caps, enforced by the emulator
    pages = 100
    collection_items = 50
    posts = 50
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from migrator.errors import ConfigError, Problem

SCALAR_TYPES = frozenset(
    {
        "short_text",
        "long_text",
        "wysiwyg",
        "number",
        "date",
        "checkbox",
        "dropdown",
        "media",
        "color",
    }
)
FIELD_TYPES = SCALAR_TYPES | {"reference", "repeater", "component", "component_picker"}
# Collections cannot hold these (Butter's rule).
PAGE_ONLY_TYPES = frozenset({"repeater", "component", "component_picker"})
_HEX_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool = False
    options: tuple[str, ...] = ()  # dropdown
    ref_kind: str | None = None  # reference: "page" or "collection"
    ref_target: str | None = None  # reference: page type or collection key ("*" = any page)
    many: bool = False  # reference: one or many
    fields: dict[str, Field] = field(default_factory=dict)  # repeater / component sub-fields
    component: str | None = None  # component: its name
    components: tuple[str, ...] = ()  # component picker: allowed component names
    # component picker: each allowed component's fields, filled in once components are read
    choices: dict[str, dict[str, Field]] = field(default_factory=dict)

    def empty_value(self) -> Any:
        """What Butter expects for an optional field left blank."""
        if self.type in ("repeater", "component_picker") or (
            self.type == "reference" and self.many
        ):
            return []
        if self.type == "component":
            return {name: f.empty_value() for name, f in self.fields.items()}
        if self.type == "checkbox":
            return False
        return ""


@dataclass(frozen=True)
class PageType:
    name: str
    fields: dict[str, Field]


@dataclass(frozen=True)
class Collection:
    key: str
    fields: dict[str, Field]


# The profile keys of a Butter author beyond its names (blank unless the model gives them).
AUTHOR_PROFILE = (
    "bio",
    "title",
    "linkedin_url",
    "facebook_url",
    "instagram_url",
    "pinterest_url",
    "twitter_handle",
    "profile_image",
)


@dataclass(frozen=True)
class Author:
    email: str
    slug: str
    first_name: str = ""
    last_name: str = ""
    # AUTHOR_PROFILE's keys that the model sets; the emulator reads them back.
    profile: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class ContentModel:
    path: str
    default_locale: str
    locales: tuple[str, ...]
    page_types: dict[str, PageType]
    collections: dict[str, Collection]
    components: dict[str, dict[str, Field]]
    authors: tuple[Author, ...]
    limits: dict[str, int]

    def author(self, *, email: str | None = None, slug: str | None = None) -> Author | None:
        for a in self.authors:
            if (email and a.email.lower() == email.lower()) or (slug and a.slug == slug):
                return a
        return None

    def fields_of(self, kind: str, name: str) -> dict[str, Field] | None:
        if kind == "page":
            pt = self.page_types.get(name)
            return pt.fields if pt else None
        if kind == "collection":
            c = self.collections.get(name)
            return c.fields if c else None
        return None


# --------------------------------------------------------------------------- loading


def load_content_model(path: str | Path) -> ContentModel:
    """Read and check a content model file; every problem is reported at once."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("content model file not found", file=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=path) from None
    return parse_content_model(raw, str(path))


def parse_content_model(raw: dict[str, Any], path: str) -> ContentModel:
    problems: list[Problem] = []

    def bad(key: str, msg: str) -> None:
        problems.append(Problem(path, key, msg))

    loc = raw.get("locales", {})
    default = loc.get("default", "en")
    available = tuple(loc.get("available", [default]))
    if default not in available:
        bad("locales.default", f"{default!r} is not in locales.available {list(available)}")

    components: dict[str, dict[str, Field]] = {}
    for cname, ctable in raw.get("components", {}).items():
        components[cname] = _parse_fields(ctable.get("fields", {}), f"components.{cname}", bad)

    page_types: dict[str, PageType] = {}
    for pname, ptable in raw.get("page_types", {}).items():
        fields = _parse_fields(ptable.get("fields", {}), f"page_types.{pname}", bad)
        page_types[pname] = PageType(pname, fields)

    collections: dict[str, Collection] = {}
    for ckey, ctable in raw.get("collections", {}).items():
        fields = _parse_fields(ctable.get("fields", {}), f"collections.{ckey}", bad)
        for fname, f in fields.items():
            if f.type in PAGE_ONLY_TYPES:
                bad(f"collections.{ckey}.fields.{fname}", f"collections cannot hold {f.type}")
        collections[ckey] = Collection(ckey, fields)

    # Second pass: names that point elsewhere must exist.
    for pname, pt in page_types.items():
        _check_links(f"page_types.{pname}", pt.fields, page_types, collections, components, bad)
    for ckey, c in collections.items():
        _check_links(f"collections.{ckey}", c.fields, page_types, collections, components, bad)
    _attach_components(page_types, components)
    authors = _parse_authors(raw.get("authors", []), bad)
    limits = {k: int(v) for k, v in raw.get("limits", {}).items()}
    for k in limits:
        if k not in ("pages", "collection_items", "posts"):
            bad(f"limits.{k}", "unknown limit (pages, collection_items, posts)")

    if problems:
        raise ConfigError(
            "invalid content model:\n" + "\n".join(f"  - {p}" for p in problems), file=None
        )
    return ContentModel(
        path=path,
        default_locale=default,
        locales=available,
        page_types=page_types,
        collections=collections,
        components=components,
        authors=authors,
        limits=limits,
    )


Complain = Callable[[str, str], None]


def _check_links(
    prefix: str,
    fields: dict[str, Field],
    page_types: dict[str, PageType],
    collections: dict[str, Collection],
    components: dict[str, dict[str, Field]],
    bad: Complain,
) -> None:
    """References and components must name something the model has."""
    for fname, f in fields.items():
        key = f"{prefix}.fields.{fname}"
        if f.type == "reference":
            table: dict[str, PageType] | dict[str, Collection] = (
                page_types if f.ref_kind == "page" else collections
            )
            if f.ref_target != "*" and f.ref_target not in table:
                bad(key, f"references unknown {f.ref_kind} {f.ref_target!r}")
        if f.type == "component" and f.component not in components:
            bad(key, f"unknown component {f.component!r}")
        if f.type == "component_picker":
            for c in f.components:
                if c not in components:
                    bad(key, f"unknown component {c!r}")
        if f.fields:
            _check_links(key, f.fields, page_types, collections, components, bad)


def _attach_components(
    page_types: dict[str, PageType], components: dict[str, dict[str, Field]]
) -> None:
    """A component field's sub-fields are the component's own."""
    for pt in page_types.values():
        for f in pt.fields.values():
            if f.type == "component" and f.component in components:
                object.__setattr__(f, "fields", components[f.component])
            if f.type == "component_picker":
                f.choices.update({c: components[c] for c in f.components if c in components})


def _parse_authors(raw: list[dict[str, str]], bad: Complain) -> tuple[Author, ...]:
    authors = []
    for i, a in enumerate(raw):
        if not a.get("email") or not a.get("slug"):
            bad(f"authors[{i}]", "an author needs an email and a slug")
            continue
        profile = {k: str(a[k]) for k in AUTHOR_PROFILE if k in a}
        authors.append(
            Author(a["email"], a["slug"], a.get("first_name", ""), a.get("last_name", ""), profile)
        )
    return tuple(authors)


def _parse_fields(table: dict[str, Any], prefix: str, bad: Any) -> dict[str, Field]:
    fields: dict[str, Field] = {}
    for fname, spec in table.items():
        key = f"{prefix}.fields.{fname}"
        if isinstance(spec, str):
            spec = {"type": spec}
        ftype = spec.get("type")
        if ftype not in FIELD_TYPES:
            bad(key, f"unknown field type {ftype!r}; one of {sorted(FIELD_TYPES)}")
            continue
        ref_kind = ref_target = None
        if ftype == "reference":
            to = str(spec.get("to", ""))
            ref_kind, _, ref_target = to.partition(":")
            if ref_kind not in ("page", "collection") or not ref_target:
                bad(key, f"reference 'to' must be 'page:<type>' or 'collection:<key>', got {to!r}")
                continue
        options = tuple(spec.get("options", ()))
        if ftype == "dropdown" and not options:
            bad(key, "a dropdown needs options")
        sub: dict[str, Field] = {}
        if ftype == "repeater":
            sub = _parse_fields(spec.get("fields", {}), key, bad)
            for sname, s in sub.items():
                if s.type in PAGE_ONLY_TYPES:
                    bad(f"{key}.fields.{sname}", "repeaters cannot nest")
        fields[fname] = Field(
            name=fname,
            type=ftype,
            required=bool(spec.get("required", False)),
            options=options,
            ref_kind=ref_kind,
            ref_target=ref_target,
            many=bool(spec.get("many", False)),
            fields=sub,
            component=spec.get("component"),
            components=tuple(spec.get("components", ())),
        )
    return fields


# --------------------------------------------------------------------------- values


def check_fields(
    fields: dict[str, Field], values: Any, *, require_all_keys: bool, path: str = "fields"
) -> list[str]:
    """Check one locale's field values against their definitions.

    Returns messages like ``"fields.theme: 'blue' is not one of ['light', 'dark']"``;
    an empty list means valid. ``require_all_keys`` is Butter's rule for page
    creates: every field key of the type must be present, optional ones empty.
    """
    if not isinstance(values, dict):
        return [f"{path}: expected an object, got {type(values).__name__}"]
    errors: list[str] = []
    for name in values:
        if name not in fields:
            errors.append(f"{path}.{name}: no such field (known: {sorted(fields)})")
    for name, f in fields.items():
        if name not in values:
            if require_all_keys:
                errors.append(f"{path}.{name}: missing (send {f.empty_value()!r} when empty)")
            continue
        errors.extend(check_value(f, values[name], f"{path}.{name}"))
    return errors


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    # The types nearly every value has, decided without three comparisons.
    kind = type(value)
    if kind is str or kind is list or kind is dict:
        return not value
    if kind is bool or kind is int or kind is float:
        return False
    return bool(value == "" or value == [] or value == {})


# The field types whose value is text: any non-empty str passes their check.
TEXT_TYPES = ("short_text", "long_text", "wysiwyg")
# What a check of a valid value returns: shared, so it is never to be changed.
VALID: tuple[str, ...] = ()
ValueCheck = Callable[[Any, str], Sequence[str]]


def value_check(f: Field) -> ValueCheck:
    """``check_value`` for one field, decided once: the common valid values of its type
    pass without a message being built; anything else gets ``check_value``'s messages."""

    def slow(value: Any, path: str) -> list[str]:
        return check_value(f, value, path)

    t = f.type
    if t in TEXT_TYPES:

        def text(value: Any, path: str) -> Sequence[str]:
            return VALID if type(value) is str and value else check_value(f, value, path)

        return text
    if t == "media":

        def media(value: Any, path: str) -> Sequence[str]:
            if type(value) is str and value.startswith(("http://", "https://")):
                return VALID
            return check_value(f, value, path)

        return media
    if t == "checkbox":

        def checkbox(value: Any, path: str) -> Sequence[str]:
            return VALID if value is True or value is False else check_value(f, value, path)

        return checkbox
    if t == "date":

        def iso_date(value: Any, path: str) -> Sequence[str]:
            return VALID if type(value) is str and _is_iso(value) else check_value(f, value, path)

        return iso_date
    return slow


@functools.lru_cache(maxsize=4096)
def _is_iso(text: str) -> bool:
    """Whether ``check_value`` takes ``text`` as an ISO 8601 date (exports repeat dates)."""
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def utc_timestamp(value: str) -> str:
    """An ISO 8601 date or date-time as one UTC instant, ``2024-01-15T09:30:00Z``: an
    offset is converted, a date or time without one is taken as UTC (Butter's Read API
    answers in UTC). Raises ``ValueError`` naming the value when it is not ISO 8601."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"expected an ISO 8601 date, got {value!r}") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
    return parsed.replace(tzinfo=None).isoformat() + "Z"


def check_value(f: Field, value: Any, path: str) -> list[str]:
    """Check one value against its field; see ``check_fields``."""
    if is_empty(value):
        return [f"{path}: required"] if f.required else []
    t = f.type
    if t in ("short_text", "long_text", "wysiwyg", "media"):
        if not isinstance(value, str):
            return [f"{path}: expected a string, got {type(value).__name__}"]
        if t == "media" and not value.startswith(("http://", "https://")):
            return [f"{path}: expected a media URL (http or https), got {value!r}"]
        return []
    if t == "number":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return [f"{path}: expected a number, got {type(value).__name__}"]
        if isinstance(value, str):
            try:
                float(value)
            except ValueError:
                return [f"{path}: expected a number, got {value!r}"]
        return []
    if t == "date":
        if not isinstance(value, str):
            return [f"{path}: expected an ISO 8601 date string, got {type(value).__name__}"]
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return [f"{path}: expected an ISO 8601 date, got {value!r}"]
        return []
    if t == "checkbox":
        return [] if isinstance(value, bool) else [f"{path}: expected true or false, got {value!r}"]
    if t == "color":
        if isinstance(value, str) and _HEX_COLOR.match(value):
            return []
        return [f"{path}: expected a hex colour like '#1a2b3c', got {value!r}"]
    if t == "dropdown":
        return [] if value in f.options else [f"{path}: {value!r} is not one of {list(f.options)}"]
    if t == "reference":
        return _check_reference(f, value, path)
    if t == "repeater":
        if not isinstance(value, list):
            return [f"{path}: expected a list of objects, got {type(value).__name__}"]
        errors: list[str] = []
        for i, item in enumerate(value):
            errors.extend(_check_whole(f.fields, item, f"{path}[{i}]"))
        return errors
    if t == "component":
        return _check_whole(f.fields, value, path)
    if t == "component_picker":
        if not isinstance(value, list):
            return [f'{path}: expected a list like [{{"<component>": {{...}}}}]']
        errors = []
        for i, item in enumerate(value):
            if not isinstance(item, dict) or len(item) != 1:
                errors.append(f'{path}[{i}]: expected one {{"<component>": {{...}}}} object')
                continue
            ((cname, cvalues),) = item.items()
            if cname in f.choices:
                errors.extend(_check_whole(f.choices[cname], cvalues, f"{path}[{i}].{cname}"))
            elif cname not in f.components:
                errors.append(
                    f"{path}[{i}]: component {cname!r} not allowed ({list(f.components)})"
                )
        return errors
    return [f"{path}: unknown field type {t!r}"]


def _check_whole(fields: dict[str, Field], values: Any, path: str) -> list[str]:
    """A repeater item or component is sent whole (never merged), so a required sub-field
    left out is missing, not "unchanged" as a left-out key of a partial update is."""
    errors = check_fields(fields, values, require_all_keys=False, path=path)
    if isinstance(values, dict):
        errors.extend(
            f"{path}.{name}: required"
            for name, f in fields.items()
            if f.required and name not in values
        )
    return errors


def _check_reference(f: Field, value: Any, path: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if isinstance(value, list) and not f.many:
        return [f"{path}: a single reference, got a list"]
    errors = []
    for v in items:
        if f.ref_kind == "page" and not isinstance(v, str):
            errors.append(f"{path}: a page reference is a slug string, got {v!r}")
        if f.ref_kind == "collection" and (isinstance(v, bool) or not isinstance(v, int | str)):
            errors.append(f"{path}: a collection reference is an item id, got {v!r}")
        if f.ref_kind == "collection" and isinstance(v, str) and not v.isdigit():
            errors.append(f"{path}: a collection reference is a numeric item id, got {v!r}")
    return errors
