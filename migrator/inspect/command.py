"""``migrator inspect EXPORT``: summarise an export; ``--scaffold KIND`` starts a mapping.

Generic over formats: a source class may define ``sniff`` (format detection),
``describe`` (the summary) and ``scaffold`` (a starter mapping); see
``migrator.sources.base``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import orjson
from rich.console import Console
from rich.tree import Tree

from migrator.errors import ConfigError
from migrator.sources import SOURCES, open_source
from migrator.sources.base import SAMPLE_SIZE

EXAMPLE = """\b
Examples:
  migrator inspect site.WordPress.2024-05-01.xml
  migrator inspect site.xml --scaffold post --out mappings/my_posts.toml
"""


def detect_format(path: Path) -> str:
    """The first registered format whose ``sniff`` accepts the file."""
    try:
        with path.open("rb") as fh:
            head = fh.read(SAMPLE_SIZE)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    for name, cls in SOURCES.items():
        sniff = getattr(cls, "sniff", None)
        if sniff is not None and sniff(path, head):
            return name
    raise ConfigError(
        f"cannot tell the format of {path}; give --format (one of {', '.join(sorted(SOURCES))})"
    )


def render(summary: dict[str, Any], console: Console) -> None:
    tree = Tree(f"[bold]{summary.get('file', 'export')}[/bold]")
    _add(tree, {k: v for k, v in summary.items() if k != "file"})
    console.print(tree)


def _add(node: Tree, value: Any) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            if isinstance(sub, dict | list) and sub:
                _add(node.add(f"[cyan]{key}[/cyan]"), sub)
            else:
                node.add(f"[cyan]{key}[/cyan]: {_scalar(sub)}")
    elif isinstance(value, list):
        for sub in value:
            if isinstance(sub, dict):
                label = ", ".join(
                    f"{k}={_scalar(v)}" for k, v in sub.items() if v not in (None, "")
                )
                node.add(label)
            else:
                node.add(_scalar(sub))
    else:
        node.add(_scalar(value))


def _scalar(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict | list) and not value:
        return "none"
    return str(value)


@click.command("inspect", epilog=EXAMPLE)
@click.argument("export", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", help="The export's format (detected when not given).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--scaffold", "kind", metavar="KIND", help="Write a starter mapping for KIND.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where --scaffold writes the mapping (default: print it).",
)
def inspect_command(
    export: Path, fmt: str | None, as_json: bool, kind: str | None, out: Path | None
) -> None:
    """Show what is inside EXPORT: record kinds and counts, fields, meta keys, locales,
    authors, media hosts, and what could not be read, to write a mapping from.

    With --scaffold KIND, write a starter mapping for one record kind (a WordPress post
    type, say) instead.
    """
    fmt = fmt or detect_format(export)
    source: Any = open_source(fmt, export)
    if kind is not None:
        if not hasattr(source, "scaffold"):
            raise click.UsageError(f"the {fmt} source cannot scaffold a mapping")
        try:
            text = source.scaffold(kind)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        if out is None:
            click.echo(text, nl=False)
        else:
            out.write_text(text, encoding="utf-8")
            click.echo(f"wrote {out}", err=True)
        return
    if out is not None:
        raise click.UsageError("--out goes with --scaffold")
    if not hasattr(source, "describe"):
        raise click.UsageError(f"the {fmt} source cannot describe an export")
    summary = source.describe()
    if as_json:
        click.echo(orjson.dumps(summary, option=orjson.OPT_INDENT_2).decode())
    else:
        render(summary, Console(soft_wrap=True))
