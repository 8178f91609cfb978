"""``migrator inspect EXPORT``: summarise an export; ``--scaffold KIND`` starts a mapping.

Generic over formats: a source class may define ``sniff`` (format detection),
``describe`` (the summary) and ``scaffold`` (a starter mapping); see
``migrator.sources.base``. ``scaffold`` returns the mapping's TOML text, or a
``Scaffold`` (the JSON sources) that also holds the content model tables the mapping
assumes: the mapping ends with them as a comment, ``--model-out`` writes them to a file.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from migrator.errors import ConfigError
from migrator.outputs import check_output, open_output

# The rest is imported when the command runs: `migrator inspect --help` loads no source.
if TYPE_CHECKING:
    from rich.console import Console
    from rich.tree import Tree

EXAMPLE = """\b
Examples:
  migrator inspect site.WordPress.2024-05-01.xml
  migrator inspect people.csv -o header=false -o 'columns=["name","email"]' \\
      -o 'escape="\\\\"' --scaffold person
  migrator inspect space.json --scaffold blogPost --out mappings/blog.toml \\
      --model-out blog-model.toml
  migrator inspect site.xml --scaffold post --out mappings/my_posts.toml
"""


def parse_option(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` with VALUE a TOML value (``header=false``, ``columns=["a","b"]``),
    or plain text when it is not one (``delimiter=;``)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise click.BadParameter(f"{text!r} is not KEY=VALUE", param_hint="--option")
    try:
        parsed = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value
    return key.strip(), parsed


def detect_format(path: Path) -> str:
    """The first registered format whose ``sniff`` accepts the file (for a folder or a
    zip, the first XML file in it: only WXR exports come in several files)."""
    from migrator.sources import SAMPLE_SIZE, SOURCES, export_parts

    try:
        if path.is_dir() or path.suffix.lower() == ".zip":
            first = export_parts(path, (".xml", ".wxr"))[0]
            with first.open() as fh:
                head = fh.read(SAMPLE_SIZE)
            path = Path(first.name)
        else:
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
    from rich.markup import escape
    from rich.tree import Tree

    tree = Tree(f"[bold]{escape(str(summary.get('file', 'export')))}[/bold]")
    _add(tree, {k: v for k, v in summary.items() if k != "file"})
    console.print(tree)


# Entries shown under one node of the tree (a file with thousands of columns would take
# minutes to draw); --json has them all.
SHOWN_ENTRIES = 200


def _add(node: Tree, value: Any) -> None:
    from rich.markup import escape

    if isinstance(value, dict | list) and len(value) > SHOWN_ENTRIES:
        _add(
            node,
            dict(list(value.items())[:SHOWN_ENTRIES])
            if isinstance(value, dict)
            else value[:SHOWN_ENTRIES],
        )
        node.add(f"... and {len(value) - SHOWN_ENTRIES:,} more (--json shows them all)")
        return
    if isinstance(value, dict):
        for key, sub in value.items():
            if isinstance(sub, dict | list) and sub:
                _add(node.add(f"[cyan]{escape(str(key))}[/cyan]"), sub)
            else:
                node.add(f"[cyan]{escape(str(key))}[/cyan]: {_scalar(sub)}")
    elif isinstance(value, list):
        for sub in value:
            if isinstance(sub, dict):
                label = ", ".join(
                    f"{escape(str(k))}={_scalar(v)}" for k, v in sub.items() if v not in (None, "")
                )
                node.add(label)
            else:
                node.add(_scalar(sub))
    else:
        node.add(_scalar(value))


def _scalar(value: Any) -> str:
    """As text for the tree; an export's own text is escaped ("[x]" is not markup)."""
    from rich.markup import escape

    if value is None:
        return "—"
    if isinstance(value, dict | list) and not value:
        return "none"
    return escape(str(value))


@click.command("inspect", epilog=EXAMPLE)
@click.argument("export", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", help="The export's format (detected when not given).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--scaffold", "kind", metavar="KIND", help="Write a starter mapping for KIND.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where --scaffold writes the mapping (default: print it).",
)
@click.option(
    "--model-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where --scaffold writes the content model tables the mapping assumes, to add "
    "to your content model file (JSON formats; the mapping ends with them as a comment).",
)
@click.option("--force", is_flag=True, help="Overwrite --out and --model-out if they exist.")
@click.option(
    "-o",
    "--option",
    "options",
    multiple=True,
    metavar="KEY=VALUE",
    help="A [source] option to read EXPORT with, VALUE in TOML (header=false, "
    '\'columns=["a", "b"]\', \'escape="\\\\"\'); repeatable. A CSV scaffold writes them '
    "into its [source].",
)
def inspect_command(
    export: Path,
    fmt: str | None,
    as_json: bool,
    kind: str | None,
    out: Path | None,
    model_out: Path | None,
    force: bool,
    options: tuple[str, ...],
) -> None:
    """Show what is inside EXPORT: record kinds and counts, fields, meta keys, locales,
    authors, media hosts, and what could not be read, to write a mapping from.

    With --scaffold KIND, write a starter mapping for one record kind instead: a
    WordPress post type, a Contentful content type, a Sanity _type, a Strapi content
    type, or for other JSON a records path ([*], data.items[*]) or a type value.
    """
    from migrator.sources import open_source

    fmt = fmt or detect_format(export)
    source: Any = open_source(fmt, export, **dict(parse_option(o) for o in options))
    if kind is not None:
        if options and fmt != "csv":
            click.echo("note: add the --option values to the mapping's [source] too", err=True)
        write_scaffold(source, fmt, kind, out, model_out, force=force)
        return
    if out is not None or model_out is not None:
        raise click.UsageError("--out and --model-out go with --scaffold")
    if not hasattr(source, "describe"):
        raise click.UsageError(f"the {fmt} source cannot describe an export")
    summary = source.describe()
    if as_json:
        import orjson

        click.echo(orjson.dumps(summary, option=orjson.OPT_INDENT_2).decode())
    else:
        from migrator.consoles import make_console

        render(summary, make_console(soft_wrap=True))


def write_scaffold(
    source: Any, fmt: str, kind: str, out: Path | None, model_out: Path | None, *, force: bool
) -> None:
    from migrator.sources import Scaffold

    if not hasattr(source, "scaffold"):
        raise click.UsageError(f"the {fmt} source cannot scaffold a mapping")
    try:
        result: str | Scaffold = source.scaffold(kind)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    text, model = (result.mapping, result.model) if isinstance(result, Scaffold) else (result, None)
    if model_out is not None and model is None:
        raise click.UsageError(
            f"the {fmt} scaffold targets the shipped content model: there is no --model-out"
        )
    # Both refused before either is written: a scaffold is often edited by hand afterwards.
    outputs = [(p, t) for p, t in ((model_out, model), (out, text)) if p and t is not None]
    for path, _ in outputs:
        check_output(path, replace=force)
    for path, content in outputs:
        with open_output(path, replace=force) as file:
            file.write(content.encode("utf-8"))
    if model_out is not None and model is not None:
        click.echo(f"wrote {model_out} (add it to your content model file)", err=True)
    if out is None:
        click.echo(text, nl=False)
        return
    click.echo(f"wrote {out}", err=True)
    if model is not None and model_out is None:
        click.echo(
            "its content model tables are at its end (--model-out writes them to a file)",
            err=True,
        )
