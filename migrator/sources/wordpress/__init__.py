"""WordPress exports (WXR): one record per ``<item>`` (``source.py`` lists the data keys).

``items.py`` turns one parsed element into data, ``php.py`` decodes PHP-serialized meta,
``media.py`` keeps every attachment on disk, ``ids.py`` the post ids and guids seen (in
bounded memory), ``recover.py`` repairs broken XML on the way in, ``qtranslate.py``
reads qTranslate's multi-language markup, ``describe.py`` is ``migrator inspect``'s
summary and starter mapping.
"""

from migrator.sources.wordpress.qtranslate import qtranslate_languages, qtranslate_text
from migrator.sources.wordpress.source import WxrSource, WxrStats

__all__ = ["WxrSource", "WxrStats", "qtranslate_languages", "qtranslate_text"]
