"""Engine tests: real runs against the emulator on 127.0.0.1, inputs generated per test."""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import pytest

from migrator.engine import RunOptions

ROOT = Path(__file__).resolve().parents[2]
TEAM_MAPPING = ROOT / "mappings" / "team_members.toml"
MIGRATOR = str(Path(sys.executable).with_name("migrator"))
HEADER = ["name", "email", "position", "bio", "photo", "joined", "active"]


def team_rows(n: int, *, start: int = 0) -> list[list[str]]:
    return [
        [f"Person {i}", f"person{i}@example.com", "Engineer", f"Bio {i}", "", "03/15/2021", "yes"]
        for i in range(start, start + n)
    ]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def options(tmp_path: Path):
    """RunOptions for fast tests: quick pacing, tiny backoffs, short settle delay."""

    def make(**overrides) -> RunOptions:
        values = dict(
            ledger_path=tmp_path / "run.ledger.sqlite",
            failures_path=tmp_path / "run.failures.jsonl",
            preview_path=tmp_path / "run.preview.jsonl",
            rate=500.0,
            concurrency=4,
            backoff_base=0.01,
            backoff_cap=0.05,
            settle_delay=0.2,
            settle_timeout=0.6,
            show_progress=False,
        )
        values.update(overrides)
        return RunOptions(**values)

    return make


def run_args(source: Path, ledger: Path, *extra: str) -> list[str]:
    """``migrator run`` of the team mapping, quick settling, no canary; ``extra`` comes last
    (click takes an option's last value, so it may override these)."""
    return [
        MIGRATOR, "--log-level", "warning", "run", str(TEAM_MAPPING), "--source", str(source),
        "--ledger", str(ledger), "--no-progress", "--settle-delay", "0.2",
        "--settle-timeout", "0.6", "--canary", "0", *extra,
    ]  # fmt: skip


def cli_env(base_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUTTER_")}
    env.update(BUTTER_API_BASE=base_url, BUTTER_WRITE_TOKEN="w-token", BUTTER_READ_TOKEN="r-token")
    env.update(extra)
    return env


def items_by_email(state: dict) -> dict[str, list[dict]]:
    """Collection items grouped by email: more than one item per email is a duplicate."""
    out: dict[str, list[dict]] = {}
    for item in state["collections"].get("team_members", {}).values():
        # The emulator keeps fields per locale; the team CSV is single-locale (en).
        out.setdefault(item["fields"]["en"]["email"], []).append(item)
    return out


def writes(state: dict) -> list[dict]:
    return [r for r in state["requests"] if r["method"] in ("POST", "PATCH", "PUT", "DELETE")]


async def wait_until(condition) -> None:
    """Poll the emulator's state (it has no event to wait on) until ``condition()`` holds."""
    import anyio

    with anyio.fail_after(30):
        while not condition():  # noqa: ASYNC110
            await anyio.sleep(0.02)
