"""`migrator verify`: read every accepted record back and compare it with what was sent."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from migrator import log
from migrator.command_options import profile_options, settle_options, state_option, token_source
from migrator.config import DEFAULT_BASE_URL, check_api_base, parse_vars, read_token, state_folder
from migrator.errors import MigratorError

if TYPE_CHECKING:
    from migrator.mapping import Mapping
    from migrator.verify.stats import VerifyStats


@click.command("verify")
@click.argument("mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--source",
    type=click.Path(exists=True, path_type=Path),
    help="The export that was migrated (default: the mapping's own `source.path`).",
)
@click.option(
    "--ledger",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Checkpoint ledger of the run (default: <mapping>.ledger.sqlite in the target's "
    "state folder, as `migrator run` puts it).",
)
@state_option
@click.option("--rate", type=float, default=5.0, show_default=True, help="Reads per second.")
@click.option("--concurrency", type=int, default=4, show_default=True)
@settle_options
@click.option("--max-attempts", type=int, default=6, show_default=True)
@click.option(
    "--repair",
    is_flag=True,
    help="Delete the duplicate collection items migrator made (identical to what it sent, "
    "beside the item its ledger holds); needs the write token. Nothing else is deleted.",
)
@click.option(
    "--token-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="With --repair: file holding the write token (else BUTTER_WRITE_TOKEN).",
)
@click.option("--recheck", is_flag=True, help="Also re-read records verified (or failed) before.")
@click.option(
    "--read-token-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File holding the read token (else BUTTER_READ_TOKEN).",
)
@click.option("--api-base", envvar="BUTTER_API_BASE", default=DEFAULT_BASE_URL, show_default=True)
@click.option("--var", "variables", multiple=True, metavar="NAME=VALUE")
@click.option(
    "--json",
    "json_output",
    is_flag=True,
    help="At the end, print one JSON object on stdout (docs/json-summary.md); everything "
    "else goes to stderr.",
)
@profile_options
def verify_command(
    mapping: Path,
    source: Path | None,
    ledger: Path | None,
    state: Path | None,
    rate: float,
    concurrency: int,
    settle_delay: float,
    settle_timeout: float,
    max_attempts: int,
    recheck: bool,
    repair: bool,
    token_file: Path | None,
    read_token_file: Path | None,
    api_base: str,
    variables: tuple[str, ...],
    json_output: bool,
) -> None:
    """Read every record a run got accepted back through the Read API (drafts too, every
    locale), compare it with what was sent, and mark it verified — or failed, saying
    what differs or that it is missing (Butter can fail a write after its 202).

    Exit codes: 0 all as sent, 1 some differ or are missing, 2 usage or configuration
    error, 3 stopped (bad token, quota exhausted).

    \b
    Example:
      export BUTTER_READ_TOKEN=...
      migrator verify mappings/team_members.toml --source team.csv
    """
    # Imported here: `migrator verify --help` loads none of it (tests/test_startup.py).
    import anyio

    from migrator.consoles import make_console
    from migrator.engine import RunOptions, default_paths
    from migrator.mapping import load_mapping
    from migrator.verify.run import verify_migration
    from migrator.verify.stats import verify_paths
    from migrator.verify.summary import print_verify_summary

    started_at, clock = datetime.now(UTC), time.monotonic()
    failures_path: Path | None = None

    def summary(
        code: int,
        stats: VerifyStats | None,
        error: BaseException | None = None,
        report: Path | None = None,
    ) -> None:
        """--json: the JSON summary on stdout; with JSON logs, the last log event too."""
        if not (json_output or log.json_lines()):
            return
        import orjson

        from migrator.verify.summary import verify_summary

        data = verify_summary(
            mapping,
            stats,
            exit_code=code,
            started_at=started_at,
            duration=time.monotonic() - clock,
            api_base=api_base,
            failures_path=failures_path,
            error=error,
            report=report,
        )
        if log.json_lines() and error is None:  # else its one error line says it
            log.get_logger("migrator.summary").info("summary", **data)
        if json_output:
            click.echo(orjson.dumps(data).decode())

    try:
        check_api_base(api_base)
        loaded = load_mapping(mapping, variables=parse_vars(variables))
        source_path = source or loaded.default_source
        if source_path is None:
            raise click.UsageError("no --source given and the mapping names no source.path")
        where = mapping if ledger is not None else state_folder(state, api_base) / mapping.name
        ledger_path, _, preview_path = default_paths(where, ledger)
        from migrator.verify.variables import with_run_variables  # imported when it runs

        # The run's --var values where none is given here: else its records look changed.
        loaded, notes = with_run_variables(loaded, parse_vars(variables), ledger_path)
        for note in notes:
            click.echo(note, err=json_output)
        failures_path = verify_paths(ledger_path)
        options = RunOptions(
            ledger_path=ledger_path,
            failures_path=failures_path,
            preview_path=preview_path,
            concurrency=concurrency,
            rate=rate,
            settle_delay=settle_delay,
            settle_timeout=settle_timeout,
            max_attempts=max_attempts,
            show_progress=False,
        )
        token = read_token(*token_source("read_token_file", "BUTTER_READ_TOKEN"), what="read")
        repair_token = (
            read_token(*token_source("token_file", "BUTTER_WRITE_TOKEN"), what="write")
            if repair
            else None
        )
        if repair and not repair_token:
            raise click.UsageError(
                "--repair deletes duplicates: set BUTTER_WRITE_TOKEN or --token-file"
            )
        stats = anyio.run(
            lambda: verify_migration(
                loaded,
                Path(source_path),
                options,
                base_url=api_base,
                read_token=token,
                recheck=recheck,
                repair_token=repair_token,
            )
        )
    except (MigratorError, click.ClickException) as exc:
        # Said in the JSON too (the ledger held by a run, a configuration error); the CLI
        # prints the error.
        summary(exc.exit_code if isinstance(exc, MigratorError) else 2, None, exc)
        raise
    # With --json, stdout holds the JSON object only.
    console = make_console(stderr=json_output)
    print_verify_summary(stats, failures_path=options.failures_path, console=console)
    report = _write_report(loaded, Path(source_path), ledger_path, options.failures_path, stats)
    if report is not None:
        console.print(f"Report: {report}", markup=False, highlight=False, soft_wrap=True)
    summary(stats.exit_code, stats, report=report)
    sys.exit(stats.exit_code)


def _write_report(
    mapping: Mapping, source: Path, ledger: Path, differences: Path, stats: VerifyStats
) -> Path | None:
    """The HTML report of this verify, beside the ledger (``<mapping>.verify.html``)."""
    from migrator.engine import mapping_target_key
    from migrator.errors import MigratorError
    from migrator.log import get_logger
    from migrator.report import MappingReport, report_path, write_report

    part = MappingReport(
        name=mapping.path.name,
        mapping_path=str(mapping.path),
        source=str(source),
        target=mapping_target_key(mapping),
        exit_code=stats.exit_code,
        verify=stats.as_dict(),
        verify_path=differences,
    )
    path = report_path([ledger], "verify")
    try:
        return write_report(path, [part], kind="verify")
    except (MigratorError, OSError) as exc:
        get_logger("migrator.verify").warning("report not written", path=str(path), error=str(exc))
        return None
