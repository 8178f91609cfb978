"""Settings every command reads the same way: tokens and mapping variables.

Tokens come from a file or the environment, never from the command line (where they would
land in the shell's history and the process list).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from migrator import log
from migrator.errors import ConfigError


def read_token(env: str, token_file: Path | None, *, what: str) -> str | None:
    """A token from ``token_file`` if given, else from the environment variable ``env``.

    The token is registered with ``log`` at once, so its value is redacted from every log
    line, error message and file written afterwards."""
    if token_file is not None:
        token: str | None = token_file.read_text(encoding="utf-8").strip()
        if not token:
            raise ConfigError(f"{what} token file is empty", file=token_file)
        where = str(token_file)
    else:
        token = (os.environ.get(env) or "").strip() or None
        where = env
    log.register_secret(token)
    if token and re.search(r"[\x00-\x20\x7f]", token):
        # It could not go into an Authorization header (and the message never shows it).
        raise ConfigError(f"the {what} token in {where} holds a space or a control character")
    return token


def parse_vars(pairs: Iterable[str]) -> dict[str, str]:
    """``--var NAME=VALUE`` pairs as a dict."""
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ConfigError(f"--var: expected NAME=VALUE, got {pair!r}")
        out[name] = value
    return out


# The real ButterCMS API (``--api-base``); here, not in ``butter``, so a command's help can
# show it without loading the HTTP client.
DEFAULT_BASE_URL = "https://api.buttercms.com/v2"

# Where runs keep their ledgers and reports unless told otherwise: one folder per target
# (``.migrator/api.buttercms.com/``, ``.migrator/127.0.0.1-8700/``), so a rehearsal and the
# live run never share a ledger by accident.
DEFAULT_STATE = Path(".migrator")


def check_api_base(url: str) -> str:
    """``url`` if it is an http(s) API base without credentials or a query; a token in it
    would reach logs, the state folder's name and the ledger (the message never shows it)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError("--api-base / BUTTER_API_BASE must be an http(s) URL with a host")
    if "@" in parts.netloc or parts.query or parts.fragment:
        raise ConfigError(
            "--api-base / BUTTER_API_BASE must hold no user, password or query: a token "
            "goes in BUTTER_WRITE_TOKEN / BUTTER_READ_TOKEN (or --token-file)"
        )
    return url


def normal_base(url: str) -> str:
    """``HTTPS://API.ButterCMS.com/v2/`` and ``https://api.buttercms.com/v2`` are one target."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{_host(url)}{parts.path.rstrip('/')}"


def _host(url: str) -> str:
    """``host[:port]`` of ``url``, lowercase; never a ``user:password@`` before it."""
    return urlsplit(url.strip()).netloc.rpartition("@")[2].lower()


def target_slug(url: str) -> str:
    """A folder name for a target's state: ``api.buttercms.com``, ``127.0.0.1-8700``."""
    netloc = _host(url) or "local"
    return re.sub(r"[^a-z0-9.]+", "-", netloc).strip("-")


def state_folder(state: Path | None, api_base: str) -> Path:
    """The folder of ``api_base``'s ledgers and reports (created when missing)."""
    folder = (state or DEFAULT_STATE) / target_slug(api_base)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
