"""``migrator inspect --scaffold`` for Contentful: a mapping from a content type's own
field definitions (``contentTypes[].fields[]``: id, name, type, linkType, items,
localized, required), and the page type or collection it assumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migrator.sources.json.scaffold import (
    LOOKUP_FIELD,
    FieldPlan,
    Plan,
    Scaffold,
    butter_locale,
    butter_name,
    quote,
    reference,
    toml_list,
    toml_table,
    unique_names,
    unknown_kind,
    value_spec,
)
from migrator.sources.json.stream import Collector, scan

if TYPE_CHECKING:
    from migrator.sources.contentful.source import ContentfulSource

# Contentful field type → Butter field type and the transforms that make the value fit.
_SCALARS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "Symbol": ("short_text", ("strip",), "Symbol"),
    "Text": ("long_text", ("strip",), "Text"),
    "RichText": ("wysiwyg", (), "Rich Text, already HTML from the source"),
    "Integer": ("number", ("number",), "Integer"),
    "Number": ("number", ("number",), "Number"),
    "Date": ("date", ("date",), "Date"),
    "Boolean": ("checkbox", ("boolean",), "Boolean"),
}
_SLUG_IDS = ("slug", "urlslug", "handle", "permalink")

_RECORD_HELP = [
    "Records (see migrator/sources/contentful/source.py): locales.<locale>.<field> is a field",
    "in one locale, the space's fallback chain applied (a non-localized field is in every",
    "locale); fields.<field>.<locale> is the value as exported. Rich Text arrives as HTML, a",
    "link to an asset as the asset's file URL, a link to an entry as that entry's sys.id (or a",
    "field of it: reference_fields in [source]). status: published | changed | draft | archived.",
]


@dataclass
class Definitions:
    """What an export says about its content: types (by id), locales, and per type the
    editor widget of each field (``widgets[type][field]``: ``markdown``, ``singleLine``)."""

    types: dict[str, dict[str, Any]] = field(default_factory=dict)
    locales: list[dict[str, Any]] = field(default_factory=list)
    widgets: dict[str, dict[str, str]] = field(default_factory=dict)


def read_definitions(path: Path) -> Definitions:
    """The content types, locales and editor interfaces of an export, in one streaming
    pass."""
    found = Definitions()

    def on_item(prefix: str, value: Any) -> None:
        if not isinstance(value, dict):
            return
        if prefix == "locales.item" and isinstance(value.get("code"), str):
            found.locales.append(value)
        elif prefix == "contentTypes.item":
            type_id = (value.get("sys") or {}).get("id")
            if isinstance(type_id, str) and type_id:
                found.types[type_id] = value
        elif prefix == "editorInterfaces.item":
            link = ((value.get("sys") or {}).get("contentType") or {}).get("sys") or {}
            if isinstance(link.get("id"), str):
                found.widgets[link["id"]] = {
                    str(c["fieldId"]): str(c.get("widgetId"))
                    for c in value.get("controls") or ()
                    if isinstance(c, dict) and "fieldId" in c
                }

    prefixes = ("contentTypes.item", "locales.item", "editorInterfaces.item")
    scan(path, Collector(prefixes, on_item))
    return found


def slug_field(ctype: dict[str, Any]) -> dict[str, Any] | None:
    for f in _fields(ctype):
        if f.get("type") == "Symbol" and (
            f["id"].lower() in _SLUG_IDS or "slug" in f["id"].lower()
        ):
            return f
    return None


def _fields(ctype: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        f
        for f in ctype.get("fields") or ()
        if isinstance(f, dict) and isinstance(f.get("id"), str) and not f.get("deleted")
    ]


def scaffold(source: ContentfulSource, kind: str) -> Scaffold:
    """A page type when the content type has a slug field, else a collection; one
    [fields] line per field of the type, one [locales.<code>.fields] table per other
    locale of the space for its localized fields."""
    found = read_definitions(source.path)
    types, locales = found.types, found.locales
    if kind not in types:
        raise unknown_kind(kind, source.path, "content type", sorted(types))
    ctype = types[kind]
    codes = [str(loc["code"]) for loc in locales] or ["en-US"]
    default = next((str(loc["code"]) for loc in locales if loc.get("default")), codes[0])
    butter = {code: butter_locale(code, codes) for code in codes}
    base = butter[default]
    fields = _fields(ctype)
    plans: list[FieldPlan] = []
    # A Text field's editor: Markdown unless its control says otherwise (Contentful's
    # default); an export without this type's editor interface leaves it plain text.
    widgets = found.widgets.get(kind)
    for f in fields:
        plan_of = _field_plans(f, f"locales.{base}.{f['id']}", types)
        if f.get("type") == "Text" and widgets and widgets.get(f["id"], "markdown") == "markdown":
            plan_of = [_markdown_plan(plan_of[0])]
        plans.extend(plan_of)
    unique_names(plans, [LOOKUP_FIELD])
    name = butter_name(kind)
    plan = Plan(
        fmt="contentful",
        path=source.path,
        kind=kind,
        target="collection",
        name=name,
        label=str(ctype.get("name") or kind),
        why="",
        source=[("content_types", toml_list([kind]))],
        record_help=_RECORD_HELP,
        fields=plans,
        filter=[
            ("kind", toml_list([kind])),
            ("# Drafts and archived entries stay behind (changed: published, newer edits).", ""),
            ("where", '{ status = ["published", "changed"] }'),
        ],
    )
    renamed = {c: b for c, b in butter.items() if c != b}
    if renamed:
        plan.source.append(
            ("# Contentful's locale codes → Butter's (paths below use Butter's).", "")
        )
        plan.source.append(("locale_map", toml_table(renamed)))
    _choose_target(plan, ctype, base, types)
    others = [c for c in codes if c != default]
    if others:
        plan.locale = base
        plan.model_locales = (base, *(butter[c] for c in others))
        localized = {f["id"] for f in fields if f.get("localized")}
        for code in others:
            plan.locales[butter[code]] = _localized(plan.fields, base, butter[code], localized)
    return plan.render()


def _choose_target(plan: Plan, ctype: dict[str, Any], base: str, types: dict[str, Any]) -> None:
    slug = slug_field(ctype)
    by_id = {f["id"]: f for f in _fields(ctype)}
    if slug is not None:
        shown = by_id.get(str(ctype.get("displayField")))
        if shown is None or shown.get("type") not in ("Symbol", "Text"):
            shown = next((by_id[i] for i in ("title", "name", "headline") if i in by_id), slug)
        plan.target = "page"
        plan.title = value_spec(f"locales.{base}.{shown['id']}", ["strip"])
        plan.slug = value_spec(f"locales.{base}.{slug['id']}", ["slugify"])
        for p in plan.fields:
            if p.paths == [f"locales.{base}.{slug['id']}"]:
                p.active, p.note = False, f"{slug.get('name', slug['id'])}: the page's own slug"
        plan.why = (
            f"A page type: `{plan.kind}` has a slug field ({slug['id']}), so each entry becomes\n"
            f"a page at that slug, titled by its {shown['id']}. For a list of items with no\n"
            "page of their own, make it a collection instead (target.kind)."
        )
        return
    plan.fields.insert(
        0,
        FieldPlan(
            LOOKUP_FIELD,
            "short_text",
            ["id"],
            ("strip",),
            optional=False,
            required=True,
            note="The entry's sys.id: unique, so a re-run finds the Butter item again.",
        ),
    )
    plan.lookup = LOOKUP_FIELD
    plan.why = (
        f"A collection: `{plan.kind}` has no slug field to make pages of, so its entries\n"
        f"become items, found again on re-runs by {LOOKUP_FIELD} (the entry's sys.id)."
    )


def _field_plans(f: dict[str, Any], path: str, types: dict[str, Any]) -> list[FieldPlan]:
    name = butter_name(f["id"])
    label = str(f.get("name") or f["id"])
    kind = str(f.get("type"))
    required = bool(f.get("required"))
    if kind in _SCALARS:
        butter_type, steps, what = _SCALARS[kind]
        return [
            FieldPlan(
                name,
                butter_type,
                [path],
                steps,
                optional=not required,
                required=required,
                note=f"{label} ({what})",
            )
        ]
    if kind == "Link" and f.get("linkType") == "Asset":
        note = f"{label} (link to an asset: its file URL)"
        return [
            FieldPlan(name, "media", [path], optional=not required, required=required, note=note)
        ]
    if kind == "Link" and f.get("linkType") == "Entry":
        return [_entry_link(name, label, path, _linked(f), types, many=False)]
    if kind == "Array":
        items = f.get("items") or {}
        if items.get("type") == "Symbol":
            note = f"{label} (list of Symbols, joined as text: a, b)"
            return [FieldPlan(name, "short_text", [path], ("join",), note=note)]
        if items.get("linkType") == "Asset":
            note = f"{label} (list of assets): a media field holds the first one's URL"
            return [FieldPlan(name, "media", [path], ("first",), note=note)]
        if items.get("linkType") == "Entry":
            return [_entry_link(name, label, path, _linked(items), types, many=True)]
    if kind == "Location":
        note = f"{label} (Location): Butter has no map field; latitude and longitude"
        return [
            FieldPlan(f"{name}_lat", "number", [f"{path}.lat"], ("number",), note=note),
            FieldPlan(f"{name}_lon", "number", [f"{path}.lon"], ("number",)),
        ]
    note = f"{label} ({kind}): no Butter field type holds it; map it by hand"
    return [FieldPlan(name, "long_text", [path], note=note, active=False)]


def _markdown_plan(plan: FieldPlan) -> FieldPlan:
    """A long text edited as Markdown (its editor widget, Contentful's default for Text):
    rendered to HTML for a wysiwyg field, not sent as raw Markdown."""
    plan.type = "wysiwyg"
    plan.transforms = ("markdown",)
    plan.note = (plan.note or "").replace("(Text)", "(Text edited as Markdown: rendered to HTML)")
    return plan


def _linked(spec: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for rule in spec.get("validations") or ():
        if isinstance(rule, dict):
            out.extend(str(t) for t in rule.get("linkContentType") or ())
    return out


def _entry_link(
    name: str, label: str, path: str, linked: list[str], types: dict[str, Any], *, many: bool
) -> FieldPlan:
    """A Butter reference, commented out until the linked type exists in the model."""
    target = linked[0] if len(linked) == 1 and linked[0] in types else None
    if target is not None and slug_field(types[target]) is not None:
        slug = slug_field(types[target]) or {}
        to = f'to = "page:{butter_name(target)}"' + (", many = true" if many else "")
        return FieldPlan(
            name,
            "reference",
            [path],
            note=f"{label} (link to `{target}` entries, scaffolded as pages): a page reference\n"
            f"takes slugs; add reference_fields = {{ {target} = {quote(slug['id'])} }} to\n"
            f"[source], scaffold `{target}`, then uncomment this and its content model line.",
            model_extra=to,
            active=False,
        )
    plan = reference(name, path, target, many=many)
    what = f"`{target}` entries" if target else "entries"
    plan.note = (
        f"{label} (link to {what}): a reference, matched on the linked items'\n"
        f"{LOOKUP_FIELD}. Scaffold {'`' + target + '`' if target else 'the linked type'} too, "
        "then uncomment this and its content model line."
    )
    return plan


def _localized(
    plans: list[FieldPlan], base: str, code: str, localized: set[str]
) -> list[FieldPlan]:
    """The plans of localized fields reading locale ``code``: Contentful's fallback chain
    for that locale, else the base locale's value (an entry not translated yet)."""
    prefix = f"locales.{base}."
    out: list[FieldPlan] = []
    for p in plans:
        path = p.paths[0]
        if not p.active or not path.startswith(prefix):
            continue
        rest = path.removeprefix(prefix)
        if rest.split(".")[0] not in localized:
            continue
        out.append(
            FieldPlan(
                p.name,
                p.type,
                [f"locales.{code}.{rest}", path],
                p.transforms,
                optional=p.optional,
                ref=p.ref,
            )
        )
    if out:
        out[0].note = (
            f"{code}: the localized fields (the others are copied from [fields]); an entry\n"
            f"not translated yet falls back as Contentful does, else to {base}."
        )
    return out
