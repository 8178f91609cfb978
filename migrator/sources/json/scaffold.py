"""``migrator inspect --scaffold`` for the JSON sources: the shared part.

A JSON source's ``scaffold(kind)`` returns a ``Scaffold``: the starter mapping and the
content model tables it assumes (Butter's page types and collections are the user's, so
the mapping only loads against a content model that has them). Each source builds a
``Plan`` — the target, the source options, one ``FieldPlan`` per source field — from
what it knows (Contentful: the content type's field definitions; the others: the values
of the first records of the kind, see ``infer_fields``); ``Plan.render`` writes both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from migrator.errors import RecordError
from migrator.records import Record

# Records of the asked-for kind whose values are looked at to infer fields.
SCAFFOLD_SAMPLE = 200
_FORMATS = {"contentful": "Contentful", "sanity": "Sanity", "strapi": "Strapi", "json": "JSON"}


@dataclass(frozen=True)
class Scaffold:
    """What ``scaffold(kind)`` returns: ``mapping`` (TOML, ending with ``model`` as a
    comment) and ``model`` (the content model tables the mapping assumes)."""

    mapping: str
    model: str

    def __str__(self) -> str:
        return self.mapping


@dataclass
class FieldPlan:
    """One target field: its Butter key and type, and the value spec that fills it
    (``paths``: ``from``, the first with a value wins). ``active = False`` writes the
    line (and its content model line) commented out, ``note`` saying why."""

    name: str
    type: str
    paths: list[str]
    transforms: tuple[str, ...] = ()
    optional: bool = True
    ref: str | None = None
    note: str = ""
    required: bool = False
    model_extra: str = ""  # more content model keys: to = "collection:x", many = true
    active: bool = True

    @property
    def spec(self) -> str:
        return value_spec(self.paths, self.transforms, optional=self.optional, ref=self.ref)


@dataclass
class Plan:
    fmt: str
    path: Path
    kind: str  # as asked for (the content type, the _type, the record path...)
    target: str  # "page" | "collection"
    name: str  # page type / collection key
    label: str  # a person's name for it
    why: str  # why a page or a collection, for the header
    source: list[tuple[str, str]]  # [source] key = TOML value (a "#" key: a comment line)
    record_help: list[str]  # comment lines: what a record looks like
    fields: list[FieldPlan]
    filter: list[tuple[str, str]] = field(default_factory=list)
    title: str | None = None  # pages: value specs
    slug: str | None = None
    lookup: str | None = None  # collections
    status: str = '"published"'
    locale: str | None = None  # [target] locale: the base locale when there are several
    locales: dict[str, list[FieldPlan]] = field(default_factory=dict)
    model_locales: tuple[str, ...] = ()  # (default, others...) the mapping writes

    def render(self) -> Scaffold:
        model = self.render_model()
        return Scaffold(self.render_mapping(model), model)

    def render_mapping(self, model: str) -> str:
        where = (
            f"pages of the ButterCMS page type `{self.name}`"
            if self.target == "page"
            else f"the ButterCMS collection `{self.name}`"
        )
        lines = [
            f"# Starter mapping: {_FORMATS.get(self.fmt, self.fmt)} `{self.kind}` → {where}.",
            f"# Made by `migrator inspect {self.path.name} --scaffold {self.kind}`.",
            *(f"# {line}" for line in self.why.splitlines()),
            "#",
            f"# It assumes your Butter account has that {_what(self.target)} with the fields in",
            "# [fields], and that the content model file (model, below) describes it: the tables",
            "# at the end of this file are that description (`--model-out` writes them to a",
            "# file); add them to the content model, rename to match your account, then",
            "#   migrator run THIS_FILE --dry-run",
        ]
        if len(self.model_locales) > 1:
            lines.append(
                f"# Locales: the content model needs {_list(self.model_locales)} "
                f"({self.model_locales[0]} the base locale, in [fields])."
            )
        if self.record_help:
            lines += ["#", *(f"# {line}" if line else "#" for line in self.record_help)]
        lines += ["", 'model = "content-model.toml"', "", "[source]", f"format = {quote(self.fmt)}"]
        lines.append(f"path = {quote(self.path.resolve().as_posix())}")
        lines += _pairs(self.source)
        if self.filter:
            lines += ["", "[filter]", *_pairs(self.filter)]
        lines += ["", "[target]", f"kind = {quote(self.target)}"]
        if self.target == "page":
            lines += [f"page_type = {quote(self.name)}", f"title = {self.title}"]
            lines.append(f"slug = {self.slug}")
        else:
            lines.append(f"collection = {quote(self.name)}")
            lines.append(f"lookup_field = {quote(self.lookup or '')}")
        lines.append(f"status = {self.status}")
        if self.locale:
            lines.append(f"locale = {quote(self.locale)}")
        lines += ["", "[fields]", *_field_lines(self.fields)]
        for code, plans in self.locales.items():
            lines += ["", f"[locales.{code}.fields]", *_field_lines(plans)]
        lines += [
            "",
            "# ---- The content model this mapping assumes: add it to content-model.toml ----",
            *(f"# {line}" if line else "#" for line in model.splitlines()),
        ]
        return "\n".join(lines) + "\n"

    def render_model(self) -> str:
        table = "page_types" if self.target == "page" else "collections"
        lines = [
            f"# The {_what(self.target)} `{self.name}`, for {_FORMATS.get(self.fmt, self.fmt)} "
            f"`{self.kind}` records",
            f"# (migrator inspect {self.path.name} --scaffold {self.kind}).",
        ]
        if len(self.model_locales) > 1:
            lines.append(
                f"# Its mapping writes the locales {_list(self.model_locales)}: [locales] needs "
                f'default = "{self.model_locales[0]}" and them all in available.'
            )
        lines.append(f"[{table}.{self.name}]")
        lines.append(f"name = {quote(self.label)}")
        lines.append(f"[{table}.{self.name}.fields]")
        for plan in self.fields:
            spec = f'type = "{plan.type}"'
            if plan.required:
                spec += ", required = true"
            if plan.model_extra:
                spec += f", {plan.model_extra}"
            lines.append(f"{'' if plan.active else '# '}{plan.name} = {{ {spec} }}")
        return "\n".join(lines) + "\n"


def _pairs(pairs: list[tuple[str, str]]) -> list[str]:
    """``key = value`` lines; a key starting with ``#`` is a comment line."""
    return [k if k.startswith("#") else f"{k} = {v}" for k, v in pairs]


def _what(target: str) -> str:
    return "page type" if target == "page" else "collection"


def _list(codes: Iterable[str]) -> str:
    return ", ".join(codes)


def _field_lines(plans: list[FieldPlan]) -> list[str]:
    out: list[str] = []
    for plan in plans:
        if plan.note:
            out += [f"# {line}" for line in plan.note.splitlines()]
        out.append(f"{'' if plan.active else '# '}{plan.name} = {plan.spec}")
    return out


# --- TOML text ---------------------------------------------------------------------------


def quote(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, DEL aside)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(quote(i) for i in items) + "]"


def toml_table(pairs: Mapping[str, str]) -> str:
    return "{ " + ", ".join(f"{quote(k)} = {quote(v)}" for k, v in pairs.items()) + " }"


def value_spec(
    paths: str | list[str],
    transforms: Iterable[str] = (),
    *,
    optional: bool = False,
    ref: str | None = None,
) -> str:
    """``{ from = "a.b", optional = true, transforms = ["strip"] }``; a transform given
    as ``{...}`` TOML text is written as is."""
    if isinstance(paths, list) and len(paths) == 1:
        paths = paths[0]
    source = quote(paths) if isinstance(paths, str) else toml_list(paths)
    parts = [f"from = {source}"]
    if optional:
        parts.append("optional = true")
    steps = [t if t.startswith("{") else quote(t) for t in transforms]
    if steps:
        parts.append(f"transforms = [{', '.join(steps)}]")
    if ref:
        parts.append(f"ref = {quote(ref)}")
    return "{ " + ", ".join(parts) + " }"


# --- names -------------------------------------------------------------------------------


def butter_name(key: str) -> str:
    """A Butter field / collection key: ``heroImage`` → ``hero_image``, ``api-key`` →
    ``api_key``; never empty, never starting with a digit."""
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key)
    text = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()
    if not text:
        return "field"
    return f"f_{text}" if text[0].isdigit() else text


def unique_names(plans: list[FieldPlan], taken: Iterable[str] = ()) -> list[FieldPlan]:
    """Rename plans whose key repeats (``name``, ``name_2``)."""
    seen = set(taken)
    for plan in plans:
        base, n = plan.name, 1
        while plan.name in seen:
            n += 1
            plan.name = f"{base}_{n}"
        seen.add(plan.name)
    return plans


def butter_locale(code: str, all_codes: Iterable[str]) -> str:
    """``en-US`` → ``en`` when no other locale has that language, else ``en-us``."""
    lower = code.lower().replace("_", "-")
    language = lower.split("-")[0]
    others = [c.lower().replace("_", "-").split("-")[0] for c in all_codes if c != code]
    return language if language not in others else lower


# --- sampling ----------------------------------------------------------------------------


def sample(items: Iterable[Record | RecordError], keep: Callable[[Record], bool]) -> list[Record]:
    """The first ``SCAFFOLD_SAMPLE`` records ``keep`` accepts (the rest is not read)."""
    out: list[Record] = []
    iterator = iter(items)
    try:
        for item in iterator:
            if isinstance(item, Record) and keep(item):
                out.append(item)
                if len(out) >= SCAFFOLD_SAMPLE:
                    break
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()
    return out


def unknown_kind(kind: str, path: Path, what: str, known: Iterable[str]) -> ValueError:
    names = ", ".join(known) or "none"
    return ValueError(f"no {what} {kind!r} in {path} ({what}s: {names})")


# The collection field a scaffolded collection is looked up by: the record's id.
LOOKUP_FIELD = "source_id"


def reference(name: str, path: str, target: str | None, *, many: bool) -> FieldPlan:
    """A reference to another scaffolded collection, written commented out: that
    collection must exist in the content model first."""
    collection = butter_name(target) if target else "OTHER_COLLECTION"
    what = f"`{target}` records" if target else "other records"
    return FieldPlan(
        name,
        "reference",
        [path],
        ref=LOOKUP_FIELD,
        note=f"{path}: the ids of {what}, a reference. Scaffold {what} into a collection\n"
        "too, then uncomment this line and its line in the content model.",
        model_extra=f'to = "collection:{collection}"' + (", many = true" if many else ""),
        active=False,
    )
