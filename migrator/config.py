"""Settings every command reads the same way: tokens and mapping variables.

Tokens come from a file or the environment, never from the command line (where they would
land in the shell's history and the process list).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from migrator.errors import ConfigError


def read_token(env: str, token_file: Path | None, *, what: str) -> str | None:
    """A token from ``token_file`` if given, else from the environment variable ``env``."""
    if token_file is not None:
        token = token_file.read_text(encoding="utf-8").strip()
        if not token:
            raise ConfigError(f"{what} token file is empty", file=token_file)
        return token
    return os.environ.get(env) or None


def parse_vars(pairs: Iterable[str]) -> dict[str, str]:
    """``--var NAME=VALUE`` pairs as a dict."""
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ConfigError(f"--var: expected NAME=VALUE, got {pair!r}")
        out[name] = value
    return out
