"""Command-line options that several commands take the same way (``run``, ``verify``,
``status``, ``emulator``), and the settings of ``migrator.toml`` behind them."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

if TYPE_CHECKING:
    from migrator.config import Settings

F = TypeVar("F", bound=Callable[..., object])


def state_option(f: F) -> F:
    return click.option(
        "--state",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="MIGRATOR_STATE",
        help="Folder of the ledgers and reports, one subfolder per target (default: "
        ".migrator/, so .migrator/api.buttercms.com/<mapping>.ledger.sqlite; env "
        "MIGRATOR_STATE).",
    )(f)


def settle_options(f: F) -> F:
    """--settle-delay and --settle-timeout: how a write whose answer was lost is settled."""
    f = click.option(
        "--settle-timeout",
        type=float,
        default=300.0,
        show_default=True,
        help="Seconds Butter may take to apply a write and its read cache to catch up: a "
        "write whose answer was lost is sent again only if a read-back generated this long "
        "after it still misses it (reads back at growing intervals until then).",
    )(f)
    return click.option(
        "--settle-delay",
        type=float,
        default=20.0,
        show_default=True,
        help="Seconds to let Butter apply a write before reading it back.",
    )(f)


def media_reach_options(f: F) -> F:
    """--allow-private-media and --allow-media-host: media URLs on this machine or its
    networks, refused by default (``migrator.netguard``)."""
    f = click.option(
        "--allow-media-host",
        "allow_media_hosts",
        multiple=True,
        metavar="HOST|CIDR",
        help="Let media URLs on this host name or network through although it is on this "
        "machine or a private network, e.g. media.intranet or 10.1.0.0/16 (repeatable).",
    )(f)
    return click.option(
        "--allow-private-media",
        is_flag=True,
        help="Let media URLs on this machine or its private networks through (loopback, "
        "private, link-local...; cloud metadata addresses stay refused unless named by "
        "--allow-media-host). Refused by default: an export could make this machine probe "
        "its intranet.",
    )(f)


SETTINGS_KEY = "migrator.settings"


def profile_options(f: F) -> F:
    """--config and --profile: ``migrator.toml``'s settings become the command's defaults,
    so a flag, then its environment variable, still wins (click's ``default_map``)."""

    def remember(ctx: click.Context, param: click.Parameter, value: object) -> object:
        # Both are eager: the file is read once both are known, before any other option.
        ctx.meta[f"{SETTINGS_KEY}.{param.name}"] = value
        if all(f"{SETTINGS_KEY}.{name}" in ctx.meta for name in ("config_path", "profile")):
            from migrator.config import find_config, load_settings

            path = find_config(ctx.meta[f"{SETTINGS_KEY}.config_path"])
            settings = load_settings(path, ctx.meta[f"{SETTINGS_KEY}.profile"])
            ctx.meta[SETTINGS_KEY] = settings
            ctx.default_map = {**(ctx.default_map or {}), **settings.defaults}
        return value

    f = _target_agrees(f)
    f = click.option(
        "--profile",
        envvar="MIGRATOR_PROFILE",
        is_eager=True,
        expose_value=False,
        callback=remember,
        metavar="NAME",
        help="Use the settings of [profile.NAME] in migrator.toml over its [defaults] "
        "(env MIGRATOR_PROFILE). A flag or its environment variable still wins.",
    )(f)
    return click.option(
        "--config",
        "config_path",
        envvar="MIGRATOR_CONFIG",
        type=click.Path(dir_okay=False, path_type=Path),
        is_eager=True,
        expose_value=False,
        callback=remember,
        help="Settings file: api_base, token_file/token_env, rate, concurrency, canary, "
        "state, per profile (default: ./migrator.toml when there is one; env MIGRATOR_CONFIG).",
    )(f)


def _target_agrees(f: F) -> F:
    """A profile naming one API base and an exported BUTTER_API_BASE naming another: refused,
    not settled by precedence. ``--profile rehearsal`` in a shell where a live URL is
    exported would otherwise write to the live account."""

    @functools.wraps(f)
    def checked(*args: object, **kwargs: object) -> object:
        ctx = click.get_current_context()
        chosen = settings()
        profiled = chosen.defaults.get("api_base")
        source = ctx.get_parameter_source("api_base")
        if (
            chosen.profile
            and isinstance(profiled, str)
            and source is click.core.ParameterSource.ENVIRONMENT
        ):
            from migrator.config import normal_base
            from migrator.errors import ConfigError

            given = str(ctx.params["api_base"])
            if normal_base(given) != normal_base(profiled):
                raise ConfigError(
                    f"[profile.{chosen.profile}] api_base is {profiled}, but BUTTER_API_BASE "
                    f"says {given}: which target is meant? Unset BUTTER_API_BASE, or give "
                    "--api-base",
                    file=chosen.path,
                )
        return f(*args, **kwargs)

    return checked  # type: ignore[return-value]


def settings() -> Settings:
    """The settings --config / --profile loaded for the running command."""
    from migrator.config import Settings

    found = click.get_current_context().meta.get(SETTINGS_KEY)
    return found if isinstance(found, Settings) else Settings()


def token_source(option: str, env: str) -> tuple[str, Path | None]:
    """Where the token of ``option`` (``token_file``, ``read_token_file``) is read from, as
    ``config.read_token``'s (variable, file): the flag's file, else the variable ``env``
    when set, else the profile's file or variable."""
    ctx = click.get_current_context()
    file = ctx.params.get(option)
    path = file if isinstance(file, Path) else None
    if ctx.get_parameter_source(option) is click.core.ParameterSource.COMMANDLINE:
        return env, path
    if os.environ.get(env, "").strip():
        return env, None
    if path is not None:
        return env, path
    chosen = settings()
    profile_env = chosen.read_token_env if option.startswith("read_") else chosen.token_env
    return profile_env or env, None
