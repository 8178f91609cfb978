"""Read a mapping file and check it against the content model, all problems at once.

Nothing is read from the source and nothing is sent before this passes. Every
problem is a ``Problem(file, key, message)`` with the key as written in the file
(``fields.theme.transforms[1]``), all raised together as one ``MappingError``.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from migrator.errors import ConfigError, MappingError, Problem
from migrator.mapping.compile import Mapping
from migrator.mapping.links.rules import LinkRules, load_link_rules
from migrator.mapping.spec import (
    KINDS,
    POST_UPDATE_FIELDS,
    REQUIRABLE_POST_FIELDS,
    STATUSES,
    UNIQUE_SLUGS,
    Filter,
    Target,
    ValueSpec,
    target_fields,
)
from migrator.mapping.values import ValueReader, field_problems, one_of, post_checker
from migrator.model import ContentModel, Field, load_content_model
from migrator.paths import SourcePath, parse_path
from migrator.sources import SOURCES, open_source, source_options
from migrator.suggest import did_you_mean

TOP_KEYS = ("model", "source", "vars", "filter", "target", "fields", "locales", "links")
TARGET_KEYS = (
    "kind",
    "page_type",
    "collection",
    "lookup_field",
    "status",
    "title",
    "slug",
    "unique_slugs",
    "locale",
    "update_fields",
)
FILTER_KEYS = ("kind", "where", "exclude")
_TEXT = Field("text", "short_text", required=True)


def load_mapping(
    path: str | Path,
    model: ContentModel | None = None,
    *,
    variables: dict[str, str] | None = None,
    only_declared: bool = False,
) -> Mapping:
    """Parse and check a mapping file; raises ``MappingError`` listing every problem.

    ``model`` overrides the content model file the mapping names; ``variables``
    overrides values of its ``[vars]`` table (the command line's ``--var k=v``); one it
    does not declare is a problem, unless ``only_declared`` (several mappings share the
    command line's variables: each takes those it declares).
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MappingError([Problem(str(path), "", "mapping file not found")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError([Problem(str(path), "", f"not valid TOML: {exc}")]) from None
    overrides = dict(variables or {})
    if only_declared:
        declared = raw["vars"] if isinstance(raw.get("vars"), dict) else {}
        overrides = {k: v for k, v in overrides.items() if k in declared}
    return _Loader(path, raw, model, overrides).load()


class _Loader:
    def __init__(
        self, path: Path, raw: dict[str, Any], model: ContentModel | None, overrides: dict[str, str]
    ):
        self.path = path
        self.raw = raw
        self.model = model
        self.overrides = overrides
        self.problems: list[Problem] = []
        self.vars: dict[str, str] = {}

    def bad(self, key: str, message: str) -> None:
        self.problems.append(Problem(str(self.path), key, message))

    def table(self, value: Any, key: str, known: Iterable[str] | None) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.bad(key, f"expected a table, got {value!r}")
            return {}
        if known is not None:
            for k in value:
                if k not in known:
                    self.bad(
                        f"{key}.{k}" if key else k,
                        f"unknown key{did_you_mean(k, known)} (known: {', '.join(known)})",
                    )
        return value

    # ----------------------------------------------------------------------- the file

    def load(self) -> Mapping:
        raw = self.table(self.raw, "", TOP_KEYS)
        model = self.load_model(raw.get("model"))
        source = self.table(raw.get("source"), "source", None)
        fmt = self.source_format(source.get("format"))
        default_source = None
        if source.get("path") is not None:
            if isinstance(source["path"], str) and source["path"]:
                default_source = (self.path.parent / source["path"]).resolve()
            else:
                self.bad("source.path", "expected a file path relative to this mapping")
        options = {k: v for k, v in source.items() if k not in ("format", "path")}
        if fmt:
            self.check_source(fmt, options)
        self.vars = self.load_vars(raw.get("vars"))
        self.values = ValueReader(self.bad, self.table, self.vars)
        flt = self.load_filter(raw.get("filter"))

        t = self.table(raw.get("target"), "target", TARGET_KEYS)
        target = self.load_target(t, model)
        status = self.values.spec(t.get("status", "draft"), "target.status")
        self.not_required(status)
        self.values.check_values(status, one_of(STATUSES))
        title = self.top_spec(t, "title", target)
        slug = self.top_spec(t, "slug", target)
        locale = self.values.spec(t["locale"], "target.locale") if "locale" in t else None
        self.not_required(locale)
        if target and target.kind == "post" and locale:
            self.bad("target.locale", "blog posts have no locales")
        if model and locale:
            self.values.check_values(locale, one_of(model.locales, "a locale of the content model"))

        fields = self.load_fields(raw.get("fields"), "fields", model, target, base=True)
        locales, base_locale = self.load_locales(raw.get("locales"), model, target, locale)
        if target and target.kind == "collection" and target.lookup_field:
            if target.lookup_field not in fields and not self.has("fields", target.lookup_field):
                self.bad(
                    "target.lookup_field", f"{target.lookup_field!r} must be mapped in [fields]"
                )
        links = self.load_links(raw.get("links"), fmt, model, target)
        if target is not None and "update_fields" in t:
            target = self.load_update_fields(t["update_fields"], target, model)
        if self.problems or model is None or target is None or status is None:
            raise MappingError(self.problems)
        return Mapping(
            path=self.path,
            model=model,
            source_format=fmt,
            source_options=options,
            default_source=default_source,
            target=target,
            variables=self.vars,
            filter=flt,
            status=status,
            title=title,
            slug=slug,
            locale=None if locales else locale,
            base_locale=base_locale if locales else None,
            fields=fields,
            locales=locales,
            links=links,
        )

    def load_links(
        self, raw: Any, fmt: str, model: ContentModel | None, target: Target | None
    ) -> LinkRules | None:
        if raw is None:
            return None
        rules = load_link_rules(
            raw,
            mapping_file=self.path,
            source_format=fmt,
            variables=self.vars,
            problems=self.problems,
        )
        if rules is None or rules.fields is None or target is None or model is None:
            return rules
        known = target_fields(model, target)
        for name in rules.fields:
            f = (known or {}).get(name)
            if f is None or f.type not in ("wysiwyg", "long_text", "short_text"):
                self.bad("links.fields", f"{name!r} is not a text field of this target")
        return rules

    def has(self, table: str, name: str) -> bool:
        t = self.raw.get(table)
        return isinstance(t, dict) and name in t

    def load_model(self, name: Any) -> ContentModel | None:
        if self.model is not None:
            return self.model
        if not isinstance(name, str) or not name:
            self.bad("model", "required: the content model file, relative to this mapping")
            return None
        try:
            return load_content_model(self.path.parent / name)
        except ConfigError as exc:
            self.bad("model", str(exc))
            return None

    def source_format(self, fmt: Any) -> str:
        if not isinstance(fmt, str) or not fmt:
            self.bad("source.format", 'required: the export\'s format, e.g. "csv"')
            return ""
        return fmt

    def check_source(self, fmt: str, options: dict[str, Any]) -> None:
        """Let the sources stage judge the format and its options (without reading)."""
        if fmt not in SOURCES:
            self.bad(
                "source.format",
                f"unknown format {fmt!r}{did_you_mean(fmt, SOURCES)} (known: {sorted(SOURCES)})",
            )
            return
        valid = source_options(fmt)
        unknown = [k for k in options if k not in valid]
        for k in unknown:
            self.bad(
                f"source.{k}",
                f"unknown option for format {fmt!r}{did_you_mean(k, valid)} "
                f"(valid options: {', '.join(valid)})",
            )
        if unknown:
            return
        try:
            open_source(fmt, self.path.parent / "unread", **options)
        except ConfigError as exc:
            key = exc.key or "source"
            message = str(exc).removeprefix(f"{key}: ")
            self.bad(key if key.startswith("source") else f"source.{key}", message)

    def load_vars(self, raw: Any) -> dict[str, str]:
        declared = self.table(raw, "vars", None)
        out: dict[str, str] = {}
        for k, v in declared.items():
            if not isinstance(v, str):
                self.bad(f"vars.{k}", f"a variable is a string, got {v!r}")
            out[k] = str(v)
        for k, v in self.overrides.items():
            if k not in declared:
                self.bad(
                    f"vars.{k}",
                    f"--var {k}: not declared in [vars]{did_you_mean(k, declared)} "
                    f"(declared: {sorted(out)})",
                )
            out[k] = v
        return out

    def load_filter(self, raw: Any) -> Filter:
        t = self.table(raw, "filter", FILTER_KEYS)
        kinds = t.get("kind", [])
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
            self.bad("filter.kind", "expected a record kind or a list of them")
            kinds = []
        return Filter(
            tuple(kinds),
            self.conditions(t.get("where"), "filter.where"),
            self.conditions(t.get("exclude"), "filter.exclude"),
        )

    def conditions(self, raw: Any, key: str) -> tuple[tuple[SourcePath, tuple[Any, ...]], ...]:
        out = []
        for path, value in _flatten(self.table(raw, key, None)):
            allowed = value if isinstance(value, list) else [value]
            try:
                out.append((parse_path(path), tuple(allowed)))
            except ValueError as exc:
                self.bad(f"{key}.{path}", str(exc))
        return tuple(out)

    def load_target(self, t: dict[str, Any], model: ContentModel | None) -> Target | None:
        kind = t.get("kind")
        if kind not in KINDS:
            self.bad(
                "target.kind",
                f"required: one of {', '.join(KINDS)} (got {kind!r}{did_you_mean(kind, KINDS)})",
            )
            return None
        need = {"page": "page_type", "collection": "collection"}.get(kind)
        for k in ("page_type", "collection"):
            if k in t and k != need:
                self.bad(f"target.{k}", f"not used for a {kind} target")
        if "lookup_field" in t and kind != "collection":
            self.bad("target.lookup_field", "only collections need a lookup_field")
        unique_slugs = t.get("unique_slugs", "report")
        if unique_slugs not in UNIQUE_SLUGS:
            self.bad(
                "target.unique_slugs",
                f"one of {', '.join(repr(u) for u in UNIQUE_SLUGS)} (got {unique_slugs!r})",
            )
            unique_slugs = "report"
        if need is None:
            return Target("post", None, unique_slugs=unique_slugs)
        name = t.get(need)
        table = (model.page_types if kind == "page" else model.collections) if model else None
        if not isinstance(name, str) or not name:
            self.bad(f"target.{need}", f"required for a {kind} target")
            return None
        if table is not None and name not in table:
            self.bad(
                f"target.{need}",
                f"unknown {need.replace('_', ' ')} {name!r}{did_you_mean(name, table)} "
                f"(known: {sorted(table)})",
            )
            return None
        if kind == "page":
            return Target("page", name, unique_slugs=unique_slugs)
        lookup = t.get("lookup_field")
        fields = model.fields_of("collection", name) if model else None
        if not isinstance(lookup, str) or not lookup:
            self.bad(
                "target.lookup_field",
                "required for a collection: a unique field, used to "
                "find an item again by reading back",
            )
        elif fields is not None and lookup not in fields:
            self.bad(
                "target.lookup_field",
                f"no field {lookup!r} in collection {name!r}{did_you_mean(lookup, fields)}",
            )
        for k in ("title", "slug", "unique_slugs"):
            if k in t:
                self.bad(f"target.{k}", "collection items have no title or slug")
        return Target("collection", name, lookup if isinstance(lookup, str) else None)

    def load_update_fields(self, raw: Any, target: Target, model: ContentModel | None) -> Target:
        """``update_fields = ["body", "title"]``: the fields a re-import may update."""
        key = "target.update_fields"
        if target.kind == "post":
            known: list[str] = list(POST_UPDATE_FIELDS)
        else:
            fields = model.fields_of(target.kind, target.name or "") if model else None
            known = [*(fields or {}), "status"]
        if not isinstance(raw, list) or not raw or not all(isinstance(x, str) for x in raw):
            self.bad(key, f"a non-empty list of field names, such as {known[:2]!r}")
            return target
        unknown = [x for x in raw if x not in known]
        if unknown:
            self.bad(
                key,
                f"no field {', '.join(repr(x) for x in unknown)} in this {target.kind} "
                f"target{did_you_mean(unknown[0], known)} (known: {', '.join(known)})",
            )
            return target
        return dataclasses.replace(target, update_fields=tuple(dict.fromkeys(raw)))

    def top_spec(self, t: dict[str, Any], name: str, target: Target | None) -> ValueSpec | None:
        if target is None or target.kind == "collection":
            return None
        if name not in t:
            self.bad(f"target.{name}", f"required: how a {target.kind}'s {name} is built")
            return None
        spec = self.values.spec(t[name], f"target.{name}")
        self.not_required(spec)
        self.values.check_values(spec, lambda v: field_problems(_TEXT, v))
        return spec

    def not_required(self, spec: ValueSpec | None) -> None:
        """`required` is for a post's publication date only: elsewhere the content model
        says what is required (a required field left empty is already an invalid record)."""
        if spec is not None and spec.required:
            self.bad(
                f"{spec.key}.required",
                "only a blog post's date can be marked required (fields.published); "
                "the content model says which other fields are",
            )

    # ----------------------------------------------------------------------- fields

    def load_fields(
        self, raw: Any, key: str, model: ContentModel | None, target: Target | None, *, base: bool
    ) -> dict[str, ValueSpec]:
        table = self.table(raw, key, None)
        known: dict[str, Field] | None = None
        if target is not None and model is not None:
            known = target_fields(model, target)
        out: dict[str, ValueSpec] = {}
        for name, raw_spec in table.items():
            fkey = f"{key}.{name}"
            f = known.get(name) if known is not None else None
            if known is not None and f is None:
                what = (
                    "blog posts"
                    if target and target.kind == "post"
                    else f"{target and target.kind} {target and target.name!r}"
                )
                self.bad(
                    fkey,
                    f"no such field in {what}{did_you_mean(name, known)} "
                    f"(known: {', '.join(known)})",
                )
                continue
            spec = self.values.spec(raw_spec, fkey)
            if spec is None:
                continue
            if spec.each is not None and f is not None:
                spec = self.check_each(spec, f)
            if not (target and target.kind == "post" and name in REQUIRABLE_POST_FIELDS):
                self.not_required(spec)
            out[name] = spec
            if f is None or model is None:
                continue
            if spec.each is not None:
                continue
            if spec.ref is not None:
                self.check_ref(spec, f, model)
            elif target and target.kind == "post":
                self.values.check_values(spec, post_checker(f, model))
            else:
                self.values.check_values(spec, lambda v, f=f: field_problems(f, v))  # type: ignore[misc]
        if base and known is not None and target is not None:
            if target.kind == "post":
                if "author_email" in out and "author_slug" in out:
                    self.bad(f"{key}.author_slug", "map author_email or author_slug, not both")
            else:
                for name, f in known.items():
                    if f.required and name not in out and name not in table:
                        self.bad(
                            f"{key}.{name}",
                            f"required by {target.kind} {target.name!r} but not mapped",
                        )
        return out

    def load_locales(
        self, raw: Any, model: ContentModel | None, target: Target | None, locale: ValueSpec | None
    ) -> tuple[dict[str, dict[str, ValueSpec]], str | None]:
        table = self.table(raw, "locales", None)
        if not table:
            return {}, None
        base: str | None = model.default_locale if model else None
        if locale is not None:
            if not locale.is_const:
                self.bad("target.locale", "with [locales.*] the base locale must be a constant")
            elif isinstance(locale.const, str):
                base = locale.const
        if target is not None and target.kind == "post":
            self.bad("locales", "blog posts have no locales")
            return {}, base
        out: dict[str, dict[str, ValueSpec]] = {}
        for code, sub in table.items():
            key = f"locales.{code}"
            if model is not None and code not in model.locales:
                self.bad(
                    key,
                    f"unknown locale{did_you_mean(code, model.locales)} "
                    f"(the content model has {list(model.locales)})",
                )
            elif code == base:
                self.bad(key, f"{code!r} is the base locale: map it in [fields]")
            t = self.table(sub, key, ("fields",))
            out[code] = self.load_fields(
                t.get("fields"), f"{key}.fields", model, target, base=False
            )
        return out, base

    def check_each(self, spec: ValueSpec, f: Field) -> ValueSpec:
        """``each`` fills a repeater: its names are the repeater's fields, its constants
        fit them; the spec learns every sub-field's empty value (items are sent whole)."""
        assert spec.each is not None
        key = f"{spec.key}.each"
        if f.type != "repeater":
            self.bad(key, f"each builds a repeater's items; {f.name!r} is a {f.type} field")
            return spec
        for name, sub in spec.each.items():
            sf = f.fields.get(name)
            if sf is None:
                self.bad(
                    f"{key}.{name}",
                    f"no such field in repeater {f.name!r}{did_you_mean(name, f.fields)} "
                    f"(known: {', '.join(f.fields)})",
                )
                continue
            self.values.check_values(sub, lambda v, sf=sf: field_problems(sf, v))  # type: ignore[misc]
        for name, sf in f.fields.items():
            if sf.required and name not in spec.each:
                self.bad(f"{key}.{name}", f"required by repeater {f.name!r} but not mapped")
        blank = {name: sf.empty_value() for name, sf in f.fields.items()}
        return dataclasses.replace(spec, blank=blank)

    def check_ref(self, spec: ValueSpec, f: Field, model: ContentModel) -> None:
        if f.type != "reference" or f.ref_kind != "collection":
            self.bad(
                f"{spec.key}.ref",
                "ref is for references to collection items (page references take slugs directly)",
            )
            return
        fields = model.fields_of("collection", f.ref_target or "") or {}
        if spec.ref not in fields:
            self.bad(
                f"{spec.key}.ref",
                f"no field {spec.ref!r} in collection {f.ref_target!r}"
                f"{did_you_mean(spec.ref, fields)}",
            )


def _flatten(table: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """``{author = {email = "x"}}`` (TOML's dotted keys) → ``[("author.email", "x")]``."""
    out: list[tuple[str, Any]] = []
    for k, v in table.items():
        if isinstance(v, dict):
            out.extend(_flatten(v, f"{prefix}{k}."))
        else:
            out.append((f"{prefix}{k}", v))
    return out
