"""The --prune guard: a source that reads short must not empty the site.

The case from the issue: a header-only CSV planned to delete all 24 items of its
collection. Real runs of the CLI against the emulator, a terminal (a pty) where one asks.
"""

from __future__ import annotations

import os

import anyio
import pytest

from migrator.engine import PruneGuard, PrunePlan
from tests.engine.conftest import cli_env, items_by_email, team_rows, write_csv
from tests.engine.conftest import run_args as team_run

pytestmark = pytest.mark.anyio


def run_args(source, ledger, *extra: str) -> list[str]:
    return team_run(source, ledger, "--rate", "500", "--concurrency", "8", *extra)


def flat(done) -> str:
    return " ".join(done.stdout.decode().split())


async def filled(emulator, tmp_path, n: int = 24):
    source = write_csv(tmp_path / "team.csv", team_rows(n))
    ledger = tmp_path / "l.sqlite"
    env = cli_env(emulator.base_url)
    first = await anyio.run_process(run_args(source, ledger), env=env, check=False)
    assert first.returncode == 0, first.stdout.decode()
    await emulator.settle()
    assert len(items_by_email(emulator.state())) == n
    return source, ledger, env


async def test_a_header_only_csv_deletes_nothing_without_a_say_so(emulator, tmp_path):
    source, ledger, env = await filled(emulator, tmp_path)
    write_csv(source, [])  # the header only: the export came out empty

    dry = await anyio.run_process(
        run_args(source, ledger, "--dry-run", "--prune"), env=env, check=False
    )
    out = flat(dry)
    assert dry.returncode == 0, out
    assert "deleted: gone from the source (--prune) │ 24" in out
    assert "A real run would not delete these without asking" in out
    assert "an empty source looks like the wrong export" in out

    real = await anyio.run_process(run_args(source, ledger, "--prune"), env=env, check=False)
    out = flat(real)
    assert real.returncode == 1, out
    assert "Nothing was pruned" in out
    assert "--prune would delete 24 of the 24 collection team_members records" in out
    assert "--max-delete 24 (or --yes)" in out
    await emulator.settle()
    assert [r for r in emulator.state()["requests"] if r["method"] == "DELETE"] == []
    assert len(items_by_email(emulator.state())) == 24

    # --max-delete below the count still refuses; --yes lets it through.
    short = await anyio.run_process(
        run_args(source, ledger, "--prune", "--max-delete", "23"), env=env, check=False
    )
    assert short.returncode == 1 and "more than --max-delete 23" in flat(short)
    allowed = await anyio.run_process(
        run_args(source, ledger, "--prune", "--yes"), env=env, check=False
    )
    assert allowed.returncode == 0, flat(allowed)
    await emulator.settle()
    assert items_by_email(emulator.state()) == {}
    assert len(emulator.state()["deleted"]["collection_items"]) == 24


async def test_a_small_share_goes_without_asking(emulator, tmp_path):
    source, ledger, env = await filled(emulator, tmp_path, n=20)
    write_csv(source, team_rows(18))  # 2 of 20 gone: 10%
    done = await anyio.run_process(run_args(source, ledger, "--prune"), env=env, check=False)
    assert done.returncode == 0, flat(done)
    await emulator.settle()
    assert len(emulator.state()["deleted"]["collection_items"]) == 2


async def answered(args: list[str], env: dict[str, str], answer: str):
    """``args`` run with a terminal on stdin, where ``answer`` is typed."""
    primary, secondary = os.openpty()
    try:
        os.write(primary, answer.encode() + b"\n")
        with anyio.fail_after(60):
            return await anyio.run_process(args, env=env, stdin=secondary, check=False)
    finally:
        os.close(primary)
        os.close(secondary)


@pytest.mark.parametrize(("answer", "deleted", "exit_code"), [("n", 0, 1), ("y", 24, 0)])
async def test_at_a_terminal_the_guard_asks(emulator, tmp_path, answer, deleted, exit_code):
    source, ledger, env = await filled(emulator, tmp_path)
    write_csv(source, [])
    done = await answered(run_args(source, ledger, "--prune"), env, answer)
    assert "Delete them? [y/N]" in done.stderr.decode()
    assert done.returncode == exit_code, flat(done)
    await emulator.settle()
    assert len(emulator.state()["deleted"]["collection_items"]) == deleted


@pytest.mark.parametrize(
    ("guard", "deletes", "held", "read", "objects"),
    [
        (PruneGuard(), 0, 24, 0, False),  # nothing to delete
        (PruneGuard(), 1, 24, 0, True),  # an empty source: anything at all
        (PruneGuard(), 2, 20, 18, False),  # 10%
        (PruneGuard(), 3, 20, 17, True),  # 15%
        (PruneGuard(max_delete=3), 3, 20, 17, False),
        (PruneGuard(max_delete=3), 4, 20, 16, True),
        (PruneGuard(max_delete=5), 5, 5, 0, False),  # the user said how many
        (PruneGuard(allow_all=True), 24, 24, 0, False),
    ],
)
def test_the_guard_objects_to(guard, deletes, held, read, objects):
    plan = PrunePlan("collection:team_members", deletes, held, read)
    assert (guard.objection(plan) is not None) == objects
