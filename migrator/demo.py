"""``migrator demo``: a real migration of the bundled samples into a local emulator.

Everything runs on 127.0.0.1 and stops by itself: an emulator serving the example content
model, a small image host for media fields, and the engine migrating each bundled mapping
exactly as ``migrator run`` would. A second pass then shows that a re-run sends nothing.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from migrator.config import EXAMPLE_MAPPINGS, SAMPLES

# The rest is imported when the demo runs: `migrator demo --help` loads none of it.
if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from migrator.emulator import Emulator
    from migrator.engine import RunOptions, RunStats

MAPPINGS = EXAMPLE_MAPPINGS  # the mappings the demo runs, as shipped
WORKDIR = Path(".migrator") / "demo"


@dataclass(frozen=True)
class DemoJob:
    mapping: str
    # The bundled export it reads (given, not the mapping's `source.path`: that path is
    # relative to the repository's mappings/ folder, which an installed package has not).
    sample: str
    # Mapping variables pointing media at the demo's image host ({media} is its base URL).
    variables: dict[str, str] = field(default_factory=dict)


JOBS = (
    DemoJob("team_members.toml", "team_members.csv", {"media_base": "{media}/img"}),
    DemoJob("landing_pages.toml", "landing_pages.csv"),
    DemoJob("blog_posts.toml", "blog_posts.csv"),
    # A two-locale Contentful space export: multi-locale pages, assets fetched as media.
    DemoJob("contentful_articles.toml", "contentful.json", {"media_base": "{media}/img"}),
    # A WordPress export: posts, pages and a custom post type; its uploads served locally.
    DemoJob("wordpress_posts.toml", "wordpress.xml", {"media_host": "{media}"}),
    DemoJob("wordpress_pages.toml", "wordpress.xml", {"media_host": "{media}"}),
    DemoJob("wordpress_portfolio.toml", "wordpress.xml", {"media_host": "{media}"}),
)


@asynccontextmanager
async def media_host() -> AsyncIterator[str]:
    """Serves a distinct little PNG for every /img/<name>.png, like an old site's uploads."""
    from aiohttp import web

    from migrator.emulator import sample_png, serve_app

    async def image(request: web.Request) -> web.Response:
        digest = hashlib.sha256(request.match_info["name"].encode()).digest()
        return web.Response(body=sample_png(*digest[:3]), content_type="image/png")

    app = web.Application()
    app.router.add_get("/img/{name}.png", image)
    async with serve_app(app) as url:
        yield url


def _options(job: DemoJob, workdir: Path) -> RunOptions:
    from migrator.engine import RunOptions

    stem = job.mapping.removesuffix(".toml")
    return RunOptions(
        ledger_path=workdir / f"{stem}.ledger.sqlite",
        failures_path=workdir / f"{stem}.failures.jsonl",
        preview_path=workdir / f"{stem}.preview.jsonl",
        rate=50.0,
        concurrency=4,
        # The emulator applies writes within a fraction of a second; Butter takes longer.
        settle_delay=1.0,
        show_progress=False,
    )


async def _migrate_all(emu: Emulator, media: str, workdir: Path) -> list[tuple[str, RunStats]]:
    from migrator.engine import run_migration
    from migrator.mapping import load_mapping

    results = []
    for job in JOBS:
        variables = {k: v.format(media=media) for k, v in job.variables.items()}
        mapping = load_mapping(MAPPINGS / job.mapping, variables=variables)
        stats = await run_migration(
            mapping,
            SAMPLES / job.sample,
            _options(job, workdir),
            base_url=emu.base_url,
            write_token="demo-write",
            read_token="demo-read",
        )
        results.append((job.mapping, stats))
    return results


def _runs_table(title: str, results: list[tuple[str, RunStats]]) -> Table:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    columns: tuple[str, ...] = ("mapping", "read", "filtered", "accepted", "unchanged")
    columns += ("invalid", "failed", "links", "calls")
    for column in columns:
        table.add_column(column, justify="left" if column == "mapping" else "right")
    for name, s in results:
        plan, sent = s.plan, s.sent
        links = plan.links_rewritten  # old-site URLs in HTML pointed at the new paths
        numbers = (
            plan.read,
            plan.filtered,
            sent.accepted,
            plan.unchanged,
            plan.invalid,
            sent.failed,
            links,
            s.calls.total,
        )
        table.add_row(name, *(str(n) for n in numbers))
    return table


async def _serve_after(console: Console, emu: Emulator, media: str) -> None:
    """Keep the demo's emulator and image host running until Ctrl-C or SIGTERM."""
    import signal

    import anyio

    console.print(
        f"\nServing the migrated demo: ButterCMS emulator at {emu.base_url} (the read token "
        f"is on the first line), images at {media}.\n"
        "Aim your site's SDK at it (buttercms-python: set each client's url; buttercms npm: "
        "rewrite its base URL in fetch): docs/rehearse-your-site.md.\n"
        "Ctrl-C to stop."
    )
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for _ in signals:
            break


async def _demo(
    console: Console, workdir: Path, serve_after: bool = False, state_file: Path | None = None
) -> int:
    from rich.table import Table

    from migrator.emulator import EmulatorConfig, run_emulator
    from migrator.model import load_content_model

    model = load_content_model(MAPPINGS / "content-model.toml")
    # The demo's image host is on this machine, which the emulator (like Butter) refuses
    # to download from unless told.
    config = EmulatorConfig(
        model,
        write_token="demo-write",
        read_token="demo-read",
        delay=0.2,
        media_allow_hosts=("127.0.0.1",),
    )
    async with media_host() as media, run_emulator(config, state_file=state_file) as emu:
        # The read token is said now: once the engine's client holds it, output redacts it.
        console.print(
            f"ButterCMS emulator at {emu.base_url} (read token {config.read_token}), images "
            f"served from {media}\n"
        )
        first = await _migrate_all(emu, media, workdir)
        console.print(_runs_table("First run: every record sent once", first))
        await emu.settle()  # Butter applies accepted writes later, in a background queue

        state = emu.state()
        applied = Table(
            title="What the emulated ButterCMS now holds", title_justify="left", show_header=False
        )
        applied.add_row("pages", str(sum(len(p) for p in state["pages"].values())))
        applied.add_row("collection items", str(sum(len(c) for c in state["collections"].values())))
        applied.add_row("blog posts", str(len(state["posts"])))
        applied.add_row("media files downloaded to its library", str(len(state["media"])))
        applied.add_row("writes that failed in the background", str(len(state["failures"])))
        console.print(applied)
        for failure in state["failures"]:
            console.print(f"  background failure: {failure['path']}: {failure['reason']}")

        second = await _migrate_all(emu, media, workdir)
        console.print(_runs_table("Second run: the ledger remembers, nothing is re-sent", second))
        if serve_after:
            await _serve_after(console, emu, media)
    problems = sum(s.exit_code != 0 for _, s in first + second) + len(state["failures"])
    console.print(
        f"\nLedgers and reports are in {workdir}/ (try: migrator status --ledger "
        f"{workdir}/team_members.ledger.sqlite).\n"
        "Rehearse your own export: `migrator init my-site` writes a project to adapt; start "
        "`migrator emulator --sample-media --port 8700` there and run `migrator run MAPPING "
        "--source EXPORT` with BUTTER_API_BASE=http://127.0.0.1:8700/v2 (or --profile rehearsal)."
    )
    if state_file is not None:
        console.print(
            f"The migrated content is saved in {state_file}: serve it again with "
            f"`migrator emulator --state {state_file}` (read token r-token unless you pass "
            "--read-token)."
        )
    return 1 if problems else 0


@click.command("demo")
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=WORKDIR,
    show_default=True,
    help="Where the demo keeps its ledgers and reports.",
)
@click.option(
    "--serve-after",
    is_flag=True,
    help="After the demo, keep its emulator (and image host) running for your site's SDK "
    "to read, until Ctrl-C.",
)
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Save the emulator's state in FILE at the end (replacing a state saved there "
    "before), to serve again with `migrator emulator --state FILE`.",
)
def demo_command(workdir: Path, serve_after: bool, state_file: Path | None) -> None:
    """Migrate the bundled sample exports into a local ButterCMS emulator, then run
    again to show that nothing is sent twice. Needs no account and no network.

    \b
    Example:
      migrator demo
      migrator demo --serve-after --state demo-state.json
    """
    if state_file is not None:
        from migrator.emulator import check_state_file

        check_state_file(state_file)  # never over a file that is not a state: exit 2
    # Each demo starts a fresh emulator, so it starts from fresh ledgers too.
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    import anyio

    from migrator.consoles import make_console

    code = anyio.run(_demo, make_console(), workdir, serve_after, state_file)
    raise SystemExit(code)
