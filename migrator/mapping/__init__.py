"""The mapping stage: declarative ``mappings/*.toml`` files → one pure function per file.

    mapping = load_mapping("mappings/team_members.toml", variables={"media_base": url})
    to_payload = mapping.compile()
    payload = to_payload(record)        # Payload, None (filtered out), or raises RecordError

``load_mapping`` checks the whole file against the content model before anything
is read or sent and raises ``MappingError`` with every problem. ``TRANSFORMS`` is
the registry of named transforms; ``@transform("name")`` registers more.

The file format (the shipped mappings are commented examples)::

    model = "content-model.toml"          # relative to the mapping file
    [source]                              # format, optional default path, reader options
    format = "csv"
    path = "../migrator/samples/x.csv"
    key = "id"
    [vars]                                # {vars.name} in templates and transform options;
    media_base = "http://127.0.0.1/img"   # --var media_base=... overrides (declared ones only)
    [filter]                              # optional; a mismatch drops the record (None)
    kind = ["row"]                        # record kinds
    where = { status = ["publish", "draft"] }    # path = value or list of values
    exclude = { "meta.hidden" = "1" }
    [target]
    kind = "page"                         # page | collection | post
    page_type = "landing_page"            # pages;  collection = "key" + lookup_field for items
    title = { from = "headline" }         # pages and posts
    slug = { from = "headline", transforms = ["slugify"] }
    status = "published"                  # draft (default) | published; may be a value spec
    locale = "en"                         # optional: single-locale form, sent as ?locale=
    [fields]                              # target field = value spec
    theme = { from = "theme", lookup = { L = "light" }, transforms = ["lower"] }
    [locales.es.fields]                   # optional: multi-locale form; overrides [fields]
    headline = { from = "headline_es" }

A value spec is a bare constant (``"x"``, ``42``, ``true``) or a table with one of
``from`` (dotted source path: ``author.email``, ``tags[0]``; or a list of them, the
first with a non-empty value wins: ``["title.es", "title.en"]``), ``template``
(``"{first} {last}"``, ``{{`` for a brace) or ``const``; then optional ``lookup``
(source value → target value; a ``"*"`` key is the value for anything not listed),
``transforms`` (applied in order), ``optional``
(a missing path gives an empty value instead of a record error) and ``ref``
(collection references only: the values are matched on that field of the referenced
collection by the engine; see ``Payload.refs``).

Every key, transform and source option: docs/mapping-reference.md, written by
``python -m migrator.mapping.reference`` (``reference.py``).
"""

from migrator.mapping.compile import Mapping
from migrator.mapping.links import (
    Note,
    img_sources,
    index_options,
    link_rewriter,
    played_sources,
)
from migrator.mapping.load import load_mapping
from migrator.mapping.payload import Payload, RefHook, body_hash
from migrator.mapping.spec import Target
from migrator.mapping.transforms import TRANSFORMS, Transform, transform

# WordPress's transforms, by name: their module (and the WXR source it uses) is imported
# when a mapping first names one. tests/mapping/test_wordpress_transforms.py checks this
# list against what the module registers.
WORDPRESS_TRANSFORMS = (
    "wpautop",
    "shortcodes",
    "strip_blocks",
    "rebase_url",
    "pluck",
    "map",
    "qtranslate",
)
TRANSFORMS.later("migrator.mapping.wordpress_transforms", WORDPRESS_TRANSFORMS)

__all__ = [
    "TRANSFORMS",
    "Mapping",
    "Note",
    "Payload",
    "RefHook",
    "Target",
    "Transform",
    "body_hash",
    "img_sources",
    "index_options",
    "link_rewriter",
    "load_mapping",
    "played_sources",
    "transform",
]
