"""`migrator run`: parse the options, run the site (``runner.py``), print what happened."""

from __future__ import annotations

import functools
import shlex
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec

import click

from migrator import log
from migrator.command_options import (
    media_reach_options,
    profile_options,
    settle_options,
    state_option,
    token_source,
)
from migrator.config import DEFAULT_BASE_URL, check_api_base, parse_vars, read_token, state_folder
from migrator.consoles import make_console, rule
from migrator.errors import MigratorError

# The rest is imported when the command runs: `migrator run --help` loads none of it
# (tests/test_startup.py).
if TYPE_CHECKING:
    from rich.console import Console

    from migrator.engine import PrunePlan, RunStats
    from migrator.site.runner import Job


P = ParamSpec("P")


def _summary_on_error(command: Callable[P, None]) -> Callable[P, None]:
    """A run that ends on an error it knows (the ledger held by the previous run, a
    configuration error) still gives its summary, so a scheduler can tell them apart; the
    CLI prints the error itself."""

    @functools.wraps(command)
    def run(*args: P.args, **params: P.kwargs) -> None:
        try:
            command(*args, **params)
        except (MigratorError, click.ClickException) as exc:
            summary = click.get_current_context().meta.get(_Summary.KEY)
            if isinstance(summary, _Summary):
                summary.finish(exc.exit_code if isinstance(exc, MigratorError) else 2, exc)
            raise

    return run


@click.command("run")
@click.argument(
    "mappings",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--source",
    type=click.Path(exists=True, path_type=Path),
    help="The export to read (default: each mapping's own `source.path`); a WordPress "
    "export split in several files: their folder, or the zip.",
)
@click.option("--dry-run", is_flag=True, help="Send nothing: print the plan, write a preview.")
@click.option(
    "--ledger",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Checkpoint ledger (default: <mapping>.ledger.sqlite in the target's state folder, "
    "see --state); with one mapping only. The reports go beside it.",
)
@state_option
@click.option(
    "--canary",
    type=int,
    default=3,
    show_default=True,
    help="Send the first N new or changed records of each mapping first, wait until Butter "
    "applied them, read them back and compare; if one failed in Butter's queue or differs, "
    "stop (exit 3) having spent only their calls. 0: no canary.",
)
@click.option(
    "--rebind",
    is_flag=True,
    help="The ledger belongs to this same account under another token or URL: bind it to "
    "this one (a ledger is otherwise refused against any target but its own).",
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
    "--overwrite-edits",
    is_flag=True,
    help="Update changed records without reading them first, replacing edits made in "
    "ButterCMS since migrator sent them (by default such a record is kept and reported as a "
    "conflict; a mapping's [target] update_fields limits what is updated). A record deleted "
    "in ButterCMS is created again.",
)
@click.option(
    "--prune",
    is_flag=True,
    help="Delete from ButterCMS the posts and collection items gone from the source (pages "
    "cannot be deleted through the API: they are reported). Try it with --dry-run first. "
    "More than 10% of what the ledger holds, or anything when the source is empty, needs "
    "--max-delete or --yes (or a yes at the terminal).",
)
@click.option(
    "--max-delete",
    type=click.IntRange(min=0),
    default=None,
    help="With --prune: delete at most this many records per mapping without asking.",
)
@click.option("--yes", "assume_yes", is_flag=True, help="With --prune: delete without asking.")
@settle_options
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
@media_reach_options
@click.option("--no-progress", is_flag=True, help="No progress display.")
@profile_options
@click.option(
    "--json",
    "json_output",
    is_flag=True,
    help="At the end, print one JSON object on stdout (counts per mapping, failure reasons, "
    "report files, the exit code and its meaning: docs/json-summary.md); everything else "
    "goes to stderr.",
)
@_summary_on_error
def run_command(
    mappings: tuple[Path, ...],
    source: Path | None,
    dry_run: bool,
    ledger: Path | None,
    state: Path | None,
    rebind: bool,
    canary: int,
    rate: float,
    concurrency: int,
    retry_failed: bool,
    overwrite_edits: bool,
    prune: bool,
    max_delete: int | None,
    assume_yes: bool,
    settle_delay: float,
    settle_timeout: float,
    max_attempts: int,
    token_file: Path | None,
    read_token_file: Path | None,
    api_base: str,
    variables: tuple[str, ...],
    verify: bool,
    check_media: bool,
    media_rate: float,
    media_timeout: float,
    allow_private_media: bool,
    allow_media_hosts: tuple[str, ...],
    no_progress: bool,
    json_output: bool,
) -> None:
    """Migrate the records of an export into ButterCMS, as each MAPPING describes.

    Every acceptance is recorded in a checkpoint ledger: after a crash, Ctrl-C or
    on a re-run nothing already accepted is sent again.

    Several mappings (one export, or each its own `source.path`) run one after the
    other, each with its own ledger; a mapping that references a collection's items
    runs after the mappings that fill that collection, and references still missing
    at the end (a cycle) are patched in by a second pass.

    A changed record is read first: one edited in ButterCMS since migrator sent it
    is not updated (a conflict, exit 1) unless --overwrite-edits.

    Exit codes: 0 all accepted, 1 some records failed (or were edited in ButterCMS),
    2 usage or configuration error, 3 run aborted (bad token, API quota exhausted),
    130 interrupted (Ctrl-C or SIGTERM: what was accepted is kept; the same command
    resumes).

    \b
    Example:
      export BUTTER_WRITE_TOKEN=...   BUTTER_READ_TOKEN=...
      migrator run mappings/team_members.toml --source team.csv --dry-run
      migrator run mappings/team_members.toml --source team.csv --rate 5
      migrator run mappings/wordpress_*.toml --source export.xml --var media_host=...
    """
    import anyio

    from migrator.engine import RunOptions
    from migrator.site.runner import Butter, load_site, run_site, site_jobs

    summary = _Summary(json_output=json_output, dry_run=dry_run, api_base=api_base)
    options = RunOptions(
        concurrency=concurrency,
        rate=rate,
        retry_failed=retry_failed,
        overwrite_edits=overwrite_edits,
        prune=prune,
        max_delete=max_delete,
        allow_all_deletes=assume_yes,
        confirm_prune=ask_to_prune if sys.stdin.isatty() and not dry_run else None,
        settle_delay=settle_delay,
        settle_timeout=settle_timeout,
        max_attempts=max_attempts,
        dry_run=dry_run,
        rebind=rebind,
        canary=canary,
        show_progress=not no_progress,
        check_media=check_media,
        media_rate=media_rate,
        media_timeout=media_timeout,
        media_allow_private=allow_private_media,
        media_allow_hosts=allow_media_hosts,
    )
    check_api_base(api_base)
    loaded = load_site(mappings, parse_vars(variables))
    folder = None if ledger is not None else state_folder(state, api_base)
    jobs = site_jobs(loaded, options=options, source=source, ledger=ledger, folder=folder)
    summary.jobs = jobs
    butter = Butter(api_base)
    if not dry_run:
        butter = Butter(
            api_base,
            read_token(*token_source("token_file", "BUTTER_WRITE_TOKEN"), what="write"),
            read_token(*token_source("read_token_file", "BUTTER_READ_TOKEN"), what="read"),
        )
    # What resumes an interrupted run: the same command (accepted records are skipped).
    resume = shlex.join(["migrator", *sys.argv[1:]])
    # With --json, stdout holds the JSON object only.
    printer = _Printer(
        functools.partial(make_console, stderr=json_output), several=len(jobs) > 1, resume=resume
    )
    result = anyio.run(lambda: run_site(jobs, butter, verify=verify, events=printer))
    if len(jobs) > 1:
        _print_overview(jobs, dry_run=dry_run, console=printer.console)
    if result.report is not None:
        printer.console.print(
            f"Report: {result.report}", markup=False, highlight=False, soft_wrap=True
        )
    summary.finish(result.exit_code, report=result.report)
    sys.exit(result.exit_code)


class _Summary:
    """The JSON summary: on stdout with --json; one ``summary`` log event when logs are
    JSON lines (not a terminal, or --log-json). Kept in click's context, for
    ``_summary_on_error``."""

    KEY = "migrator.summary"

    def __init__(self, *, json_output: bool, dry_run: bool, api_base: str):
        self.json_output = json_output
        self.dry_run = dry_run
        self.api_base = api_base
        self.jobs: list[Job] = []
        self.started_at = datetime.now(UTC)
        self.clock = time.monotonic()
        click.get_current_context().meta[self.KEY] = self

    def finish(
        self, exit_code: int, error: BaseException | None = None, *, report: Path | None = None
    ) -> None:
        if not (self.json_output or log.json_lines()):
            return
        import orjson

        from migrator.site.summary import site_summary

        data = site_summary(
            self.jobs,
            exit_code=exit_code,
            dry_run=self.dry_run,
            started_at=self.started_at,
            duration=time.monotonic() - self.clock,
            api_base=self.api_base,
            error=error,
            report=report,
        )
        # A command refused before anything ran keeps its one error line on stderr.
        if log.json_lines() and (error is None or any(job.stats for job in self.jobs)):
            log.get_logger("migrator.summary").info("summary", **data)
        if self.json_output:
            click.echo(orjson.dumps(data).decode())


class _Printer:
    """The site's events as a person reads them: a rule per mapping, then its summary."""

    def __init__(self, console: Callable[[], Console], *, several: bool, resume: str | None = None):
        self._make_console = console
        self.several = several
        self.resume = resume

    @functools.cached_property
    def console(self) -> Console:
        # Made when first printed to (after a run, or between mappings): rich loads then,
        # not before the first record is sent.
        return self._make_console()

    def job_started(self, job: Job, n: int, total: int, *, second_pass: bool) -> None:
        if second_pass:
            rule(self.console, f"{job.name}: second pass for its references")
        elif self.several:
            rule(self.console, f"{job.name} ({n}/{total})")

    def job_finished(self, job: Job, stats: RunStats) -> None:
        from migrator.engine import print_summary

        options = job.options
        print_summary(
            stats,
            dry_run=options.dry_run,
            failures_path=options.failures_path,
            preview_path=options.preview_path,
            warnings_path=options.warnings_path,
            console=self.console,
            resume=self.resume,
        )

    def job_verified(self, job: Job) -> None:
        from migrator.verify import print_verify_summary

        assert job.verified is not None
        print_verify_summary(job.verified, failures_path=job.verified_path, console=self.console)


def _print_overview(jobs: list[Job], *, dry_run: bool, console: Console) -> None:
    from rich.table import Table

    table = Table(title="All mappings", title_justify="left")
    for column in ("mapping", "read", "sent" if not dry_run else "to send", "unchanged"):
        table.add_column(column, justify="left" if column == "mapping" else "right")
    for column in ("invalid", "failed", "links", "calls"):
        table.add_column(column, justify="right")
    patched = []
    for job in jobs:
        s = job.stats
        if s is None:
            table.add_row(job.name, "not run")
            continue
        # The first pass's numbers: what the mapping did. A second pass only patched
        # references in: its calls are added, the rest gets a line below the table.
        plan, sent = s.plan, s.sent
        done = (
            plan.to_send + plan.changed if dry_run else sent.accepted + sent.updated + sent.deleted
        )
        numbers = (plan.read, done, plan.unchanged, plan.invalid, sent.failed, plan.links_rewritten)
        writes = sum(p.calls.writes for p in job.passes)
        reads = sum(p.calls.reads for p in job.passes)
        table.add_row(job.name, *(f"{n:,}" for n in numbers), f"{writes:,} + {reads:,}")
        if (second := job.second_pass) is not None:
            line = f"{job.name}: a second pass patched in {second.sent.refs_patched:,} reference(s)"
            if second.sent.failed:
                line += f", {second.sent.failed:,} failed (see {job.options.failures_path})"
            patched.append(line)
    console.print(table)
    for line in patched:
        console.print(line)


def ask_to_prune(plan: PrunePlan) -> bool:
    """The prune guard's question, at a terminal."""
    return click.confirm(f"{plan.describe()}. Delete them?", default=False, err=True)
