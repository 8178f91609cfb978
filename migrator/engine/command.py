"""`migrator run`: wire the mapping, source, ledger and client together, then report."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import Any

import anyio
import click
from rich.console import Console
from rich.table import Table

from migrator.butter import DEFAULT_BASE_URL
from migrator.engine import run as engine
from migrator.engine.options import RunOptions, default_paths
from migrator.engine.order import run_order
from migrator.engine.report import RunStats
from migrator.engine.summary import print_summary
from migrator.errors import ConfigError, MappingError
from migrator.mapping import load_mapping


def read_token(env: str, token_file: Path | None, *, what: str) -> str | None:
    """A token from a file or the environment: never from the command line (shell history)."""
    if token_file is not None:
        token = token_file.read_text(encoding="utf-8").strip()
        if not token:
            raise ConfigError(f"{what} token file is empty", file=token_file)
        return token
    return os.environ.get(env) or None


@click.command("run")
@click.argument(
    "mappings",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--source",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The export to read (default: each mapping's own `source.path`).",
)
@click.option("--dry-run", is_flag=True, help="Send nothing: print the plan, write a preview.")
@click.option(
    "--ledger",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Checkpoint ledger (default: beside the mapping, <mapping>.ledger.sqlite); "
    "with one mapping only.",
)
@click.option(
    "--rate",
    type=float,
    default=5.0,
    show_default=True,
    help="Writes per second (Butter's guidance: one every 200 ms).",
)
@click.option(
    "--concurrency", type=int, default=4, show_default=True, help="Requests in flight at once."
)
@click.option("--retry-failed", is_flag=True, help="Send records that failed in earlier runs.")
@click.option(
    "--prune",
    is_flag=True,
    help="Delete from ButterCMS the posts and collection items gone from the source (pages "
    "cannot be deleted through the API: they are reported). Try it with --dry-run first.",
)
@click.option(
    "--settle-delay",
    type=float,
    default=20.0,
    show_default=True,
    help="Seconds to let Butter apply a write before reading it back to settle an ambiguous send.",
)
@click.option(
    "--max-attempts",
    type=int,
    default=6,
    show_default=True,
    help="Attempts per record on 5xx, timeouts and connection errors.",
)
@click.option(
    "--token-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File holding the write token (else BUTTER_WRITE_TOKEN).",
)
@click.option(
    "--read-token-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File holding the read token, used to settle doubts (else BUTTER_READ_TOKEN).",
)
@click.option(
    "--api-base",
    envvar="BUTTER_API_BASE",
    default=DEFAULT_BASE_URL,
    show_default=True,
    help="API base URL (env BUTTER_API_BASE), e.g. an emulator.",
)
@click.option(
    "--var",
    "variables",
    multiple=True,
    metavar="NAME=VALUE",
    help="Set a mapping variable, e.g. --var media_base=https://old.example.com/img",
)
@click.option(
    "--verify",
    is_flag=True,
    help="Afterwards, read every accepted record back and compare (as `migrator verify`).",
)
@click.option(
    "--check-media",
    is_flag=True,
    help="First ask every media URL the run would send (HEAD, rate-limited): records using "
    "a dead one are reported as invalid and not sent (Butter would fail them after the 202).",
)
@click.option(
    "--media-rate",
    type=float,
    default=10.0,
    show_default=True,
    help="--check-media: requests per second to the media hosts.",
)
@click.option(
    "--media-timeout",
    type=float,
    default=10.0,
    show_default=True,
    help="--check-media: seconds a media host may take to answer.",
)
@click.option("--no-progress", is_flag=True, help="No progress display.")
def run_command(
    mappings: tuple[Path, ...],
    source: Path | None,
    dry_run: bool,
    ledger: Path | None,
    rate: float,
    concurrency: int,
    retry_failed: bool,
    prune: bool,
    settle_delay: float,
    max_attempts: int,
    token_file: Path | None,
    read_token_file: Path | None,
    api_base: str,
    variables: tuple[str, ...],
    verify: bool,
    check_media: bool,
    media_rate: float,
    media_timeout: float,
    no_progress: bool,
) -> None:
    """Migrate the records of an export into ButterCMS, as each MAPPING describes.

    Every acceptance is recorded in a checkpoint ledger: after a crash, Ctrl-C or
    on a re-run nothing already accepted is sent again.

    Several mappings (one export, or each its own `source.path`) run one after the
    other, each with its own ledger; a mapping that references a collection's items
    runs after the mappings that fill that collection, and references still missing
    at the end (a cycle) are patched in by a second pass.

    Exit codes: 0 all accepted, 1 some records failed, 2 usage or configuration
    error, 3 run aborted (bad token, API quota exhausted).

    \b
    Example:
      export BUTTER_WRITE_TOKEN=...   BUTTER_READ_TOKEN=...
      migrator run mappings/team_members.toml --source team.csv --dry-run
      migrator run mappings/team_members.toml --source team.csv --rate 5
      migrator run mappings/wordpress_*.toml --source export.xml --var media_host=...
    """
    if ledger is not None and len(mappings) > 1:
        raise click.UsageError(
            "--ledger names one ledger: give it with a single mapping (each mapping keeps "
            "its own, beside it)"
        )
    several = len(mappings) > 1
    loaded = _load_all(mappings, _parse_vars(variables), several=several)
    jobs = []
    for mapping in run_order(loaded):
        source_path = source or mapping.default_source
        if source_path is None:
            raise click.UsageError(
                f"{mapping.path}: no --source given and the mapping names no source.path"
            )
        ledger_path, failures_path, preview_path = default_paths(mapping.path, ledger)
        options = RunOptions(
            ledger_path=ledger_path,
            failures_path=failures_path,
            preview_path=preview_path,
            concurrency=concurrency,
            rate=rate,
            retry_failed=retry_failed,
            prune=prune,
            settle_delay=settle_delay,
            max_attempts=max_attempts,
            dry_run=dry_run,
            show_progress=not no_progress,
            check_media=check_media,
            media_rate=media_rate,
            media_timeout=media_timeout,
        )
        jobs.append(_Job(mapping, Path(source_path), options))
    tokens: tuple[str | None, str | None] = (None, None)
    if not dry_run:
        write_token = read_token("BUTTER_WRITE_TOKEN", token_file, what="write")
        if not write_token:
            raise ConfigError(
                "no write token: set BUTTER_WRITE_TOKEN or pass --token-file "
                "(ButterCMS → Settings → API Tokens → Write API token)"
            )
        tokens = (write_token, read_token("BUTTER_READ_TOKEN", read_token_file, what="read"))

    console = Console()
    for n, job in enumerate(jobs, 1):
        if several:
            console.rule(f"{job.mapping.path.name} ({n}/{len(jobs)})")
        _run_job(job, api_base, tokens, console)
        if job.stats is not None and job.stats.aborted:
            break  # a bad token or a spent quota stops the others too
    if several and not dry_run:
        # A cycle between mappings: the references a mapping could not find when it ran
        # exist now. Running it again sends nothing else (its records are unchanged).
        for job in jobs:
            if job.stats is not None and job.stats.refs_unresolved and not job.stats.aborted:
                console.rule(f"{job.mapping.path.name}: second pass for its references")
                _run_job(job, api_base, tokens, console)
    code = 0
    for job in jobs:
        if job.stats is None:
            continue
        stats = job.stats
        job_code = 130 if (stats.aborted or "").startswith("interrupted") else stats.exit_code
        if verify and not dry_run and not stats.aborted:
            job_code = max(
                job_code,
                _verify_after(job.mapping, job.source, job.options, api_base, read_token_file),
            )
        code = max(code, job_code)
    if several:
        _print_overview(jobs, dry_run=dry_run, console=console)
    sys.exit(code)


@dataclasses.dataclass
class _Job:
    mapping: Any
    source: Path
    options: RunOptions
    stats: RunStats | None = None


def _load_all(paths: tuple[Path, ...], variables: dict[str, str], *, several: bool) -> list[Any]:
    """Every mapping checked, every problem of every one reported together."""
    loaded, problems = [], []
    for path in paths:
        try:
            loaded.append(load_mapping(path, variables=variables, only_declared=several))
        except MappingError as exc:
            problems.extend(exc.problems)
    if problems:
        raise MappingError(problems)
    if several:
        declared = {name for m in loaded for name in m.variables}
        unknown = sorted(set(variables) - declared)
        if unknown:
            raise click.BadParameter(
                f"{', '.join(unknown)}: declared in no mapping's [vars] "
                f"(declared: {sorted(declared)})",
                param_hint="--var",
            )
    return loaded


def _run_job(
    job: _Job, api_base: str, tokens: tuple[str | None, str | None], console: Console
) -> None:
    options = job.options
    if options.dry_run:
        job.stats = engine.dry_run(job.mapping, job.source, options)
    else:
        write_token, read_token_ = tokens
        assert write_token is not None
        job.stats = anyio.run(
            lambda: engine.run_migration(
                job.mapping,
                job.source,
                options,
                base_url=api_base,
                write_token=write_token,
                read_token=read_token_,
            )
        )
    print_summary(
        job.stats,
        dry_run=options.dry_run,
        failures_path=options.failures_path,
        preview_path=options.preview_path,
        warnings_path=options.warnings_path,
        console=console,
    )


def _print_overview(jobs: list[_Job], *, dry_run: bool, console: Console) -> None:
    table = Table(title="All mappings", title_justify="left")
    for column in ("mapping", "read", "sent" if not dry_run else "to send", "unchanged"):
        table.add_column(column, justify="left" if column == "mapping" else "right")
    for column in ("invalid", "failed", "links", "calls"):
        table.add_column(column, justify="right")
    for job in jobs:
        s = job.stats
        if s is None:
            table.add_row(job.mapping.path.name, "not run")
            continue
        sent = s.to_send + s.changed if dry_run else s.accepted + s.updated + s.deleted
        numbers = (s.read, sent, s.unchanged, s.invalid, s.failed, s.links_rewritten)
        calls = f"{s.calls_writes} + {s.calls_reads}"
        table.add_row(job.mapping.path.name, *(f"{n:,}" for n in numbers), calls)
    console.print(table)


def _verify_after(
    mapping: Any, source: Path, options: RunOptions, api_base: str, token_file: Path | None
) -> int:
    from migrator.verify import verify_migration, verify_paths
    from migrator.verify.summary import print_verify_summary

    opts = dataclasses.replace(options, failures_path=verify_paths(options.ledger_path))
    token = read_token("BUTTER_READ_TOKEN", token_file, what="read")
    stats = anyio.run(
        lambda: verify_migration(mapping, source, opts, base_url=api_base, read_token=token)
    )
    print_verify_summary(stats, failures_path=opts.failures_path)
    return stats.exit_code


def _parse_vars(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="--var")
        out[name] = value
    return out
