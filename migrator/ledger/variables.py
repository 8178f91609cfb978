"""The mapping variables (``--var``) a run used, so ``verify`` maps the records as the run
did without being told them again.

Kept in a table of their own, created by the first run that has one (a ledger without it
simply has none remembered). A value that looks like a secret — its name says token,
password, secret or api_key, or it holds a registered token or a token-shaped string —
is never written: its name is kept with no value, so verify can say to give it again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from migrator.log import redact_text

CREATE = "CREATE TABLE IF NOT EXISTS variables (name TEXT PRIMARY KEY, value TEXT)"


def looks_secret(name: str, value: str) -> bool:
    """Would the logs redact it? Then it is not stored either."""
    text = f"{name}={value}"
    return redact_text(text) != text


def storable(values: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """(name, value) rows; None where the value is not kept."""
    return [(k, None if looks_secret(k, v) else v) for k, v in sorted(values.items())]


def read_variables(conn: sqlite3.Connection) -> dict[str, str | None]:
    try:
        rows = conn.execute("SELECT name, value FROM variables").fetchall()
    except sqlite3.OperationalError:  # no run remembered any
        return {}
    return dict(rows)
