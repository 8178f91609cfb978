"""Link rewriting: the old site's URLs in HTML fields → the new site's paths.

A mapping's ``links`` rules (``rules``) say where each kind of record lives now; the
engine reads the whole export once to index its records' old URLs (``index``; a run
passes the records it reads anyway, and keeps them for planning), then
compiles the mapping with a rewriter (``rewrite``) that changes ``href``/``src``/
``srcset`` values (``html``) and notes what it could not map.

Within ``migrator.mapping``: ``rules`` builds on ``spec``/``values``, and ``compile``/
``load`` build on these modules; other packages import from ``migrator.mapping``.
"""

from migrator.mapping.links.html import img_sources, played_sources
from migrator.mapping.links.index import LinkIndex, index_options
from migrator.mapping.links.rewrite import LinkRewriter, Note, link_rewriter
from migrator.mapping.links.rules import LinkRules

__all__ = [
    "LinkIndex",
    "LinkRewriter",
    "LinkRules",
    "Note",
    "img_sources",
    "index_options",
    "link_rewriter",
    "played_sources",
]
