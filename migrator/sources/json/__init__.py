"""Any JSON document or NDJSON / JSON Lines file (``source.py``), and what every JSON
family (Contentful, Ghost, Sanity, Strapi) shares:

- ``stream.py``: streaming a document with ijson, item by item; NDJSON lines; sniffing;
  the ``describe()`` summary.
- ``scaffold.py``: the ``Scaffold`` a JSON source's ``scaffold(kind)`` returns and the
  ``Plan`` that writes it.
- ``sampled.py``: fields and their Butter types inferred from sampled values (for the
  formats without a schema).
- ``describe.py``: ``migrator inspect --scaffold`` for generic JSON and NDJSON.
"""

from migrator.sources.json.scaffold import Scaffold
from migrator.sources.json.source import JsonlSource, JsonSource, NdjsonSource

__all__ = ["JsonSource", "JsonlSource", "NdjsonSource", "Scaffold"]
