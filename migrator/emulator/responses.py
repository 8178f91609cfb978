"""Butter's error answers (Django REST Framework style), shared by reads and writes."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web


def dumps(obj: Any) -> str:
    return orjson.dumps(obj).decode()


def bad_request(errors: dict[str, Any]) -> web.HTTPBadRequest:
    """400 with ``{"detail": ...}`` or a field → list-of-messages object."""
    return web.HTTPBadRequest(text=dumps(errors), content_type="application/json")


def not_found(detail: str = "Not found.") -> web.HTTPNotFound:
    return web.HTTPNotFound(text=dumps({"detail": detail}), content_type="application/json")


def forbidden(detail: str) -> web.HTTPForbidden:
    """Butter's 403 is not only about auth: an invalid collection filter or order, or a ``*``
    page read matching several pages, answer 403 with a ``detail``."""
    return web.HTTPForbidden(text=dumps({"detail": detail}), content_type="application/json")


def unsupported_media_type(media_type: str) -> web.HTTPUnsupportedMediaType:
    """415 for a body no parser takes (DRF names the Content-Type header as sent)."""
    detail = f'Unsupported media type "{media_type}" in request.'
    return web.HTTPUnsupportedMediaType(
        text=dumps({"detail": detail}), content_type="application/json"
    )
