"""Logging, configured once: readable on a terminal, JSON lines (orjson) otherwise; and
redaction of secrets.

Every event goes through ``redact_secrets`` so a token never reaches a log line,
whatever a caller binds or passes. Tokens are registered (``register_secret``) where they
are read, so their values are hidden wherever they appear; patterns catch the rest
(``auth_token=...``). Only the secret is replaced, never the words around it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO, cast

_SECRET_KEYS = re.compile(r"(token|authorization|password|secret|api_key)", re.IGNORECASE)
_CHARS = r"[A-Za-z0-9._~+/=-]"  # what a token, key or password in a URL is made of
# A secret by its context, for values nobody registered: a key and 3 characters or more
# (auth_token=abc, "write_token": "abc", password: abc), or a header value of 6 characters
# with a digit (Token abc123, Bearer abc123; "Token expired" stays a sentence).
_SECRET_IN_TEXT = re.compile(
    rf"(?P<k>\b\w*(?:token|password|secret|api_key)[\"']?\s*[:=]\s*[\"']?(?={_CHARS}{{3}})"
    rf"|\b(?-i:Token|Bearer)\s+(?={_CHARS}*\d)(?={_CHARS}{{6}}))(?P<v>{_CHARS}+)",
    re.IGNORECASE,
)
# Every match of the pattern holds one of these: text without any skips the regex, which
# costs a preview line (one per record in a dry run) ~50 µs.
_TRIGGERS = ("token", "password", "secret", "api_key", "bearer")
REDACTED = "[REDACTED]"
_REDACTED_UTF8 = REDACTED.encode()
_secrets: set[str] = set()
_longest_first: tuple[str, ...] = ()  # _secrets sorted once, not on every line redacted
_longest_first_utf8: tuple[bytes, ...] = ()  # the same in UTF-8
_TRIGGERS_UTF8 = tuple(t.encode() for t in _TRIGGERS)
# The UTF-8 of the only characters whose str.lower() holds an ASCII letter (İ -> i̇,
# Kelvin K -> k): bytes.lower() leaves them, so a line with one is redacted as text.
_LOWER_TO_ASCII = ("\u0130".encode(), "\u212a".encode())


def register_secret(value: str | None) -> None:
    """Redact ``value`` wherever it turns up from now on (logs, errors, failure files):
    called where a token is read, so a token is hidden even where no pattern knows it."""
    global _longest_first, _longest_first_utf8
    if value and len(value.strip()) >= 4:  # a shorter one would blank ordinary words
        _secrets.add(value.strip())
        _longest_first = tuple(sorted(_secrets, key=len, reverse=True))
        _longest_first_utf8 = tuple(s.encode(errors="surrogatepass") for s in _longest_first)


def redact_text(text: str) -> str:
    """``text`` with every registered secret and every token-looking value replaced by
    ``[REDACTED]``; the rest of the text stays as it was."""
    for secret in _longest_first:
        if secret in text:
            text = text.replace(secret, REDACTED)
    lowered = text.lower()
    for trigger in _TRIGGERS:  # a plain loop: this runs on every line of every report
        if trigger in lowered:
            return _SECRET_IN_TEXT.sub(lambda m: m.group("k") + REDACTED, text)
    return text


def redact_utf8(data: bytes) -> bytes:
    """``redact_text`` of UTF-8 text (a JSON line as orjson writes it), without decoding
    it: a registered secret is the same substring in bytes, and a line in which no
    trigger word is found, even by ``str.lower()``, has nothing else to redact."""
    original = data
    for secret in _longest_first_utf8:
        if secret in data:
            data = data.replace(secret, _REDACTED_UTF8)
    lowered = data.lower()
    for trigger in _TRIGGERS_UTF8:
        if trigger in lowered:
            return redact_text(original.decode()).encode()
    if not data.isascii() and (_LOWER_TO_ASCII[0] in data or _LOWER_TO_ASCII[1] in data):
        return redact_text(original.decode()).encode()
    return data


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


class RedactedStream:
    """A text stream that writes ``redact_text`` of what it is given (the CLI's stdout and
    stderr: summaries, error messages, tracebacks, log lines); the rest is the stream's."""

    def __init__(self, stream: TextIO):
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(redact_text(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, flush, encoding...
        return getattr(self.stream, name)


def redact_output() -> None:
    """From now on, whatever is printed to stdout or stderr is redacted."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if not isinstance(stream, RedactedStream):
            setattr(sys, name, RedactedStream(stream))


class _Stderr:
    """Whatever ``sys.stderr`` is when a line is written, not when logging was set up: while
    the progress display shows, rich puts a proxy there that prints each line above the bar
    (``Live(redirect_stderr=True)``), so a log line never lands in the middle of it."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


def _orjson_dumps(obj: Any, default: Any = None) -> str:
    import orjson

    return orjson.dumps(obj, default=default or str).decode()


# structlog (and the rich modules it pulls in) takes a fifth of a second to import: `migrator
# --help`, and a run that logs nothing at its level, must not pay it. The setup waits here
# until a line at a shown level is logged, unless structlog is loaded already.
_pending: tuple[bool, str, TextIO] | None = None
_json_lines = False  # what ``configure`` last chose: JSON lines or the console renderer
# logging's numbers, not imported from it (``logging`` costs an import too)
_LEVELS = {"debug": 10, "info": 20, "warning": 30, "warn": 30, "error": 40, "critical": 50}
_METHOD_LEVELS = {**_LEVELS, "exception": 40, "fatal": 50}
# Below this, a line is not shown, so structlog need not load to drop it. 0 until
# ``configure`` is called: every line shown, as structlog's own default does.
_shown_from = 0


def configure(
    *, json: bool | None = None, level: str = "info", stream: TextIO | None = None
) -> None:
    """Set up structlog. ``json=None`` picks JSON when the stream is not a terminal.
    No ``stream``: stderr, as it is at each line (``_Stderr``)."""
    global _pending, _json_lines, _shown_from
    stream = stream or cast(TextIO, _Stderr())
    if json is None:
        json = not stream.isatty()
    _pending = (json, level, stream)
    _json_lines = json
    # an unknown level shows everything, so structlog loads and ``_apply`` reports it
    _shown_from = _LEVELS.get(level.lower(), 0)
    if "structlog" in sys.modules:
        _structlog()


def json_lines() -> bool:
    """Whether logs are JSON lines (``--log-json``, or not a terminal): a run then logs
    its summary as one event too, for log pipelines."""
    return _json_lines


def _structlog() -> Any:
    """structlog, set up as ``configure`` last asked."""
    global _pending
    import structlog

    if _pending is not None:
        json, level, stream = _pending
        _pending = None
        _apply(structlog, json=json, level=level, stream=stream)
    return structlog


def _apply(structlog: Any, *, json: bool, level: str, stream: TextIO) -> None:
    import logging

    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        # Tracebacks become text first, so their messages are redacted too.
        structlog.processors.format_exc_info,
        redact_secrets,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(serializer=_orjson_dumps)
        if json
        else structlog.dev.ConsoleRenderer(colors=stream.isatty())
    )
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(file=stream),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str | None = None, **bound: Any) -> Any:
    """A structlog logger named ``name`` with ``bound`` context; structlog itself is
    imported when the first line at a shown level is logged (``_Logger``)."""
    return _Logger(name, bound)


class _Logger:
    """Stands in for a structlog bound logger until a line needs one: a line below the
    configured level is dropped here (structlog's filtering logger would drop it too)."""

    __slots__ = ("_bound", "_name", "_real")

    def __init__(self, name: str | None, bound: dict[str, Any]) -> None:
        self._name = name
        self._bound = bound
        self._real: Any = None

    def bind(self, **more: Any) -> _Logger:
        return _Logger(self._name, {**self._bound, **more})

    def _logger(self) -> Any:
        if self._real is None:
            log = _structlog().get_logger(self._name)
            # a lazy proxy without context: it follows structlog's configuration as it is
            # at each line, as ``structlog.get_logger`` does
            self._real = log.bind(**self._bound) if self._bound else log
        return self._real

    def __getattr__(self, method: str) -> Any:
        level = _METHOD_LEVELS.get(method)
        if level is not None and level < _shown_from and "structlog" not in sys.modules:
            return _drop
        return getattr(self._logger(), method)


def _drop(*_args: Any, **_kw: Any) -> None:
    return None
