"""A checked mapping (``Mapping``, what ``load_mapping`` builds) and the pure function it
compiles into: ``Record`` → ``Payload`` (or None).

Everything that can be decided once (merged locale specs, which fields are
references resolved by the engine) is decided in ``CompiledMapping.__init__``; a call
only evaluates values, fills Butter's empties and validates against the content model.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from collections.abc import Mapping as AbcMapping
from pathlib import Path
from typing import Any, NamedTuple

from migrator.errors import RecordError
from migrator.mapping.links.html import CDN_HOSTS, img_sources, iter_img_sources, played_sources
from migrator.mapping.links.index import split_url
from migrator.mapping.links.rewrite import LinkRewriter, Note, Rewritten
from migrator.mapping.links.rules import LinkRules
from migrator.mapping.payload import Payload, RefHook
from migrator.mapping.spec import (
    POST_FIELDS,
    POST_LIST_FIELDS,
    STATUSES,
    EvalError,
    Filter,
    Target,
    ValueSpec,
    target_fields,
)
from migrator.mapping.transforms import TransformNote, noting
from migrator.mapping.values import post_list_problems
from migrator.model import (
    TEXT_TYPES,
    ContentModel,
    Field,
    ValueCheck,
    check_value,
    is_empty,
    utc_timestamp,
    value_check,
)
from migrator.paths import MISSING
from migrator.records import Record, RecordWarning

_TEXT = Field("text", "short_text", required=True)
INLINE_IMAGE = (
    "inline image: ButterCMS does not copy images inside page or collection HTML, so it "
    "keeps loading from this URL; upload it to the media library and update the field"
)


PLAYED_FILE = (
    "audio, video or poster file ButterCMS does not copy: the body keeps loading it from this "
    "URL; "
    "keep it served there (your media host), or move it and update the body"
)


def _on_cdn(url: str) -> bool:
    return (split_url(url).hostname or "") in CDN_HOSTS


_FIELD_NAME = re.compile(r"[^.\[:]+")
_NO_HTML = Rewritten()  # what a record without HTML fields rewrote: nothing, never added to


@dataclasses.dataclass(frozen=True)
class Mapping:
    """A loaded, checked mapping file. ``compile()`` gives the record → payload function."""

    path: Path
    model: ContentModel
    source_format: str
    source_options: dict[str, Any]
    default_source: Path | None
    target: Target
    variables: dict[str, str]
    filter: Filter
    status: ValueSpec
    title: ValueSpec | None
    slug: ValueSpec | None
    locale: ValueSpec | None  # single-locale form: the locale sent as ?locale=
    base_locale: str | None  # multi-locale form: the locale [fields] is for
    fields: dict[str, ValueSpec]
    locales: dict[str, dict[str, ValueSpec]] = dataclasses.field(default_factory=dict)
    links: LinkRules | None = None  # the `links` table: rewriting the old site's URLs

    @property
    def published_required(self) -> bool:
        """The mapping marks a post's date required: a Butter that refuses or ignores
        ``published`` stops the run instead of dating the posts itself."""
        spec = self.fields.get("published") if self.target.kind == "post" else None
        return spec is not None and spec.required

    def compile(self, links: LinkRewriter | None = None) -> Callable[[Record], Payload | None]:
        """``links``: built by the engine from the whole export when ``self.links`` is set."""
        return CompiledMapping(self, links)


class _Errors:
    def __init__(self, found: list[TransformNote]) -> None:
        self.items: list[tuple[str, str]] = []  # (target field, message)
        self.notes: list[Note] = []  # what transforms noted (transforms.note)
        self.found = found  # where transforms note, emptied before each value is built

    def add(self, field: str, message: str) -> None:
        self.items.append((field, message))

    def has(self, field: str) -> bool:
        """Whether ``field`` has an error already (its value could not be built: "required"
        or "empty" on top of that would only hide the reason)."""
        return any(f == field for f, _ in self.items)

    def record_error(self, record: Record) -> RecordError:
        loc = record.location
        return RecordError(
            "; ".join(msg for _, msg in self.items),
            file=loc.file if loc.line is not None or loc.position is None else str(loc),
            line=loc.line,
            identity=record.identity,
            field=self.items[0][0],
            end_line=loc.end_line,
        )


# A value spec compiled (``ValueSpec.evaluator``): the record's data → the value.
Getter = Callable[[AbcMapping[str, Any]], Any]


class _FieldPlan(NamedTuple):
    """One target field of one locale, with everything about it decided once (a tuple:
    unpacked in one step for every field of every record)."""

    name: str
    field: Field
    spec: ValueSpec | None
    get: Getter | None
    check: ValueCheck  # against ``check_against``: a reference is not required yet
    path: str  # "fields.name" / "fields.es.name", as the messages say it
    empty: Any  # the field's empty value when immutable, else None (built for each record)
    ref: str | None  # the spec's ``ref``: resolved by the engine


def _getter(spec: ValueSpec | None) -> Getter | None:
    return None if spec is None else spec.evaluator()


class CompiledMapping:
    """Callable: ``compiled(record) -> Payload | None``. Holds no state between calls."""

    def __init__(self, mapping: Mapping, links: LinkRewriter | None = None):
        self.mapping = mapping
        self.links = links
        m = mapping
        self.kind = m.target.kind
        self.fields: dict[str, Field] = target_fields(m.model, m.target) or {}
        # Locale → its specs: a [locales.xx] table overrides [fields] name by name.
        self.locale_specs: dict[str | None, dict[str, ValueSpec]] = {
            m.base_locale if m.locales else None: m.fields
        }
        for code, specs in m.locales.items():
            self.locale_specs[code] = {**m.fields, **specs}
        # A reference the engine resolves is empty in the body until then: not "required" yet.
        refs = {n for specs in self.locale_specs.values() for n, s in specs.items() if s.ref}
        self.check_against = {
            n: dataclasses.replace(f, required=False) if n in refs else f
            for n, f in self.fields.items()
        }
        # The HTML (WYSIWYG) fields: their inline images are looked at; their links are
        # rewritten, unless the links rules name the fields to rewrite.
        self.html_fields = tuple(n for n, f in self.fields.items() if f.type == "wysiwyg")
        chosen = m.links.fields if m.links else None
        self.link_fields = self.html_fields if chosen is None else chosen
        self.html_work = self.kind == "post" or bool(self.link_fields or self.html_fields)
        # Per record only values are built and checked: the rest is decided here.
        given = m.filter
        self.filter = given if given.kinds or given.where or given.exclude else None
        self.get_status, self.get_title = _getter(m.status), _getter(m.title)
        self.get_slug, self.get_locale = _getter(m.slug), _getter(m.locale)
        self.field_plans: dict[str | None, tuple[_FieldPlan, ...]] = {}
        self.post_plans: tuple[tuple[str, ValueSpec, Getter | None, ValueCheck], ...] = ()
        if self.kind == "post":
            self.post_plans = tuple(
                (name, spec, _getter(spec), value_check(POST_FIELDS[name]))
                for name, spec in m.fields.items()
            )
        else:
            self.field_plans = {
                code: tuple(
                    self.field_plan(n, f, specs.get(n), code) for n, f in self.fields.items()
                )
                for code, specs in self.locale_specs.items()
            }
        # The plain shape of most CSV mappings is built by ``_quick``.
        self.quick = self.quick_plan()

    def field_plan(
        self, name: str, f: Field, spec: ValueSpec | None, locale: str | None
    ) -> _FieldPlan:
        empty = f.empty_value()
        return _FieldPlan(
            name,
            f,
            spec,
            _getter(spec),
            value_check(self.check_against[name]),
            f"fields.{locale}.{name}" if locale else f"fields.{name}",
            empty if isinstance(empty, str | bool) else None,
            None if spec is None else spec.ref,
        )

    def quick_plan(
        self,
    ) -> tuple[tuple[str, Field, Getter | None, ValueCheck, str, Any, bool], ...] | None:
        """The fields of a mapping that ``quick`` can build: one locale, no references,
        no links to rewrite, no ``locale`` value (the shape of most CSV mappings); else
        None. HTML fields it builds only when empty (``page_html`` has nothing to say)."""
        m = self.mapping
        plans = self.field_plans.get(None)
        if (
            self.kind == "post"
            or self.links is not None
            or m.locale is not None
            or m.locales
            or plans is None
            or len(self.field_plans) != 1
            or any(p.ref is not None for p in plans)
        ):
            return None
        # Last: whether the field is text, whose check passes any non-empty str (value_check).
        return tuple(
            (p.name, p.field, p.get, p.check, p.path, p.empty, p.field.type in TEXT_TYPES)
            for p in plans
        )

    def __call__(self, record: Record) -> Payload | None:
        if self.filter is not None and not self.filter.matches(record):
            return None
        # One list for the notes of the whole record, emptied before each value.
        if self.quick is not None:
            payload = noting(self._quick, record)
            if payload is not None:
                return payload
        return noting(self._build, record)

    def _quick(self, found: list[TransformNote], record: Record) -> Payload | None:
        """``build`` for a record of a ``quick_plan`` mapping that is valid and noted
        nothing: the same payload without its error bookkeeping. None for any other
        record (an error, a failed check, a transform's note), which ``build`` then makes
        from scratch: a mapping is pure, so evaluating it twice changes nothing."""
        assert self.quick is not None
        data = record.data
        kind = self.kind
        try:
            status = None if self.get_status is None else self.get_status(data)
            title = None if self.get_title is None else self.get_title(data)
            slug = None if self.get_slug is None else self.get_slug(data)
            values: dict[str, Any] = {}
            for name, f, get, check, path, empty, text in self.quick:
                value = None if get is None else get(data)
                if type(value) is str:
                    if not value:
                        value = f.empty_value() if empty is None else empty
                    elif text:
                        values[name] = value
                        continue
                elif type(value) is not bool and is_empty(value):
                    value = f.empty_value() if empty is None else empty
                if check(value, path):
                    return None
                values[name] = value
        except EvalError:
            return None
        m = self.mapping
        if found or (status is not None and status not in STATUSES):
            return None
        for name in self.html_fields:
            if type(values[name]) is str and values[name]:
                return None  # its inline images are noted by build
        # title and slug: what ``text`` accepts without a word (a non-empty str).
        if (m.title is not None and not (type(title) is str and title)) or (
            m.slug is not None and not (type(slug) is str and slug)
        ):
            return None
        locale = None
        lookup: tuple[str, str] | None = None
        body = self.model_body(title, slug, status, values)
        if kind == "page":
            if len(m.model.locales) > 1:
                locale = m.model.default_locale
        else:
            lookup_field = m.target.lookup_field
            if lookup_field is not None:
                value = values.get(lookup_field)
                if is_empty(value):
                    return None
                lookup = (lookup_field, str(value))
        return Payload(
            kind=kind,
            target=m.target.name,
            identity=record.identity,
            slug=slug if kind != "collection" else None,
            body=body,
            locale=locale,
            lookup=lookup,
            source=record.location,
            notes=tuple(_source_notes(record)) if record.warnings else (),
        )

    def _build(self, found: list[TransformNote], record: Record) -> Payload:
        return self.build(record, _Errors(found))

    def build(self, record: Record, errors: _Errors) -> Payload:
        m = self.mapping
        status = self.value(self.get_status, record, "status", errors)
        if status is not None and status not in STATUSES:
            errors.add("status", f"{status!r} is not one of {list(STATUSES)}")
        title = self.text(m.title, self.get_title, record, "title", errors)
        slug = self.text(m.slug, self.get_slug, record, "slug", errors)
        locale = self.value(self.get_locale, record, "locale", errors) if m.locale else None
        if locale is None and self.kind == "page" and not m.locales and len(m.model.locales) > 1:
            # A localized account wants every single-locale page create to say its locale
            # (butter-api.md, "Locales"): without it Butter fails the write in the background.
            locale = m.model.default_locale
        if m.locale and locale not in m.model.locales:
            errors.add(
                "locale", f"{locale!r} is not a locale of the content model {list(m.model.locales)}"
            )

        refs: list[RefHook] = []
        body: dict[str, Any]
        lookup: tuple[str, str] | None = None
        # Only links or HTML fields note anything here: else one shared, left empty.
        html = Rewritten() if self.html_work else _NO_HTML
        if self.kind == "post":
            post = self.post_fields(record, errors)
            self.post_html(post, html)
            body = {"title": title, "slug": slug, "status": status, **post}
        else:
            per_locale = self.locale_fields(record, errors, refs, html)
            fields: Any = per_locale[None] if None in per_locale else per_locale
            body = self.model_body(title, slug, status, fields)
            if self.kind == "collection":
                lookup = self.lookup(per_locale, errors)

        if errors.items:
            raise errors.record_error(record)
        return Payload(
            kind=self.kind,
            target=m.target.name,
            identity=record.identity,
            slug=slug if self.kind != "collection" else None,
            body=body,
            locale=locale,
            lookup=lookup,
            source=record.location,
            refs=tuple(refs),
            notes=(*_source_notes(record), *errors.notes, *html.notes)
            if record.warnings or errors.notes or html.notes
            else (),
            links_rewritten=html.count,
        )

    def model_body(self, title: Any, slug: Any, status: Any, fields: Any) -> dict[str, Any]:
        """A page's or a collection item's create body: the one shape ``build`` and
        ``_quick`` both send."""
        if self.kind == "page":
            return {
                "title": title,
                "slug": slug,
                "page_type": self.mapping.target.name,
                "status": status,
                "fields": fields,
            }
        return {"key": self.mapping.target.name, "status": status, "fields": [fields]}

    # ----------------------------------------------------------------------- HTML

    def rewrite(self, values: dict[str, Any], name: str, where: str, out: Rewritten) -> None:
        if self.links is not None and isinstance(values.get(name), str):
            values[name] = self.links.html(values[name], where, out)

    def post_html(self, post: dict[str, Any], out: Rewritten) -> None:
        """Links in the body rewritten; Butter copies inline images of posts into its
        media library when asked, so it is asked whenever the body has any."""
        for name in self.link_fields:
            self.rewrite(post, name, name, out)
        body = post.get("body")
        if isinstance(body, str):
            _note_played(body, "body", out)
        if "upload_images_to_media_library" not in self.mapping.fields and isinstance(body, str):
            if any(not _on_cdn(src) for src in iter_img_sources(body)):
                post["upload_images_to_media_library"] = True

    def page_html(self, values: dict[str, Any], locale: str | None, out: Rewritten) -> None:
        """Links rewritten; inline images noted: Butter fetches no image inside a page's
        or an item's HTML, so each one keeps pointing where it points now."""
        for name in dict.fromkeys(self.link_fields + self.html_fields):
            where = f"fields.{locale}.{name}" if locale else f"fields.{name}"
            if name in self.link_fields:
                self.rewrite(values, name, where, out)
            text = values.get(name) if name in self.html_fields else None
            if not isinstance(text, str):
                continue
            for src in dict.fromkeys(img_sources(text)):
                if src and not _on_cdn(src):
                    out.notes.append(Note(where, src, INLINE_IMAGE))
            _note_played(text, where, out)

    # ----------------------------------------------------------------------- values

    def locale_fields(
        self, record: Record, errors: _Errors, refs: list[RefHook], html: Rewritten
    ) -> dict[str | None, dict[str, Any]]:
        """A page's or an item's fields per locale (None: the single-locale form)."""
        per_locale = {
            code: self.model_fields(plans, record, code, errors, refs)
            for code, plans in self.field_plans.items()
        }
        if self.html_work:  # a page's or item's: links or HTML fields
            for code, values in per_locale.items():
                self.page_html(values, code, html)
        return per_locale

    def value(self, get: Getter | None, record: Record, field: str, errors: _Errors) -> Any:
        if get is None:
            return None
        found = errors.found
        if found:
            found.clear()  # only this value's notes are this field's
        try:
            value = get(record.data)
        except EvalError as exc:
            errors.add(field, f"{field}: {exc}")
            return None
        if found:
            errors.notes.extend(Note(field, "", n.reason, n.items) for n in found)
        return value

    def text(
        self,
        spec: ValueSpec | None,
        get: Getter | None,
        record: Record,
        field: str,
        errors: _Errors,
    ) -> str | None:
        if spec is None:
            return None
        before = len(errors.items)
        value = self.value(get, record, field, errors)
        if field == "slug" and is_empty(value) and len(errors.items) == before:
            errors.add(field, _empty_slug(spec, record))
            return None
        for message in check_value(_TEXT, value, field):
            errors.add(field, message)
        return value if isinstance(value, str) else None

    def model_fields(
        self,
        plans: tuple[_FieldPlan, ...],
        record: Record,
        locale: str | None,
        errors: _Errors,
        refs: list[RefHook],
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        # check_fields' messages, field by field: the values hold every field of the model
        # and nothing else, so only each value's own check can speak. After the values'
        # own errors, as before.
        messages: list[str] = []
        for name, f, _, get, check, path, empty, ref in plans:
            value = self.value(get, record, name, errors)
            if ref is not None:
                refs.append(self.ref_hook(name, f, ref, value, locale))
                value = None
            if type(value) is str:
                if not value:
                    value = f.empty_value() if empty is None else empty
            elif is_empty(value):
                value = f.empty_value() if empty is None else empty
            values[name] = value
            problems = check(value, path)
            if problems:
                messages.extend(problems)
        if not messages:
            return values
        where = f"fields.{locale}" if locale else "fields"
        for message in messages:
            name = message.removeprefix(where + ".")
            match = _FIELD_NAME.match(name)
            field = match.group(0) if match else name
            if not errors.has(field):
                errors.add(field, message)
        return values

    def ref_hook(self, name: str, f: Field, match: str, value: Any, locale: str | None) -> RefHook:
        items = value if isinstance(value, list) else [value]
        keys = tuple(str(v) for v in items if not is_empty(v))
        return RefHook(name, locale, f.ref_target or "", match, keys, f.many)

    def lookup(
        self, per_locale: dict[str | None, dict[str, Any]], errors: _Errors
    ) -> tuple[str, str] | None:
        name = self.mapping.target.lookup_field
        base = per_locale.get(None, per_locale.get(self.mapping.base_locale))
        if name is None or base is None:
            return None
        value = base.get(name)
        if is_empty(value):
            if not errors.has(name):
                errors.add(name, f"{name}: the lookup field is empty; it must identify the item")
            return None
        return (name, str(value))

    def post_fields(self, record: Record, errors: _Errors) -> dict[str, Any]:
        model = self.mapping.model
        out: dict[str, Any] = {}
        for name, spec, get, check in self.post_plans:
            f = POST_FIELDS[name]
            value = self.value(get, record, name, errors)
            if name in POST_LIST_FIELDS:
                value = [] if is_empty(value) else [value] if isinstance(value, str) else value
                problems = post_list_problems(value)
                for message in problems:
                    errors.add(name, f"{name}: {message}")
                out[name] = value if problems else _distinct_names(value)
            elif name in ("author_email", "author_slug"):
                if is_empty(value):
                    continue  # no author: Butter uses the organisation owner
                by = name.removeprefix("author_")
                author = model.author(**{by: str(value)})
                if author is None:
                    errors.add(
                        "author", f"author: no author with {by} {value!r} in the content model"
                    )
                out["author"] = {by: value}
            elif name == "published":
                self.post_date(spec, value, out, errors)
            else:
                value = f.empty_value() if is_empty(value) else value
                for message in check(value, name):
                    errors.add(name, message)
                out[name] = value
        return out

    def post_date(self, spec: ValueSpec, value: Any, out: dict[str, Any], errors: _Errors) -> None:
        """``published`` as one UTC instant; an empty one is left out of the body (Butter
        dates the post itself), unless the mapping marks it required."""
        if is_empty(value):
            if spec.required:
                errors.add(
                    "published",
                    "published: required by the mapping (required = true), but this record "
                    "has no date",
                )
            return
        if not isinstance(value, str):
            errors.add("published", f"published: expected an ISO 8601 date, got {value!r}")
            return
        try:
            out["published"] = utc_timestamp(value)
        except ValueError as exc:
            errors.add("published", f"published: {exc}")


def _note_played(text: str, where: str, out: Rewritten) -> None:
    for url in dict.fromkeys(url for _, url in played_sources(text)):
        if not _on_cdn(url):
            out.notes.append(Note(where, url, PLAYED_FILE))


def _empty_slug(spec: ValueSpec, record: Record) -> str:
    """Why a slug came out empty, and what to do: Butter refuses a post or page without one."""
    if spec.path is not None:
        paths = [str(p) for p in (spec.path, *spec.fallbacks)]
        given = spec.path.resolve(record.data)
        shown = "missing" if given is MISSING else repr(given)[:80]
        where = f"from {' / '.join(repr(p) for p in paths)} = {shown}"
    else:
        where = "from its template or constant"
    return (
        f"slug: empty ({where}): nothing in it becomes a letter or digit. Map a field "
        'that has one, or add a fallback, e.g. from = ["slug", "id"] or template = '
        '"post-{id}"'
    )


def _source_notes(record: Record) -> list[Note]:
    """The source's warnings meant for the warnings file (a password-protected post sent
    as a draft, a featured image not in the export), as notes of the payload."""
    return [Note(w.field, "", str(w)) for w in record.warnings if isinstance(w, RecordWarning)]


def _distinct_names(names: list[str]) -> list[str]:
    """Each category or tag once, in order, the first spelling kept: Butter would create
    or attach one name twice (WordPress can have "News" under two parents, or "news")."""
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        key = name.strip().casefold()
        if key not in seen:
            seen.add(key)
            out.append(name)
    return out
