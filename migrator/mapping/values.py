"""One target value in a mapping file: ``from``/``template``/``const``, ``lookup``, ``transforms``.

Read and checked here; constants and lookup values are known at load time, so they
are run through their transforms and checked against the target field right away.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from migrator.mapping.spec import POST_LIST_FIELDS, EvalError, Step, ValueSpec
from migrator.mapping.transforms import TRANSFORMS
from migrator.model import ContentModel, Field, check_value, is_empty
from migrator.paths import SourcePath, parse_path, parse_template, substitute_vars
from migrator.suggest import did_you_mean

SPEC_KEYS = (
    "from", "template", "const", "lookup", "transforms", "optional", "required", "ref", "each"
)  # fmt: skip
# What `each` cannot be used with: it builds the list of items itself.
_NOT_WITH_EACH = ("template", "const", "lookup", "transforms", "ref")

Checker = Callable[[Any], list[str]]


class ValueReader:
    """Builds ``ValueSpec``s, reporting problems through ``bad(key, message)``."""

    def __init__(
        self,
        bad: Callable[[str, str], None],
        table: Callable[[Any, str, Iterable[str] | None], dict[str, Any]],
        variables: dict[str, str],
    ):
        self.bad = bad
        self.table = table
        self.vars = variables

    def spec(self, raw: Any, key: str) -> ValueSpec | None:
        """``"x"`` / ``42`` / ``true`` is a constant; a table takes from/template/const."""
        if not isinstance(raw, dict):
            return ValueSpec(key, const=raw)
        self.table(raw, key, SPEC_KEYS)
        given = [k for k in ("from", "template", "const") if k in raw]
        if len(given) != 1:
            self.bad(
                key,
                "give exactly one of from, template, const" + (f" (got {given})" if given else ""),
            )
            return None
        path = template = None
        ok = True
        fallbacks: list[SourcePath] = []
        if "from" in raw:
            given_paths = raw["from"] if isinstance(raw["from"], list) else [raw["from"]]
            try:
                if not given_paths:
                    raise ValueError("expected a source path or a non-empty list of them")
                path, *fallbacks = (parse_path(_str(p)) for p in given_paths)
            except ValueError as exc:
                self.bad(f"{key}.from", str(exc))
                ok = False
        if "template" in raw:
            try:
                template = parse_template(_str(raw["template"]), self.vars)
            except ValueError as exc:
                self.bad(f"{key}.template", str(exc))
                ok = False
        lookup = raw.get("lookup")
        if lookup is not None and (not isinstance(lookup, dict) or "const" in raw):
            self.bad(
                f"{key}.lookup",
                "a lookup table maps source values (keys) to target values, after from or template",
            )
            ok = False
        optional = raw.get("optional", False)
        if not isinstance(optional, bool):
            self.bad(f"{key}.optional", "expected true or false")
        required = raw.get("required", False)
        if not isinstance(required, bool):
            self.bad(f"{key}.required", "expected true or false")
        elif required and optional is True:
            self.bad(f"{key}.required", "a value cannot be both optional and required")
        ref = raw.get("ref")
        if ref is not None and (not isinstance(ref, str) or (path is None and template is None)):
            self.bad(
                f"{key}.ref",
                "ref names the referenced collection's field to match; use it with from",
            )
            ok = False
        steps = self.steps(raw.get("transforms", []), f"{key}.transforms")
        each = self.each(raw, key) if "each" in raw else None
        if not ok or steps is None or ("each" in raw and each is None):
            return None
        kwargs: dict[str, Any] = {"const": raw["const"]} if "const" in raw else {}
        return ValueSpec(
            key,
            path,
            template,
            lookup=lookup,
            steps=steps,
            optional=bool(optional),
            required=required is True,
            ref=ref,
            fallbacks=tuple(fallbacks),
            each=each,
            **kwargs,
        )

    def each(self, raw: dict[str, Any], key: str) -> dict[str, ValueSpec] | None:
        """``each = { sku = "...", price = {...} }``: a repeater item per item at ``from``."""
        table = raw["each"]
        clash = [k for k in _NOT_WITH_EACH if k in raw]
        if "from" not in raw or clash:
            self.bad(
                f"{key}.each",
                "each goes with from (the list of items) and nothing else"
                + (f" (got {', '.join(clash)}); put transforms on each's fields" if clash else ""),
            )
            return None
        if not isinstance(table, dict) or not table:
            self.bad(f"{key}.each", "expected a table: repeater field name = its value spec")
            return None
        specs: dict[str, ValueSpec] = {}
        ok = True
        for name, sub in table.items():
            if isinstance(sub, dict) and "each" in sub:
                self.bad(f"{key}.each.{name}.each", "repeaters cannot nest")
                ok = False
                continue
            spec = self.spec(sub, f"{key}.each.{name}")
            if spec is None:
                ok = False
            else:
                specs[name] = spec
        return specs if ok else None

    def steps(self, raw: Any, key: str) -> tuple[Step, ...] | None:
        if not isinstance(raw, list):
            self.bad(key, "expected a list of transforms")
            return None
        steps: list[Step] = []
        ok = True
        for i, item in enumerate(raw):
            skey = f"{key}[{i}]"
            options: dict[str, Any] = {}
            if isinstance(item, dict):
                options = {k: v for k, v in item.items() if k != "name"}
                item = item.get("name")
            t = TRANSFORMS.get(item) if isinstance(item, str) else None
            if t is None:
                self.bad(
                    skey,
                    f"unknown transform {item!r}{did_you_mean(item, TRANSFORMS)} "
                    f"(known: {', '.join(sorted(TRANSFORMS))})",
                )
                ok = False
                continue
            try:
                options = {k: _fill_vars(v, self.vars) for k, v in options.items()}
            except ValueError as exc:
                self.bad(skey, str(exc))
                ok = False
                continue
            for message in t.check_options(options):
                self.bad(skey, message)
                ok = False
            steps.append(Step(skey, t, options))
        return tuple(steps) if ok else None

    def check_values(self, spec: ValueSpec | None, check: Checker) -> None:
        """Constants and lookup values are known now: run their transforms and check them."""
        if spec is None:
            return
        known: list[tuple[str, Any]] = []
        if spec.is_const:
            known.append((spec.key, spec.const))
        for k, v in (spec.lookup or {}).items():
            known.append((f"{spec.key}.lookup.{k}", v))
        for key, value in known:
            try:
                value = spec.apply_steps(value)
            except EvalError as exc:
                self.bad(key, str(exc))
                continue
            for message in check(value):
                self.bad(key, message)


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value


def _fill_vars(value: Any, variables: dict[str, str]) -> Any:
    if isinstance(value, str):
        return substitute_vars(value, variables)
    if isinstance(value, list):
        return [_fill_vars(v, variables) for v in value]
    return value


def field_problems(f: Field, value: Any) -> list[str]:
    if is_empty(value):
        value = f.empty_value()
    return [m.removeprefix("value: ") for m in check_value(f, value, "value")]


def one_of(allowed: Iterable[str], what: str = "") -> Checker:
    allowed = tuple(allowed)

    def check(value: Any) -> list[str]:
        if value in allowed:
            return []
        return [f"{value!r} is not {what or 'one of'} {list(allowed)}".replace("not  ", "not ")]

    return check


def post_checker(f: Field, model: ContentModel) -> Checker:
    def check(value: Any) -> list[str]:
        if f.name in POST_LIST_FIELDS:
            return post_list_problems(value)
        if f.name in ("author_email", "author_slug") and not is_empty(value):
            by = f.name.removeprefix("author_")
            if model.author(**{by: str(value)}) is None:
                known = [getattr(a, by) for a in model.authors]
                return [f"unknown author {value!r} (authors in the content model: {known})"]
            return []
        return field_problems(f, value)

    return check


def post_list_problems(value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if is_empty(items):
        return []
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        return [f"expected a list of names, got {value!r}"]
    return []
