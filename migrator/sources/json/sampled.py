"""``migrator inspect --scaffold`` for the JSON sources without a schema (Sanity, Strapi,
any JSON): fields and their Butter types inferred from the values of the first records
of a kind, and the page type or collection that fits them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migrator.sources.json.scaffold import (
    LOOKUP_FIELD,
    FieldPlan,
    Plan,
    butter_name,
    reference,
    unique_names,
    value_spec,
)

# Nested objects are flattened into fields down to this depth (``author.name``).
_MAX_DEPTH = 2

_ISO_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_HTML = re.compile(r"<(?:p|div|h[1-6]|ul|ol|li|br|a|strong|em|img|span|table|blockquote)\b", re.I)
_MEDIA_URL = re.compile(
    r"https?://\S+\.(?:png|jpe?g|gif|webp|svg|avif|bmp|tiff?|pdf|mp4|webm|mp3)(?:\?\S*)?", re.I
)
# Source keys that name a record's title, slug or id, best first.
TITLE_NAMES = ("title", "name", "headline", "heading", "label", "title_rendered")
SLUG_NAMES = ("slug", "url_slug", "handle", "permalink")
LONG_TEXT = 255  # longer sampled strings make a long_text field


# --- fields inferred from values ---------------------------------------------------------

# A value → the kind of record it references (Sanity: the _id of another document).
ReferenceOf = Callable[[Any], str | None]


def _no_reference(value: Any) -> str | None:
    return None


def _no_media(key: str, values: list[Any]) -> bool:
    return False


def _underscored(key: str) -> bool:
    return key.startswith("_")


@dataclass
class Inference:
    """How ``infer_fields`` reads values; each source tunes it."""

    reference_of: ReferenceOf = _no_reference
    relations: frozenset[str] = frozenset()  # keys holding other records' ids
    media_ids: Callable[[str, list[Any]], bool] = _no_media  # numbers that are upload ids
    html_transforms: tuple[str, ...] = ("html_clean",)
    skip: Callable[[str], bool] = _underscored  # top-level keys left out


def infer_fields(
    records: list[Mapping[str, Any]], how: Inference, prefix: str = "", depth: int = 0
) -> list[FieldPlan]:
    """One ``FieldPlan`` per key seen in ``records`` (first-seen order), its Butter type
    inferred from the values; objects are flattened a level deep (``author.name``)."""
    keys: dict[str, list[Any]] = {}
    for data in records:
        for key, value in data.items():
            if isinstance(key, str) and not (depth == 0 and how.skip(key)):
                keys.setdefault(key, []).append(value)
    plans: list[FieldPlan] = []
    for key, values in keys.items():
        path = f"{prefix}{key}"
        plans.extend(_infer(butter_name(path.replace(".", "_")), path, key, values, how, depth))
    return plans


def _infer(
    name: str, path: str, key: str, values: list[Any], how: Inference, depth: int
) -> Iterator[FieldPlan]:
    present = [v for v in values if v not in (None, "", [], {})]
    kinds = {_kind(v) for v in present}
    if not present:
        note = f"{path}: empty in every record looked at, so its type is unknown"
        yield FieldPlan(name, "short_text", [path], note=note, active=False)
        return
    target = next((t for t in map(how.reference_of, _flat(present)) if t), None)
    if target is not None or key in how.relations:
        yield reference(name, path, target, many=kinds == {"list"})
    elif kinds == {"bool"}:
        yield FieldPlan(name, "checkbox", [path], ("boolean",))
    elif kinds == {"number"}:
        if how.media_ids(key, present):
            note = f"{path}: upload ids, read as file URLs (media_fields in [source])"
            yield FieldPlan(name, "media", [path], note=note)
        else:
            yield FieldPlan(name, "number", [path], ("number",))
    elif kinds <= {"str", "number"}:
        yield _text(name, path, [str(v) for v in present], how)
    elif kinds == {"dict"}:
        yield from _object(name, path, present, how, depth)
    elif kinds == {"list"} and how.media_ids(key, list(_flat(present))):
        note = f"{path}: upload ids, read as file URLs; a media field holds the first one"
        yield FieldPlan(name, "media", [path], ("first",), note=note)
    elif kinds == {"list"}:
        yield _list_field(name, path, present)
    else:
        note = f"{path}: mixed values ({', '.join(sorted(kinds))}); map it by hand"
        yield FieldPlan(name, "short_text", [path], note=note, active=False)


def _flat(values: list[Any]) -> Iterator[Any]:
    for value in values:
        if isinstance(value, list):
            yield from value
        else:
            yield value


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "str"
    return "list" if isinstance(value, list) else "dict"


def _text(name: str, path: str, values: list[str], how: Inference) -> FieldPlan:
    if all(_ISO_DATE.fullmatch(v.strip()) for v in values):
        return FieldPlan(name, "date", [path], ("date",))
    if all(_MEDIA_URL.fullmatch(v.strip()) for v in values):
        return FieldPlan(name, "media", [path])
    if any(_HTML.search(v) for v in values):
        return FieldPlan(name, "wysiwyg", [path], how.html_transforms)
    if any("\n" in v or len(v) > LONG_TEXT for v in values):
        return FieldPlan(name, "long_text", [path], ("strip",))
    return FieldPlan(name, "short_text", [path], ("strip",))


def _object(
    name: str, path: str, values: list[Any], how: Inference, depth: int
) -> Iterator[FieldPlan]:
    if all(_is_file(v) for v in values):
        yield FieldPlan(name, "media", [f"{path}.url"])
    elif all(isinstance(v.get("current"), str) for v in values):  # a Sanity slug
        yield FieldPlan(name, "short_text", [f"{path}.current"], ("strip",))
    elif depth + 1 >= _MAX_DEPTH:
        note = f"{path}: a nested object; map its parts by hand"
        yield FieldPlan(name, "long_text", [path], note=note, active=False)
    else:
        yield from infer_fields(values, how, prefix=f"{path}.", depth=depth + 1)


def _is_file(value: dict[str, Any]) -> bool:
    """An image or file object: Sanity's (its url None when the asset is not found), or
    one whose url is a file's."""
    if value.get("_type") in ("image", "file") or "_sanityAsset" in value:
        return "url" in value
    url = value.get("url")
    return isinstance(url, str) and bool(_MEDIA_URL.fullmatch(url))


def _list_field(name: str, path: str, values: list[Any]) -> FieldPlan:
    items = [i for v in values for i in v if i not in (None, "", [], {})]
    kinds = {_kind(i) for i in items}
    first_file = f"{path}: a list of files; a media field holds the first one"
    if kinds <= {"str"}:
        if items and all(_MEDIA_URL.fullmatch(i) for i in items):
            return FieldPlan(name, "media", [path], ("first",), note=first_file)
        return FieldPlan(
            name, "short_text", [path], ("join",), note=f"{path}: a list, joined as text (a, b)"
        )
    if kinds == {"dict"} and all(_is_file(i) for i in items):
        return FieldPlan(name, "media", [f"{path}[0].url"], note=first_file)
    if items and all(isinstance(i, int) and not isinstance(i, bool) for i in items):
        return reference(name, path, None, many=True)
    if kinds == {"number"}:
        note = f"{path}: a list of numbers, joined as text (1, 2)"
        return FieldPlan(name, "short_text", [path], ("join",), note=note)
    note = (
        f"{path}: a list of objects; Butter holds those in a repeater, which only page\n"
        "types have: map it by hand"
    )
    return FieldPlan(name, "long_text", [path], note=note, active=False)


def pick(plans: list[FieldPlan], names: Iterable[str], types: Iterable[str]) -> FieldPlan | None:
    """The first active plan named one of ``names`` (in that order) of one of ``types``."""
    allowed = set(types)
    by_name = {p.name: p for p in plans if p.active and p.type in allowed}
    return next((by_name[n] for n in names if n in by_name), None)


def sampled_plan(
    *,
    fmt: str,
    path: Path,
    kind: str,
    name: str,
    records: list[Mapping[str, Any]],
    how: Inference,
    id_path: str | None,
    source: list[tuple[str, str]],
    record_help: list[str],
    referenced_by: list[str] | None = None,
) -> Plan:
    """The plan for formats without a schema: fields from the sampled records' values;
    a page type when they have a slug, else a collection looked up by the record's id.
    Records that ``referenced_by`` kinds reference are a collection, slug or not: the
    other kinds' scaffolds reference them as ``collection:NAME`` (a Butter reference
    points to collection items)."""
    plans = infer_fields(records, how)
    slug = None if referenced_by else pick(plans, SLUG_NAMES, ("short_text",))
    seen = f"from the values of the first {len(records)} `{kind}` records"
    plan = Plan(
        fmt=fmt,
        path=path,
        kind=kind,
        target="page" if slug else "collection",
        name=name,
        label=kind,
        why="",
        source=source,
        record_help=record_help,
        fields=plans,
    )
    if slug is not None:
        title = pick(plans, TITLE_NAMES, ("short_text", "long_text")) or slug
        plan.title = value_spec(title.paths, ["strip"])
        plan.slug = value_spec(slug.paths, ["slugify"])
        slug.active = False
        slug.note = "the page's own slug (target.slug)"
        plan.why = (
            f"A page type, since these records have a slug ({slug.paths[0]}): each becomes a\n"
            f"page at that slug. Fields and types are guessed {seen}."
        )
        return plan
    plan.lookup = _lookup(plan, plans, id_path, kind)
    if referenced_by:
        kinds = ", ".join(f"`{k}`" for k in referenced_by)
        because = f"{kinds} records reference these (their scaffolds point here)"
    else:
        because = "these records have no slug to make pages of"
    plan.why = (
        f"A collection, since {because}; items are\n"
        f"found again by {plan.lookup}. Fields and types are guessed {seen}."
    )
    return plan


def _lookup(plan: Plan, plans: list[FieldPlan], id_path: str | None, kind: str) -> str:
    """A collection's lookup field: the record's id when it has one, else its first text
    field (made required)."""
    if id_path is not None:
        lookup = FieldPlan(
            LOOKUP_FIELD,
            "short_text",
            [id_path],
            ("strip",),
            optional=False,
            required=True,
            note=f"{id_path}: the record's id in the export, unique: how a re-run finds the item",
        )
        plan.fields = unique_names(plans, [LOOKUP_FIELD])
        plan.fields.insert(0, lookup)
        return LOOKUP_FIELD
    first = pick(plans, [*TITLE_NAMES, *(p.name for p in plans)], ("short_text",))
    if first is None:
        raise ValueError(
            f"the `{kind}` records have no id and no text field to find Butter items by"
        )
    first.optional, first.required = False, True
    first.note = "the lookup field: make sure it is unique (the export has no ids)"
    return first.name
