"""Settings every command reads the same way: tokens, mapping variables, the state folder,
and ``migrator.toml``'s profiles.

Tokens come from a file or the environment, never from the command line (where they would
land in the shell's history and the process list).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from migrator import log
from migrator.errors import ConfigError
from migrator.suggest import did_you_mean


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


# --- what the package ships ------------------------------------------------------------------

# The example mappings with their content model, and the sample exports they read, inside
# the installed package (in a checkout, migrator/mappings is a link to mappings/).
PACKAGE_DIR = Path(__file__).resolve().parent
EXAMPLE_MAPPINGS = PACKAGE_DIR / "mappings"
SAMPLES = PACKAGE_DIR / "samples"


def default_model() -> Path:
    """``mappings/content-model.toml`` here (a project `migrator init` wrote, or this
    repository), else the example model the package ships."""
    here = Path("mappings") / "content-model.toml"
    return here if here.is_file() else EXAMPLE_MAPPINGS / "content-model.toml"


# --- migrator.toml: settings per profile -----------------------------------------------------

CONFIG_NAME = "migrator.toml"

# Key → what its value must be. Tokens themselves never: only where to find them.
SETTING_KEYS = {
    "api_base": "an http(s) URL",
    "token_file": "a path to the file holding the write token",
    "token_env": "the name of the environment variable holding the write token",
    "read_token_file": "a path to the file holding the read token",
    "read_token_env": "the name of the environment variable holding the read token",
    "rate": "a number of requests per second, above 0",
    "concurrency": "a whole number of requests in flight, 1 or more",
    "canary": "a whole number of records, 0 or more",
    "state": "a path to the state folder",
}
# Keys that would hold a token itself (checked before "unknown key").
_SECRET_KEY = re.compile(r"token|secret|password|api_key|apikey", re.IGNORECASE)
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Settings:
    """What ``migrator.toml`` says for the chosen profile: ``defaults`` are the commands'
    option values (click's ``default_map``, so a flag or its environment variable still
    wins); the token variables are read only when neither a flag nor the usual variable
    names a token."""

    path: Path | None = None
    profile: str | None = None
    defaults: dict[str, object] = field(default_factory=dict)
    token_env: str | None = None
    read_token_env: str | None = None


def find_config(given: Path | None) -> Path | None:
    """``given`` (--config / MIGRATOR_CONFIG), else ``migrator.toml`` here, else none."""
    if given is not None:
        if not given.is_file():
            raise ConfigError("configuration file not found", file=given)
        return given
    here = Path(CONFIG_NAME)
    return here if here.is_file() else None


def load_settings(path: Path | None, profile: str | None) -> Settings:
    """The settings of ``profile`` (over ``[defaults]``) in the file ``path``."""
    if path is None:
        if profile is not None:
            raise ConfigError(
                f"--profile {profile}: no {CONFIG_NAME} here; write one (`migrator init`) or "
                "name it with --config / MIGRATOR_CONFIG"
            )
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read it: {exc}", file=path) from None
    for key in data:
        if key not in ("defaults", "profile"):
            hint = did_you_mean(key, ("defaults", "profile"))
            raise ConfigError(
                f"unknown table [{key}]{hint} (a config file has [defaults] and "
                "[profile.<name>] tables)",
                file=path,
            )
    tables: list[tuple[str, object]] = [("defaults", data.get("defaults", {}))]
    profiles = data.get("profile", {})
    if not isinstance(profiles, dict):
        raise ConfigError("profile must be tables: [profile.<name>]", file=path)
    if profile is not None:
        if profile not in profiles:
            known = ", ".join(sorted(profiles)) or "none"
            hint = did_you_mean(profile, profiles)
            raise ConfigError(f"no [profile.{profile}]{hint} (profiles: {known})", file=path)
        tables.append((f"profile.{profile}", profiles[profile]))
    merged: dict[str, object] = {}
    for table, values in tables:
        if not isinstance(values, dict):
            raise ConfigError(f"[{table}] must be a table of settings", file=path)
        checked = {key: _setting(path, table, key, value) for key, value in values.items()}
        # A profile's token (a file or a variable) replaces the defaults' either way.
        for prefix in ("", "read_"):
            if {f"{prefix}token_file", f"{prefix}token_env"} & checked.keys():
                merged.pop(f"{prefix}token_file", None)
                merged.pop(f"{prefix}token_env", None)
        merged.update(checked)
    token_env = merged.pop("token_env", None)
    read_token_env = merged.pop("read_token_env", None)
    return Settings(
        path=path,
        profile=profile,
        defaults=merged,
        token_env=str(token_env) if token_env is not None else None,
        read_token_env=str(read_token_env) if read_token_env is not None else None,
    )


def _setting(path: Path, table: str, key: str, value: object) -> object:
    """``value`` checked and converted (paths relative to the config file's folder)."""
    where = f"[{table}] {key}"
    if key not in SETTING_KEYS:
        if _SECRET_KEY.search(key):
            if isinstance(value, str):
                log.register_secret(value)  # redacted wherever it might surface
            raise ConfigError(
                f"{where}: a token does not go in the config file (it is often committed "
                "or shared); name the file holding it (token_file, read_token_file) or the "
                "environment variable (token_env, read_token_env)",
                file=path,
            )
        hint = did_you_mean(key, SETTING_KEYS)
        known = ", ".join(SETTING_KEYS)
        raise ConfigError(f"{where}: unknown key{hint} (known keys: {known})", file=path)
    expected = SETTING_KEYS[key]
    bad = ConfigError(f"{where}: expected {expected}", file=path)
    if key in ("rate",):
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise bad
        return float(value)
    if key in ("concurrency", "canary"):
        low = 1 if key == "concurrency" else 0
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise bad
        return value
    if not isinstance(value, str) or not value.strip():
        raise bad
    if key.endswith("token_env"):
        if not _ENV_NAME.fullmatch(value):
            raise bad  # never shown: it could be a token pasted in the wrong place
        return value
    if key == "api_base":
        try:
            return check_api_base(value)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}", file=path) from None
    resolved = path.parent / Path(value).expanduser()
    if key.endswith("token_file") and not resolved.is_file():
        raise ConfigError(f"{where}: no such file: {resolved}", file=path)
    return resolved
