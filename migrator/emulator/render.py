"""How the Read API renders stored pages and collection items, references included.

Butter expands reference fields ``levels`` deep (1-5, default 2; out-of-range values are
moved into range, as its docs say): at the level where the depth runs out a reference is a
URI string, above it the referenced object itself. The top object is level 1, so at the
default ``levels=2`` a page's references are objects whose own references are URIs.

- a collection item: ``{"meta": {"id": 1}, ...fields}``; its URI
  ``/v2/content/?keys=<key>[_id=<id>]`` (Butter's docs).
- a page: ``{slug, name, published, updated, page_type, fields}``, as a page read; its URI
  ``/v2/pages/<page_type>/<slug>/`` **[undocumented]**: the docs show only the collection
  form, this is the page read's own path.
- a reference to something missing, or to a draft when the read is not a preview, is left
  out of a list and ``null`` for a one-to-one reference **[undocumented]**; Butter's docs
  say only that ``preview=1`` shows referenced drafts with the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from migrator.emulator.config import Realism
from migrator.emulator.store import SINGLE_PAGES, CollectionItem, Page, Store
from migrator.model import ContentModel, Field, is_empty

DEFAULT_LEVELS = 2
MAX_LEVELS = 5


@dataclass(frozen=True)
class View:
    """What one read asks for: its locale, whether drafts count, how deep references go."""

    locale: str
    preview: bool = False
    levels: int = DEFAULT_LEVELS


class Renderer:
    def __init__(self, model: ContentModel, store: Store, realism: Realism):
        self.model = model
        self.store = store
        self.realism = realism

    # ------------------------------------------------------------------ status

    def page_status(self, page: Page, locale: str) -> tuple[str, str | None]:
        """Status and ``published`` as a read in ``locale`` sees them: with
        Realism.status_per_locale, that locale version's (a version never written is a
        draft); otherwise the page's."""
        if self.realism.status_per_locale and page.page_type != SINGLE_PAGES:
            return page.statuses.get(locale, "draft"), page.published_in.get(locale)
        return page.status, page.published

    def page_visible(self, page: Page, view: View) -> bool:
        return view.preview or self.page_status(page, view.locale)[0] == "published"

    @staticmethod
    def item_visible(item: CollectionItem, view: View) -> bool:
        return view.preview or item.status == "published"

    # ------------------------------------------------------------------ objects

    def page_fields(self, page: Page) -> dict[str, Field]:
        """The page type's fields; a single page (no page type) has none in the model, so
        its values are served as stored."""
        page_type = self.model.page_types.get(page.page_type)
        return page_type.fields if page_type else {}

    def raw_values(
        self, fields: dict[str, Field], stored: dict[str, dict[str, Any]], locale: str
    ) -> dict[str, Any]:
        values = stored.get(locale)
        if values is None:  # a locale never written reads back blank
            return {name: f.empty_value() for name, f in fields.items()}
        return values

    def page(self, page: Page, view: View, *, levels: int | None = None) -> dict[str, Any]:
        levels = view.levels if levels is None else levels
        fields = self.page_fields(page)
        values = self.raw_values(fields, page.fields, view.locale)
        single = page.page_type == SINGLE_PAGES
        return {
            "slug": page.slug,
            "name": page.name,
            "published": self.page_status(page, view.locale)[1],
            "updated": page.updated,
            "page_type": None if single else page.page_type,
            "fields": self.fields(fields, values, view, levels),
        }

    def item(
        self, item: CollectionItem, view: View, *, levels: int | None = None
    ) -> dict[str, Any]:
        levels = view.levels if levels is None else levels
        fields = self.model.collections[item.key].fields
        values = self.raw_values(fields, item.fields, view.locale)
        return {"meta": {"id": item.id}, **self.fields(fields, values, view, levels)}

    # ------------------------------------------------------------------ fields

    def fields(
        self, fields: dict[str, Field], values: dict[str, Any], view: View, levels: int
    ) -> dict[str, Any]:
        """Stored values as Butter reads them back: pickers become ``{"type", "fields"}``,
        references objects or URIs; a value with no definition is served as stored."""
        out = dict(values)
        for name, value in values.items():
            f = fields.get(name)
            if f is not None:
                out[name] = self._value(f, value, view, levels)
        return out

    def _value(self, f: Field, value: Any, view: View, levels: int) -> Any:
        if f.type == "reference":
            return self._reference(f, value, view, levels)
        if f.type == "component" and isinstance(value, dict):
            return self.fields(f.fields, value, view, levels)
        if f.type == "repeater" and isinstance(value, list):
            return [
                self.fields(f.fields, v, view, levels) if isinstance(v, dict) else v for v in value
            ]
        if f.type == "component_picker" and isinstance(value, list):
            return [
                {
                    "type": cname,
                    "fields": self.fields(f.choices.get(cname, {}), cvalues, view, levels),
                }
                for item in value
                if isinstance(item, dict)
                for cname, cvalues in item.items()
            ]
        return value

    def _reference(self, f: Field, value: Any, view: View, levels: int) -> Any:
        targets = value if isinstance(value, list) else [] if is_empty(value) else [value]
        rendered = [r for r in (self._target(f, t, view, levels) for t in targets) if r is not None]
        if f.many:
            return rendered
        return rendered[0] if rendered else None

    def _target(self, f: Field, target: Any, view: View, levels: int) -> Any:
        if f.ref_kind == "collection":
            item = self._find_item(str(f.ref_target), target)
            if item is None or not self.item_visible(item, view):
                return None
            if levels <= 1:
                return f"/v2/content/?keys={item.key}[_id={item.id}]"
            return self.item(item, view, levels=levels - 1)
        page = self.store.find_page(str(f.ref_target), str(target))
        if page is None or not self.page_visible(page, view):
            return None
        if levels <= 1:
            return f"/v2/pages/{page.page_type}/{page.slug}/"
        return self.page(page, view, levels=levels - 1)

    def _find_item(self, key: str, target: Any) -> CollectionItem | None:
        try:
            item_id = int(target)
        except (TypeError, ValueError):
            return None
        return self.store.collections.get(key, {}).get(item_id)
