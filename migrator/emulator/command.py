"""``migrator emulator``: run a local ButterCMS until stopped (Ctrl-C or SIGTERM)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from migrator.command_options import media_reach_options
from migrator.config import default_model
from migrator.emulator.config import (
    CAP_KINDS,
    MEDIA_MAX_BYTES,
    MEDIA_TIMEOUT,
    POST_DATES,
    REALISTIC,
    EmulatorConfig,
    Faults,
    Realism,
)
from migrator.errors import ConfigError
from migrator.model import load_content_model

RATE = click.FloatRange(0.0, 1.0)
EXAMPLE = """\b
As harsh as Butter:
  migrator emulator --realistic --seed 7
  migrator emulator --realistic --apply-delay 1 5 --read-cache-ttl 30 --no-strict-reads
Example:
  migrator emulator --sample-media    # serves images for the example mappings
  migrator emulator --model mappings/content-model.toml --port 8700 \\
      --write-token w --read-token r --delay 2 --error-rate 0.05 --seed 7
"""
# Realism's on/off switches: (field, what it does). --realistic turns each on; --no-<flag>
# turns one off again.
SWITCHES = (
    (
        "late_deletes",
        "DELETE answers 204 but the soft delete waits in the background queue like a write: "
        "a read right after the 204 still finds the item.",
    ),
    (
        "cache_ignores_query_params",
        "With the read cache: query parameters the Read API does not know are left out of "
        "the cache key, so a cache-buster parameter does not bypass the cache.",
    ),
    (
        "cache_preview",
        "With the read cache: preview=1 reads are cached too (otherwise they bypass it).",
    ),
    (
        "strict_reads",
        "403 for a collection filter or order on an unknown or unfilterable field "
        "(media, reference), and for a /v2/pages/*/<slug>/ read matching several pages "
        "('Multiple pages found').",
    ),
    (
        "require_locale",
        "In an account with several locales, a single-locale page create without ?locale= "
        "is accepted (202), then fails in the background.",
    ),
    (
        "status_per_locale",
        "Each locale version of a page is published on its own: a ?locale=es write with "
        "status changes only es; reads with locale= see that version's status.",
    ),
    (
        "items_draft_by_default",
        "A collection item created without status is a draft (invisible without preview=1).",
    ),
    (
        "post_slug_renames",
        "PATCH /v2/posts/<slug>/ with another slug moves the post to it.",
    ),
)


def _realism_options(command: Callable[..., Any]) -> Callable[..., Any]:
    low, high = REALISTIC.apply_delay or (0.0, 0.0)
    options = [
        click.option(
            "--realistic",
            is_flag=True,
            help="Behave as harshly as the real Butter: every switch below on, with the "
            "values it names (each flag still overrides).",
        ),
        click.option(
            "--apply-delay",
            type=(click.FloatRange(min=0), click.FloatRange(min=0)),
            default=None,
            metavar="MIN MAX",
            help="Each write (and late delete) waits its own delay drawn from MIN..MAX "
            "seconds, so writes complete out of order; replaces --delay. "
            f"--realistic: {low:g} {high:g}.",
        ),
        click.option(
            "--read-cache-ttl",
            type=click.FloatRange(min=0),
            default=None,
            metavar="SECONDS",
            help="Serve GET answers (200 and 404) from a cache keyed by the full URL for "
            "this long, stale even after a write, with Age and X-Cache: HIT; 0 = no "
            f"cache. --realistic: {REALISTIC.read_cache_ttl:g}.",
        ),
        click.option(
            "--post-dates",
            type=click.Choice(POST_DATES),
            default=None,
            help="What a post's `published` date does: honour keeps it (the default); "
            "ignore keeps the emulator's own date (the time of apply), silently; refuse "
            'answers 400 {"published": [...]} to a create or update carrying it. Butter\'s '
            f"docs do not say. --realistic: {REALISTIC.post_dates}.",
        ),
    ]
    for name, text in SWITCHES:
        flag = name.replace("_", "-")
        options.append(
            click.option(
                f"--{flag}/--no-{flag}", name, default=None, help=f"{text} --realistic: on."
            )
        )
    for option in reversed(options):
        command = option(command)
    return command


def _realism(
    realistic: bool,
    apply_delay: tuple[float, float] | None,
    read_cache_ttl: float | None,
    post_dates: str | None,
    switches: dict[str, bool | None],
) -> Realism:
    given: dict[str, Any] = {k: v for k, v in switches.items() if v is not None}
    if post_dates is not None:
        given["post_dates"] = post_dates
    if apply_delay is not None:
        given["apply_delay"] = apply_delay
    if read_cache_ttl is not None:
        given["read_cache_ttl"] = read_cache_ttl
    return replace(REALISTIC if realistic else Realism(), **given)


def _caps(values: tuple[str, ...]) -> dict[str, int]:
    caps = {}
    for value in values:
        kind, _, number = value.partition("=")
        if kind not in CAP_KINDS or not number.isdigit():
            raise click.BadParameter(
                f"expected KIND=N with KIND one of {', '.join(CAP_KINDS)}, got {value!r}",
                param_hint="--cap",
            )
        caps[kind] = int(number)
    return caps


@click.command("emulator", epilog=EXAMPLE)
@click.option(
    "--model",
    "model_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Content model file: the page types, collections, locales and authors to emulate "
    "(default: mappings/content-model.toml when here, else the example model migrator ships).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8700,
    show_default=True,
    help="Port to listen on; 0 picks a free one (see the 'listening on' line).",
)
@click.option("--write-token", default="w-token", show_default=True, help="Token for writes.")
@click.option("--read-token", default="r-token", show_default=True, help="Token for reads.")
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Start with the content saved in FILE (pages, collection items, posts, media, ids, "
    "failures, writes not applied yet), none if it does not exist yet, and save the state "
    "there on Ctrl-C or SIGTERM and on POST /_emulator/save (written whole: a temporary "
    "file, then renamed). `migrator demo --state FILE` writes one to serve.",
)
@click.option(
    "--delay",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    metavar="SECONDS",
    help="Seconds between a 202 and the write being applied, the same for every write, so "
    "writes apply in order (Butter: a few seconds; see --apply-delay).",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed for every random fault and drawn apply delay, so a failing rehearsal can be "
    "replayed.",
)
@click.option(
    "--duplicate-slugs",
    type=click.Choice(["fail", "overwrite"]),
    default="fail",
    show_default=True,
    help="What a create with an existing page or post slug does.",
)
@click.option(
    "--webhook",
    "webhooks",
    multiple=True,
    metavar="URL",
    help="POST every page, post and collection item event here (repeatable).",
)
@click.option(
    "--quota",
    type=click.IntRange(min=0),
    metavar="CALLS",
    help="Monthly API call quota; beyond it every call gets 429 with a long Retry-After.",
)
@click.option(
    "--throttle",
    type=click.IntRange(min=1),
    metavar="PER_SECOND",
    help="Calls allowed per second; beyond it 429 with a short Retry-After.",
)
@click.option(
    "--error-rate",
    type=RATE,
    default=0.0,
    show_default=True,
    help="Share of calls answered with a random 500/502/503.",
)
@click.option(
    "--latency",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    metavar="SECONDS",
    help="Seconds added before every answer.",
)
@click.option(
    "--drop-before",
    type=RATE,
    default=0.0,
    show_default=True,
    help="Share of writes whose connection is cut before the write is accepted.",
)
@click.option(
    "--drop-after",
    type=RATE,
    default=0.0,
    show_default=True,
    help="Share of writes whose connection is cut after the write is accepted "
    "(applied, but the client never sees the 202).",
)
@click.option(
    "--cap",
    "caps",
    multiple=True,
    metavar="KIND=N",
    help="Plan content cap, overriding the model's [limits]: pages=5, "
    "collection_items=50 or posts=50 (repeatable).",
)
@click.option(
    "--media-max-mb",
    type=click.FloatRange(min=0, min_open=True),
    default=MEDIA_MAX_BYTES / (1024 * 1024),
    show_default=True,
    metavar="MB",
    help="A media download larger than this fails its item.",
)
@click.option(
    "--media-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=MEDIA_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="A media download taking longer than this fails its item.",
)
@click.option(
    "--blog-url",
    default="",
    metavar="URL",
    help="The account's blog URL, which posts' `url` and the feeds' links follow: "
    "'https://example.com/blog/{slug}' (a URL without {slug} gets /{slug}). Default: none, "
    "as an account without one (lists give /<slug>, a single post null).",
)
@click.option(
    "--sample-media",
    is_flag=True,
    help="Stand in for the old site's image host: GET /_emulator/media/<name> answers a small "
    "PNG of its own for every name, and the emulator downloads from itself (the example "
    "mappings' default media_base points here, so a rehearsal's media arrive).",
)
@media_reach_options
@_realism_options
def emulator_command(
    model_path: str | None,
    host: str,
    port: int,
    write_token: str,
    read_token: str,
    state_file: Path | None,
    delay: float,
    seed: int,
    duplicate_slugs: str,
    webhooks: tuple[str, ...],
    quota: int | None,
    throttle: int | None,
    error_rate: float,
    latency: float,
    drop_before: float,
    drop_after: float,
    caps: tuple[str, ...],
    media_max_mb: float,
    media_timeout: float,
    blog_url: str,
    allow_private_media: bool,
    allow_media_hosts: tuple[str, ...],
    sample_media: bool,
    realistic: bool,
    apply_delay: tuple[float, float] | None,
    read_cache_ttl: float | None,
    post_dates: str | None,
    **switches: bool | None,
) -> None:
    """Run a local ButterCMS for rehearsals: same API, same asynchronous writes, same
    failures, plus faults on demand. State: GET /_emulator/state.

    By default the emulator is kinder than Butter; --realistic (or the single switches)
    makes it as harsh as the real one: slow out-of-order writes, late deletes, a stale read
    cache, 403s, per-locale status and Butter's defaults. Random draws follow --seed.

    Media URLs are downloaded as Butter does, from public addresses only: media served
    from this machine or a private network fail their item unless --allow-private-media
    or --allow-media-host lets them through.
    """
    faults = Faults(
        monthly_quota=quota,
        throttle_per_second=throttle,
        error_rate=error_rate,
        latency=latency,
        drop_before_rate=drop_before,
        drop_after_rate=drop_after,
        caps=_caps(caps),
    )
    try:
        config = EmulatorConfig(
            load_content_model(model_path or default_model()),
            write_token=write_token,
            read_token=read_token,
            delay=delay,
            seed=seed,
            faults=faults,
            realism=_realism(realistic, apply_delay, read_cache_ttl, post_dates, switches),
            duplicate_slugs=duplicate_slugs,
            webhooks=webhooks,
            host=host,
            port=port,
            media_allow_private=allow_private_media,
            media_allow_hosts=allow_media_hosts,
            media_max_bytes=int(media_max_mb * 1024 * 1024),
            media_timeout=media_timeout,
            blog_url=blog_url,
            sample_media=sample_media,
        )
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    import asyncio

    # Imported here: `migrator emulator --help` loads no aiohttp (tests/test_startup.py).
    from migrator.emulator.state import check_state_file, describe, load_state

    saved = None
    if state_file is not None:
        # A file that is not a state (or of another version, or for another model) is
        # refused before anything listens: ConfigError, exit 2.
        check_state_file(state_file)
        saved = load_state(state_file, config.model)
        if saved is None:
            click.echo(f"state: {state_file} does not exist yet: starting empty", err=True)
        else:
            counts = saved.store.dump()
            click.echo(
                f"state: {state_file}: {describe(_held(counts))}, "
                f"{len(saved.pending)} writes pending",
                err=True,
            )
    asyncio.run(_serve(config, saved, state_file))


def _held(dumped: dict[str, Any]) -> dict[str, int]:
    return {
        "pages": sum(len(p) for p in dumped["pages"].values()),
        "collection_items": sum(len(c) for c in dumped["collections"].values()),
        "posts": len(dumped["posts"]),
        "media": len(dumped["media"]),
    }


async def _serve(config: EmulatorConfig, saved: Any, state_file: Path | None) -> None:
    import asyncio
    import signal

    from migrator.emulator.server import run_emulator
    from migrator.emulator.state import describe

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with run_emulator(config, saved=saved, state_file=state_file) as emu:
        # Scripts (and bench/run.py) read this first stdout line to find the port.
        click.echo(f"listening on {emu.base_url}")
        await stop.wait()
        counters = emu.state()["counters"]
    click.echo(
        f"stopped: {counters.get('requests', 0)} requests, {counters.get('applied', 0)} applied, "
        f"{counters.get('failed', 0)} failed",
        err=True,
    )
    if emu.last_saved is not None:
        click.echo(f"state saved to {state_file}: {describe(emu.last_saved)}", err=True)
