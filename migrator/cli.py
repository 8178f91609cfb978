"""The command line: parses options, wires the stages together, prints. No business logic.

Each stage that has a command keeps it beside its code (``migrator/<stage>/command.py``);
this module only gathers them, so the commands list stays in one place.
"""

from __future__ import annotations

import importlib
import sys
from typing import NoReturn

import click

from migrator import log
from migrator.errors import MigratorError
from migrator.interrupts import EXIT_CODE, INTERRUPTS

# command name -> "module:attribute" of a click command, imported when used, so
# `migrator --help` stays fast and one broken stage does not take down the others.
COMMANDS: dict[str, str] = {
    "demo": "migrator.demo:demo_command",
    "emulator": "migrator.emulator.command:emulator_command",
    "init": "migrator.starter:init_command",
    "inspect": "migrator.inspect.command:inspect_command",
    "status": "migrator.ledger.command:status_command",
    "run": "migrator.site.command:run_command",
    "verify": "migrator.verify.command:verify_command",
}


# What `migrator --help` lists for each command, so that listing them imports none.
SUMMARIES: dict[str, str] = {
    "demo": "Rehearse a whole migration of the bundled samples, locally.",
    "emulator": "Run a local ButterCMS for rehearsals, faults on demand.",
    "init": "Write a starter project: content model, example mappings, migrator.toml.",
    "inspect": "Show what an export holds, or scaffold its mapping.",
    "status": "Show what a checkpoint ledger knows: states, failures, runs.",
    "run": "Migrate an export into ButterCMS, as its mappings describe.",
    "verify": "Read migrated records back and compare them with what was sent.",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            summary = SUMMARIES.get(name)
            if summary is None:  # a command without one: its own short help
                command = self.get_command(ctx, name)
                summary = command.get_short_help_str() if command is not None else ""
            rows.append((name, summary))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--log-json", is_flag=True, help="Log JSON lines (default when not a terminal).")
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
@click.version_option(package_name="migrator")
def cli(log_json: bool, log_level: str) -> None:
    """Move content into ButterCMS: from CSV, WordPress and other CMS exports.

    \b
    Quick start:
      migrator demo                      # rehearse on the bundled samples
      migrator init my-site              # a starter project to adapt
      migrator emulator --sample-media   # a local ButterCMS on port 8700
    """
    log.configure(json=True if log_json else None, level=log_level)
    INTERRUPTS.ready()  # the command's module is imported: it starts now


def main() -> None:
    # Ctrl-C and SIGTERM (interrupts.py): exit at once while importing, a run stops
    # gracefully, anywhere else KeyboardInterrupt.
    INTERRUPTS.install()
    log.redact_output()  # a token never reaches the terminal, whatever prints it
    try:
        cli.main(standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):
        interrupted()
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if isinstance(exc, click.UsageError) else exc.exit_code)
    except MigratorError as exc:
        click.echo(f"error: {log.redact_text(str(exc))}", err=True)
        sys.exit(exc.exit_code)
    except SystemExit as exc:
        if INTERRUPTS.received and not exc.code:
            interrupted()  # heard after the command decided it had succeeded
        raise
    except BaseException:
        if INTERRUPTS.received:
            interrupted()  # a KeyboardInterrupt that came up wrapped in another exception
        raise
    if INTERRUPTS.received:
        interrupted()


def interrupted() -> NoReturn:
    click.echo("Interrupted.", err=True)
    sys.exit(EXIT_CODE)
