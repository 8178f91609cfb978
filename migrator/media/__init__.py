"""Media: check, before anything is sent, that ButterCMS will be able to fetch every media
URL a run sends (``migrator run --check-media``).

    report = await check_media(source.records(), compiled, model, CheckOptions(rate=10))
    compiled = guard(compiled, report.reasons())   # a dead URL → RecordError

``media_urls(payload, model)`` lists a payload's media URLs; ``MediaChecker`` asks one URL.
"""

from migrator.media.check import CheckOptions, MediaChecker, UrlCheck
from migrator.media.prepass import (
    MediaGuard,
    MediaProblem,
    MediaReport,
    check_media,
    describe,
    guard,
)
from migrator.media.urls import media_urls

__all__ = [
    "CheckOptions",
    "MediaChecker",
    "MediaGuard",
    "MediaProblem",
    "MediaReport",
    "UrlCheck",
    "check_media",
    "describe",
    "guard",
    "media_urls",
]
