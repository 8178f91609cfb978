"""Which ButterCMS a ledger belongs to.

A ledger says what *one* target accepted. Used against another (a rehearsal's emulator,
then the real account; one account, then another on the same API), it would skip every
record as "unchanged" and migrate nothing. So the first run that writes to a ledger binds
it to its API base and a salted hash of the write token (never the token itself), and a
later run against anything else is refused before a single call.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass

from migrator.config import normal_base
from migrator.errors import ConfigError

CREATE = """
CREATE TABLE IF NOT EXISTS target (
    api_base TEXT NOT NULL, token_salt TEXT NOT NULL, token_hash TEXT NOT NULL,
    bound_at TEXT NOT NULL
)"""


class TargetMismatch(ConfigError):
    """This ledger belongs to another ButterCMS (exit 2)."""


@dataclass(frozen=True)
class Binding:
    api_base: str
    token_salt: str
    token_hash: str
    bound_at: str

    def same_token(self, token: str) -> bool:
        return hmac.compare_digest(self.token_hash, token_hash(token, self.token_salt))


def token_hash(token: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{token}".encode()).hexdigest()


def read_binding(conn: sqlite3.Connection) -> Binding | None:
    try:
        row = conn.execute(
            "SELECT api_base, token_salt, token_hash, bound_at FROM target LIMIT 1"
        ).fetchone()
    except sqlite3.OperationalError:  # a ledger from before targets were recorded
        return None
    return Binding(*row) if row else None


def check_binding(binding: Binding, api_base: str, token: str | None, ledger: str) -> None:
    """Raise ``TargetMismatch`` unless ``api_base`` (and ``token``, when given) are the
    ones the ledger was bound to."""
    if normal_base(api_base) != binding.api_base:
        what = f"API {binding.api_base}, not {normal_base(api_base)}"
    elif token is not None and not binding.same_token(token):
        what = f"{binding.api_base} with another write token (another account?)"
    else:
        return
    raise TargetMismatch(
        f"{ledger} belongs to another ButterCMS target ({what}), bound {binding.bound_at}. "
        "It records what that target accepted: used here, it would skip records this one "
        "never received. Keep each target's state apart: the default state folder is per "
        "API (.migrator/<target>/), or give --state DIR (or --ledger PATH) for this target. "
        "If this is the same account with a rotated token, run once with --rebind."
    )


def new_binding(api_base: str, token: str, bound_at: str) -> Binding:
    salt = secrets.token_hex(16)
    return Binding(normal_base(api_base), salt, token_hash(token, salt), bound_at)
