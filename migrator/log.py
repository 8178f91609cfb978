"""Logging, configured once: readable on a terminal, JSON lines (orjson) otherwise.

Every event goes through ``redact_secrets`` so a token never reaches a log line,
whatever a caller binds or passes.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import orjson
import structlog

_SECRET_KEYS = re.compile(r"(token|authorization|password|secret|api_key)", re.IGNORECASE)
# "Token abc", "auth_token=abc", "Bearer abc" inside free text (URLs, headers, messages).
_SECRET_IN_TEXT = re.compile(
    r"(?P<k>auth_token=|[Tt]oken\s+|Bearer\s+|token[\"']?\s*[:=]\s*[\"']?)(?P<v>[^\s&\"',}]+)"
)
REDACTED = "[REDACTED]"


def redact_text(text: str) -> str:
    return _SECRET_IN_TEXT.sub(lambda m: m.group("k") + REDACTED, text)


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {
            k: (REDACTED if isinstance(k, str) and _SECRET_KEYS.search(k) else _redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact(v) for v in value]
    return value


def redact_secrets(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: blank out token-like keys and token-looking text."""
    for key in list(event_dict):
        if _SECRET_KEYS.search(key) and key != "event":
            event_dict[key] = REDACTED
        else:
            event_dict[key] = _redact(event_dict[key])
    return event_dict


def _orjson_dumps(obj: Any, default: Any = None) -> str:
    return orjson.dumps(obj, default=default or str).decode()


def configure(
    *, json: bool | None = None, level: str = "info", stream: TextIO | None = None
) -> None:
    """Set up structlog. ``json=None`` picks JSON when the stream is not a terminal."""
    stream = stream or sys.stderr
    if json is None:
        json = not stream.isatty()
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_secrets,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(serializer=_orjson_dumps)
        if json
        else structlog.dev.ConsoleRenderer(colors=stream.isatty())
    )
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(file=stream),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str | None = None, **bound: Any) -> Any:
    log = structlog.get_logger(name)
    return log.bind(**bound) if bound else log
