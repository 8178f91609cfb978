"""`migrator status`: what a ledger knows, read without locking it (works during a run)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from migrator.command_options import profile_options, settings
from migrator.config import DEFAULT_STATE, target_slug
from migrator.errors import ConfigError

# The rest is imported when the command runs: `migrator status --help` loads no SQLite.
if TYPE_CHECKING:
    from rich.console import Console

    from migrator.ledger.types import RunInfo


def find_ledger(
    mapping: Path | None = None, *, state: Path | None = None, base: str | None = None
) -> Path:
    """The ledger ``migrator run`` keeps by default: in the state folder of the target
    BUTTER_API_BASE names (``.migrator/<target>/``), else of any target; then here or in
    ``mappings/``. With ``mapping``, that mapping's ledger. ``state`` and ``base`` (a
    profile's) count when MIGRATOR_STATE and BUTTER_API_BASE are not set."""
    name = f"{mapping.stem}.ledger.sqlite" if mapping is not None else "*.ledger.sqlite"
    state = Path(os.environ.get("MIGRATOR_STATE") or state or DEFAULT_STATE)
    base = os.environ.get("BUTTER_API_BASE") or base
    searches = [(state / target_slug(base), name)] if base else []
    searches += [(state, f"*/{name}"), (Path(), name), (Path("mappings"), name)]
    for folder, pattern in searches:
        found = sorted(folder.glob(pattern))
        if len(found) == 1:
            return found[0]
        if found:
            names = ", ".join(str(p) for p in found)
            raise ConfigError(f"several ledgers found ({names}); pick one with --ledger PATH")
    raise ConfigError(
        f"no ledger found in {state}/<target>/, {Path.cwd()} or its mappings/ folder; "
        "pass --ledger PATH, or run `migrator run` first"
    )


def collect(path: Path) -> dict[str, Any]:
    """Everything `status` shows, as plain data (what --json prints)."""
    from migrator.ledger.lock import pid_alive, read_holder
    from migrator.ledger.store import CheckpointLedger

    with CheckpointLedger(path, readonly=True) as ledger:
        counts = ledger.counts()
        failures = ledger.failures_by_reason()
        run = ledger.last_run()
    holder = read_holder(path)
    running = holder if holder and pid_alive(int(holder.get("pid", 0) or 0)) else None
    return {
        "ledger": str(path),
        "counts": counts,
        "total": sum(counts.values()),
        "failures": [
            {
                "reason": group.reason,
                "count": group.total,
                "examples": [ex._asdict() for ex in group.examples],
            }
            for group in failures
        ],
        "last_run": _run_dict(run) if run else None,
        "running": running,
    }


def _run_dict(run: RunInfo) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "mapping": run.mapping,
        "source": run.source,
        "exit_code": run.exit_code,
        "counts": dict(run.counts),
        "pid": run.pid,
    }


def run_line(report: dict[str, Any]) -> str:
    """The last run in one line."""
    run = report["last_run"]
    if run is None:
        return "No run recorded yet."
    started = run["started_at"][:19].replace("T", " ")
    line = f"Last run #{run['run_id']}: started {started} UTC"
    if run["finished_at"]:
        line += (
            f", finished {run['finished_at'][:19].replace('T', ' ')} UTC, exit {run['exit_code']}"
        )
    elif report["running"] and report["running"].get("pid") == run["pid"]:
        line += f", still running (pid {run['pid']})"
    else:
        line += ", did not finish (killed or crashed); `migrator run` resumes it"
    inputs = [f"{k} {run[k]}" for k in ("mapping", "source") if run[k]]
    return line + (f"; {', '.join(inputs)}" if inputs else "")


def render(report: dict[str, Any], console: Console) -> None:
    from rich.table import Table
    from rich.text import Text

    from migrator.ledger.types import LedgerState

    console.print(Text(f"Ledger {report['ledger']}", style="bold"))
    table = Table(show_header=True, header_style="bold")
    table.add_column("State")
    table.add_column("Records", justify="right")
    for state, n in report["counts"].items():
        if state in (LedgerState.VERIFIED, LedgerState.DELETED) and not n:
            continue  # only shown once `verify` or `run --prune` has been used
        table.add_row(state, str(n))
    table.add_row(Text("total", style="bold"), Text(str(report["total"]), style="bold"))
    console.print(table)

    if report["failures"]:
        failures = Table(title="Failures by reason", title_justify="left", show_lines=True)
        failures.add_column("Count", justify="right")
        failures.add_column("Reason", overflow="fold")
        failures.add_column("Examples", overflow="fold")
        for group in report["failures"]:
            examples = "\n".join(
                f"{ex['target']} {ex['identity']}" + (f" ({ex['source']})" if ex["source"] else "")
                for ex in group["examples"]
            )
            # Text, not markup: a reason like "[400] ..." must print as it is.
            failures.add_row(str(group["count"]), Text(group["reason"]), Text(examples))
        console.print(failures)
    else:
        console.print("No failures.")
    console.print(Text(run_line(report)))


@click.command("status")
@click.option(
    "--ledger",
    "ledger_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="MIGRATOR_LEDGER",
    help="The ledger to read (default: the one *.ledger.sqlite here or in mappings/).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the same report as JSON.")
@profile_options
def status_command(ledger_path: Path | None, as_json: bool) -> None:
    """Show what a checkpoint ledger knows: records per state, failures grouped by
    reason with examples, and the last run.

    Reads without taking the ledger's lock, so it also works while a run is going on
    (it shows what that run has committed so far).

    \b
    Example:
      migrator status --ledger mappings/team.ledger.sqlite
    """
    if ledger_path is None:
        # A profile's state folder and target say where `run` kept the ledger.
        defaults = settings().defaults
        state, base = defaults.get("state"), defaults.get("api_base")
        ledger_path = find_ledger(
            state=state if isinstance(state, Path) else None,
            base=base if isinstance(base, str) else None,
        )
    path = ledger_path
    report = collect(path)
    if as_json:
        import orjson

        click.echo(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())
    else:
        from migrator.consoles import make_console

        render(report, make_console(highlight=False))
