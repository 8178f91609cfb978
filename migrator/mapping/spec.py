"""The parts of a checked mapping, as data: targets, value specs and filters.

``load_mapping`` builds them; the ``Mapping`` that holds them is in ``compile``.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass
from typing import Any

from migrator.mapping.transforms import Transform
from migrator.model import ContentModel, Field, is_empty
from migrator.paths import MISSING, SourcePath, Template
from migrator.records import Record
from migrator.suggest import did_you_mean

KINDS = ("page", "collection", "post")
STATUSES = ("draft", "published")
UNIQUE_SLUGS = ("report", "suffix")

# Butter's blog post schema is fixed; these are the keys a mapping may fill (title,
# slug and status are built in [target]). author_email / author_slug become
# {"author": {"email": ...}} / {"author": {"slug": ...}}; categories and tags are lists.
# published: the publication date, sent as a UTC ISO 8601 instant (a date or time without
# an offset is taken as UTC); Butter's Write API does not document it, so Butter may
# honour, ignore or refuse it (the engine and verify handle each).
POST_FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field("author_email", "short_text"),
        Field("author_slug", "short_text"),
        Field("categories", "short_text"),
        Field("tags", "short_text"),
        Field("featured_image", "media"),
        Field("featured_image_alt", "short_text"),
        Field("body", "wysiwyg"),
        Field("summary", "long_text"),
        Field("seo_title", "short_text"),
        Field("meta_description", "long_text"),
        Field("upload_images_to_media_library", "checkbox"),
        Field("published", "date"),
    )
}
# Only the publication date may be marked `required = true` in a mapping: a post without
# one is invalid, and a Butter that refuses or ignores it stops the run.
REQUIRABLE_POST_FIELDS = frozenset({"published"})
POST_LIST_FIELDS = frozenset({"categories", "tags"})


@dataclass(frozen=True)
class Target:
    """Where payloads go: kind ``page``|``collection``|``post``; name = page type /
    collection key / None; ``lookup_field`` finds a collection item by reading back."""

    kind: str
    name: str | None
    lookup_field: str | None = None
    # Two records with one slug: "report" both (the later one invalid), or "suffix" the
    # later ones as WordPress does (``-2``, ``-3``). Posts and pages only.
    unique_slugs: str = "report"
    # The fields a re-import may update (None: all). Edits made in Butter to the others
    # are kept; the PATCH sends only these. Names of the target's fields, or "status"
    # (posts: "title", "body", "author", ... as Butter's post takes them).
    update_fields: tuple[str, ...] | None = None


# What a blog post's update may name in update_fields: the keys of Butter's post body.
POST_UPDATE_FIELDS = (
    "title",
    "status",
    "author",
    "categories",
    "tags",
    "featured_image",
    "featured_image_alt",
    "body",
    "summary",
    "seo_title",
    "meta_description",
)


def target_fields(model: ContentModel, target: Target) -> dict[str, Field] | None:
    """The fields a target's payload fills: a blog post's, or its page type's/collection's."""
    if target.kind == "post":
        return POST_FIELDS
    return model.fields_of(target.kind, target.name or "")


class EvalError(ValueError):
    """A value could not be built for one record (becomes a ``RecordError``)."""


@dataclass(frozen=True)
class Step:
    key: str  # where it is written, e.g. "fields.theme.transforms[1]"
    transform: Transform
    options: dict[str, Any]

    def apply(self, value: Any) -> Any:
        try:
            return self.transform(value, **self.options)
        except (ValueError, TypeError) as exc:
            raise EvalError(f"transform {self.transform.name!r}: {exc}") from None

    def runner(self) -> Callable[[Any], Any]:
        """``apply``, with the transform's wrapper unrolled: one call a value, not three.
        A list for an elementwise transform still goes through ``apply``."""
        t = self.transform
        if type(t) is not Transform:
            return self.apply
        fn = functools.partial(t.fn, **self.options) if self.options else t.fn
        elementwise, skip_empty, apply, name = t.elementwise, t.skip_empty, self.apply, t.name

        def run(value: Any) -> Any:
            if elementwise and isinstance(value, list):
                return apply(value)
            if skip_empty and is_empty(value):
                return value
            try:
                return fn(value)
            except (ValueError, TypeError) as exc:
                raise EvalError(f"transform {name!r}: {exc}") from None

        return run

    def text_fn(self) -> Callable[[str], Any] | None:
        """The transform's own function, options bound, for what ``runner`` does with a
        non-empty ``str`` (no list to map, nothing to skip): a compiled chain calls it
        directly. None when the transform is not a plain ``Transform``."""
        t = self.transform
        if type(t) is not Transform:
            return None
        if self.options:
            return functools.partial(t.fn, **self.options)
        return t.fn if t.text is None else t.text


_NO_CONST = object()
# A lookup table's catch-all key: the value for every source value not listed.
LOOKUP_DEFAULT = "*"


@dataclass(frozen=True)
class ValueSpec:
    """How one target value is built: a source path, a template or a constant, then
    an optional lookup table, then the transform chain."""

    key: str
    path: SourcePath | None = None
    template: Template | None = None
    const: Any = _NO_CONST
    lookup: dict[str, Any] | None = None
    steps: tuple[Step, ...] = ()
    optional: bool = False  # a missing source path gives an empty value, not an error
    required: bool = False  # `required = true`: the value must reach Butter (posts' published)
    # `from = [a, b, c]`: b and c, tried in order while the value so far is missing or empty.
    fallbacks: tuple[SourcePath, ...] = ()
    ref: str | None = None  # resolved by the engine: match on this field of the target
    # `each`: the value at `from` is a list, and each item of it becomes one repeater item
    # built by these specs (evaluated on the item); ``blank`` is every sub-field's empty.
    each: dict[str, ValueSpec] | None = None
    blank: dict[str, Any] | None = None

    @property
    def is_const(self) -> bool:
        return self.const is not _NO_CONST

    def evaluate(self, data: AbcMapping[str, Any]) -> Any:
        if self.path is not None and self.fallbacks:
            value = self._first_filled(data)
        elif self.path is not None:
            value = self._resolve(self.path, data)
        elif self.template is not None:
            value = self._render(self.template, data)
        else:
            value = copy.deepcopy(self.const)
        if self.each is not None:
            return self.items(value)
        if self.lookup is not None:
            value = self.look_up(value)
        return self.apply_steps(value)

    def evaluator(self) -> Callable[[AbcMapping[str, Any]], Any]:
        """``evaluate`` as a function decided once per mapping (what a compiled mapping
        calls for every record): a plain ``from`` reads its key directly, a constant is
        not copied when it cannot change, the transforms run unwrapped (``Step.runner``)."""
        if self.each is not None:
            return self.evaluate
        get: Callable[[AbcMapping[str, Any]], Any]
        if self.path is not None and self.fallbacks:
            get = self._first_filled
        elif self.path is not None:
            path, text, resolve = self.path, self.path.text, self._resolve

            def get(data: AbcMapping[str, Any]) -> Any:
                if type(data) is dict and text in data:
                    return data[text]
                return resolve(path, data)

        elif self.template is not None:
            template, render = self.template, self._render

            def get(data: AbcMapping[str, Any]) -> Any:
                return render(template, data)

        elif self.const is None or type(self.const) in (str, int, float, bool):
            const = self.const

            def get(data: AbcMapping[str, Any]) -> Any:
                return const

        else:
            return self.evaluate
        look_up = self.look_up if self.lookup is not None else None
        if look_up is None and not self.steps:
            return get
        # Per step: (its function for a non-empty str, skip_empty, name, runner). Source
        # values are nearly always text, which goes straight to the function, without the
        # runner's list and empty checks (what it does with text all the same).
        chain = tuple(
            (step.text_fn(), step.transform.skip_empty, step.transform.name, step.runner())
            for step in self.steps
        )

        key = self.path.text if self.path is not None and not self.fallbacks else None
        if key is not None and look_up is None and len(chain) == 1:
            return _one_step(key, get, *chain[0])

        def run(data: AbcMapping[str, Any]) -> Any:
            # A plain ``from`` read here, as ``get`` does (one call less a value).
            if key is not None and type(data) is dict and key in data:
                value = data[key]
            else:
                value = get(data)
            if look_up is not None:
                value = look_up(value)
            for text_fn, skip_empty, name, runner in chain:
                if type(value) is not str or text_fn is None:
                    value = runner(value)
                elif value or not skip_empty:
                    try:
                        value = text_fn(value)
                    except (ValueError, TypeError) as exc:
                        raise EvalError(f"transform {name!r}: {exc}") from None
            return value

        return run

    def items(self, value: Any) -> list[dict[str, Any]]:
        """A repeater's items, one from each item of ``value`` (one table is one item).
        An item whose values all come out empty is left out: in a grouped CSV, a row
        holding only an image is no variant, and one holding only a variant no image."""
        assert self.each is not None and self.path is not None
        if is_empty(value):
            return []
        out: list[dict[str, Any]] = []
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            where = f"{self.path.text}[{i}]"
            if not isinstance(item, AbcMapping):
                raise EvalError(
                    f"{where} is {type(item).__name__}, not a table of values to build a "
                    "repeater item from"
                )
            built = copy.deepcopy(self.blank) if self.blank else {}
            filled = False
            for name, spec in self.each.items():
                try:
                    sub = spec.evaluate(item)
                except EvalError as exc:
                    raise EvalError(f"{where}.{name}: {exc}") from None
                if not is_empty(sub):
                    built[name] = sub
                    filled = filled or not spec.is_const
            if filled:
                out.append(built)
        return out

    def apply_steps(self, value: Any) -> Any:
        for step in self.steps:
            value = step.apply(value)
        return value

    def look_up(self, value: Any) -> Any:
        assert self.lookup is not None
        if is_empty(value):
            return value
        key = value if isinstance(value, str) else str(value)
        if key not in self.lookup:
            if LOOKUP_DEFAULT in self.lookup:
                return copy.deepcopy(self.lookup[LOOKUP_DEFAULT])
            raise EvalError(f"{key!r} is not in the lookup table (keys: {sorted(self.lookup)})")
        return copy.deepcopy(self.lookup[key])

    def _first_filled(self, data: AbcMapping[str, Any]) -> Any:
        """The first of ``path`` and its fallbacks that has a non-empty value."""
        assert self.path is not None
        found: Any = MISSING
        for path in (self.path, *self.fallbacks):
            value = path.resolve(data)
            if not is_empty(value) and value is not MISSING:
                return value
            if found is MISSING:
                found = value
        if found is MISSING and not self.optional:
            tried = ", ".join(repr(p.text) for p in (self.path, *self.fallbacks))
            raise EvalError(
                f"the record has none of {tried}; add `optional = true` if all may be absent"
            )
        return None if found is MISSING else found

    def _resolve(self, path: SourcePath, data: AbcMapping[str, Any]) -> Any:
        value = path.resolve(data)
        if value is MISSING:
            if self.optional:
                return None
            keys = ", ".join(sorted(map(str, data))[:20])
            head = path.text.split(".")[0].split("[")[0]
            hint = "" if head in data else did_you_mean(head, map(str, data))
            raise EvalError(
                f"the record has no {path.text!r}{hint} (it has: {keys}); "
                "add `optional = true` if it may be absent"
            )
        return value

    def _render(self, template: Template, data: AbcMapping[str, Any]) -> str:
        out: list[str] = []
        filled = False
        for piece in template.pieces:
            if isinstance(piece, str):
                out.append(piece)
                continue
            value = self._resolve(piece, data)
            if not is_empty(value):
                filled = True
            out.append(_as_text(value))
        # Every placeholder empty: the value is empty, not the bare literal text
        # (so "{vars.media}/{photo}" with no photo stays empty).
        if template.paths and not filled:
            return ""
        return "".join(out)


def _one_step(
    key: str,
    get: Callable[[AbcMapping[str, Any]], Any],
    text_fn: Callable[[str], Any] | None,
    skip_empty: bool,
    name: str,
    runner: Callable[[Any], Any],
) -> Callable[[AbcMapping[str, Any]], Any]:
    """``evaluator``'s chain for a plain ``from`` and one transform (most fields of a CSV
    mapping): the same steps without the loop over the chain."""

    def run(data: AbcMapping[str, Any]) -> Any:
        if type(data) is dict and key in data:
            value = data[key]
        else:
            value = get(data)
        if type(value) is not str or text_fn is None:
            return runner(value)
        if value or not skip_empty:
            try:
                return text_fn(value)
            except (ValueError, TypeError) as exc:
                raise EvalError(f"transform {name!r}: {exc}") from None
        return value

    return run


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(_as_text(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class Filter:
    """Which records this mapping takes: kinds, and field values that must (not) match."""

    kinds: tuple[str, ...] = ()
    where: tuple[tuple[SourcePath, tuple[Any, ...]], ...] = ()
    exclude: tuple[tuple[SourcePath, tuple[Any, ...]], ...] = ()

    def matches(self, record: Record) -> bool:
        if self.kinds and record.kind not in self.kinds:
            return False
        if not all(_value_in(p.resolve(record.data), allowed) for p, allowed in self.where):
            return False
        return not any(_value_in(p.resolve(record.data), banned) for p, banned in self.exclude)


def _value_in(value: Any, allowed: tuple[Any, ...]) -> bool:
    if value is MISSING:
        return False
    for a in allowed:
        if value == a and type(value) is type(a):
            return True
        if isinstance(value, str) != isinstance(a, str) and (
            _as_text(value).strip() == _as_text(a).strip()
        ):
            return True
    return False
