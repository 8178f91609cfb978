"""``migrator init [DIR]``: a starter project to copy from, written from what the package ships.

The project holds the content model and the example mappings (``mappings/``), the sample
exports they read (``samples/``), a ``migrator.toml`` with a rehearsal and a live profile,
and a ``.gitignore`` for the state a run leaves. Nothing is overwritten without ``--force``.
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from migrator.config import CONFIG_NAME, EXAMPLE_MAPPINGS, SAMPLES
from migrator.errors import ConfigError
from migrator.outputs import check_output, open_output

CONFIG = """\
# migrator's settings for this project, read by `migrator run`, `verify` and `status` when
# run from this folder (elsewhere: --config FILE or MIGRATOR_CONFIG). Pick a profile with
# --profile NAME (or MIGRATOR_PROFILE): its keys override [defaults]; a flag or its
# environment variable (BUTTER_API_BASE, MIGRATOR_STATE, BUTTER_WRITE_TOKEN...) overrides both.
#
# Keys: api_base, token_file, token_env, read_token_file, read_token_env, rate,
# concurrency, canary, state. Tokens never go in this file: name the file holding one
# (token_file, relative to this file) or the environment variable (token_env).

[defaults]
rate = 5.0           # writes per second (Butter's guidance: one every 200 ms)
concurrency = 4      # requests in flight at once
canary = 3           # records sent first, then read back, before the rest
state = ".migrator"  # ledgers and reports, one folder per target

# A rehearsal against a local emulator:
#   migrator emulator --sample-media      (in another terminal; tokens w-token / r-token)
#   EMULATOR_WRITE_TOKEN=w-token EMULATOR_READ_TOKEN=r-token \\
#       migrator run mappings/team_members.toml --profile rehearsal
[profile.rehearsal]
api_base = "http://127.0.0.1:8700/v2"
token_env = "EMULATOR_WRITE_TOKEN"
read_token_env = "EMULATOR_READ_TOKEN"
rate = 50.0

# The real account: Settings → API Tokens in ButterCMS.
[profile.live]
api_base = "https://api.buttercms.com/v2"
token_env = "BUTTER_WRITE_TOKEN"
read_token_env = "BUTTER_READ_TOKEN"
# token_file = "~/.config/butter/write-token"   # instead of token_env
"""

GITIGNORE = """\
# What migrator runs leave: the state folder (ledgers, reports), and ledgers or reports
# kept elsewhere with --ledger (with their -wal, -shm and .lock files).
.migrator/
*.ledger.sqlite*
*.failures.jsonl
*.warnings.jsonl
*.preview.jsonl
*.verify.jsonl
*.report.html
"""

# `path = "../migrator/samples/x.csv"` in a shipped mapping: relative to the repository's
# mappings/ folder. In the project the samples sit in samples/, beside mappings/.
_SAMPLE_PATH = re.compile(r'^(path\s*=\s*")\.\./migrator/samples/', re.MULTILINE)
# Any other default source path (an export the package does not ship): left as a comment.
_OTHER_PATH = re.compile(r'^(path\s*=\s*"\.\./(?!samples/)[^"]*").*$', re.MULTILINE)


def starter_files() -> dict[Path, bytes]:
    """Relative path → content of every file ``init`` writes."""
    files: dict[Path, bytes] = {
        Path(CONFIG_NAME): CONFIG.encode(),
        Path(".gitignore"): GITIGNORE.encode(),
    }
    for mapping in sorted(EXAMPLE_MAPPINGS.glob("*.toml")):
        text = _SAMPLE_PATH.sub(r"\1../samples/", mapping.read_text(encoding="utf-8"))
        text = _OTHER_PATH.sub(r"# \1   # not in the starter project: give --source", text)
        files[Path("mappings") / mapping.name] = text.encode()
    for sample in sorted(SAMPLES.iterdir()):
        if sample.is_file():
            files[Path("samples") / sample.name] = sample.read_bytes()
    return files


def write_starter(folder: Path, *, force: bool = False) -> list[Path]:
    """Write the starter project into ``folder``; the paths written. Refuses, before
    writing anything, when a file is there already (unless ``force``)."""
    files = starter_files()
    there = [folder / name for name in files if (folder / name).exists()]
    if there and not force:
        names = ", ".join(str(p) for p in there[:3])
        more = f" and {len(there) - 3} more" if len(there) > 3 else ""
        raise ConfigError(f"already there: {names}{more}; --force overwrites them")
    for name in files:
        check_output(folder / name)  # never through a link, even with --force
    written = []
    for name, content in files.items():
        with open_output(folder / name) as out:
            out.write(content)
        written.append(folder / name)
    return written


@click.command("init")
@click.argument(
    "folder",
    required=False,
    default=".",
    type=click.Path(file_okay=False, path_type=Path),
)
@click.option("--force", is_flag=True, help="Overwrite files that are already there.")
def init_command(folder: Path, force: bool) -> None:
    """Write a starter project into FOLDER (default: here): the content model and the
    example mappings in mappings/, the sample exports they read in samples/, a
    migrator.toml with a rehearsal and a live profile, and a .gitignore for the state
    runs leave. Existing files are left alone unless --force.

    \b
    Example:
      migrator init my-site && cd my-site
      migrator run mappings/team_members.toml --dry-run
    """
    written = write_starter(folder, force=force)
    for path in written:
        click.echo(f"wrote {path}")
    where = "" if folder == Path() else f"cd {folder} && "
    click.echo(
        f"\n{len(written)} files. Next: {where}migrator run mappings/team_members.toml --dry-run\n"
        "Rehearse: start `migrator emulator --sample-media` in another terminal, set\n"
        "EMULATOR_WRITE_TOKEN and EMULATOR_READ_TOKEN to its tokens (w-token and r-token\n"
        "unless told otherwise), then: migrator run mappings/team_members.toml --profile rehearsal"
    )
