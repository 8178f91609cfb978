"""Command-line options that several commands take the same way (``run``, ``verify``,
``emulator``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

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
