"""Ghost exports and Content API responses: one record per post and page (``source.py``).

Bodies stored as documents are rendered the way Ghost renders its html: ``lexical.py``
(Ghost 5+), ``mobiledoc.py`` (Ghost 1–4), their cards in ``cards.py``.
"""

from migrator.sources.ghost.source import GhostSource

__all__ = ["GhostSource"]
