"""``migrator inspect --scaffold`` for Strapi: a mapping for one content type (its name,
``restaurant``, or uid, ``api::restaurant.restaurant``), fields and types inferred from
the first entries, translations mapped per locale.

The export has no schema, so two guesses are made from names and values: numbers in a
field named like a file (``logo``, ``image``, ``cover``...) that are upload ids are media
(read as URLs through ``media_fields``); lists of ids, and ids in a field named like a
relation (``owned_by``, ``author_id``), are relations to other entries.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from migrator.sources.json.sampled import Inference, sampled_plan
from migrator.sources.json.scaffold import (
    FieldPlan,
    Scaffold,
    butter_locale,
    butter_name,
    quote,
    sample,
    toml_list,
    unknown_kind,
)

if TYPE_CHECKING:
    from migrator.sources.strapi.source import StrapiSource

_MEDIA_NAME = re.compile(
    r"image|img|logo|photo|picture|avatar|cover|thumb|icon|banner|media|file|video|gallery", re.I
)
_RELATION_NAME = re.compile(r"(?:_by|_id|By|Id)$")
# Bookkeeping of every entry, left out of the fields.
_SYSTEM = frozenset(
    {"id", "uid", "locale", "localizations", "locales", "createdBy", "updatedBy"}
    | {"createdAt", "updatedAt", "publishedAt", "created_by", "updated_by", "published_at"}
    | {"created_at", "updated_at"}
)
_TEXT_TYPES = ("short_text", "long_text", "wysiwyg")

_RECORD_HELP = [
    "Records (see migrator/sources/strapi/source.py): the main entry's fields (default_locale's),",
    "and locales.<locale>.<field> for every localization. Relations stay Strapi ids; the",
    "fields in media_fields hold the upload URLs.",
]


def type_name(uid: str) -> str:
    """``api::restaurant.restaurant`` → ``restaurant`` (the records' kind)."""
    return uid.rsplit(".", 1)[-1] if "." in uid else uid.removeprefix("api::")


def scaffold(source: StrapiSource, kind: str) -> Scaffold:
    index = source.build_index()
    kinds = {type_name(uid): uid for uid, _ in index.entries if uid.startswith("api::")}
    kind = next((k for k, uid in kinds.items() if uid == kind), kind)
    entries = sample(source.records(), lambda r: r.kind == kind) if kind in kinds else []
    if not entries:
        raise unknown_kind(kind, source.path, "content type", sorted(kinds))
    uploads = set(index.files)

    def media_ids(key: str, values: list[Any]) -> bool:
        return bool(_MEDIA_NAME.search(key)) and all(
            isinstance(v, int) and str(v) in uploads for v in values
        )

    records = [e.data for e in entries]
    how = Inference(
        relations=_relations(records, media_ids),
        media_ids=media_ids,
        skip=lambda key: key in _SYSTEM,
    )
    options: list[tuple[str, str]] = []
    plan = sampled_plan(
        fmt="strapi",
        path=source.path,
        kind=kind,
        name=butter_name(kind),
        records=records,
        how=how,
        id_path="id",
        source=options,
        record_help=_RECORD_HELP,
    )
    media = [p.paths[0] for p in plan.fields if p.type == "media" and "." not in p.paths[0]]
    main = Counter(r["locale"] for r in records if isinstance(r.get("locale"), str))
    default = main.most_common(1)[0][0] if main else None
    if default is not None:
        options.append(("# The locale whose entry is the record (the others: locales.*).", ""))
        options.append(("default_locale", quote(default)))
    if media:
        options.append(("media_fields", toml_list(media)))
    plan.filter = [("kind", toml_list([kind]))]
    codes = sorted({c for r in records for c in r.get("locales") or {}} | set(main))
    others = [c for c in codes if c != default]
    if default is not None and others:
        butter = {c: butter_locale(c, codes) for c in codes}
        plan.locale = butter[default]
        plan.model_locales = (butter[default], *(butter[c] for c in others))
        for code in others:
            plan.locales[butter[code]] = _translated(plan.fields, code, default)
    return plan.render()


def _relations(
    records: list[Mapping[str, Any]], media_ids: Callable[[str, list[Any]], bool]
) -> frozenset[str]:
    """Keys whose values are ids of other entries: lists of ids (not uploads), or ids in a
    field named like a relation."""
    out = set()
    keys = {k for r in records for k in r if k not in _SYSTEM}
    for key in keys:
        values = [r[key] for r in records if r.get(key) not in (None, [])]
        if not values:
            continue
        flat = [i for v in values for i in (v if isinstance(v, list) else [v])]
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in flat):
            continue
        if media_ids(key, flat):
            continue
        if any(isinstance(v, list) for v in values) or _RELATION_NAME.search(key):
            out.add(key)
    return frozenset(out)


def _translated(plans: list[FieldPlan], code: str, default: str) -> list[FieldPlan]:
    """The text fields, read from the ``code`` localization, else the main entry's."""
    out = [
        FieldPlan(
            p.name,
            p.type,
            [f"locales.{code}.{p.paths[0]}", p.paths[0]],
            p.transforms,
            optional=p.optional,
        )
        for p in plans
        if p.active and p.type in _TEXT_TYPES and p.paths[0] != "id"
    ]
    if out:
        out[0].note = (
            f"The {code} localization's text (the other fields are copied from [fields]);\n"
            f"an entry not translated yet keeps its {default} text."
        )
    return out
