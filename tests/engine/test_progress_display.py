"""The progress display as a person sees it: `migrator run` in a pseudo-terminal, its
output rendered by a terminal model (pyte); and, not on a terminal, JSON progress lines."""

from __future__ import annotations

import fcntl
import os
import re
import struct
import subprocess
import termios

import anyio
import anyio.to_thread
import orjson
import pyte
import pytest

from migrator.emulator import Faults
from migrator.engine import RunStats, run_migration
from migrator.engine.progress import ProgressView
from migrator.mapping import load_mapping
from tests.conftest import opens_of
from tests.engine.conftest import MIGRATOR, TEAM_MAPPING, cli_env, team_rows, write_csv, writes

pytestmark = pytest.mark.anyio

COLUMNS, LINES = 140, 500  # tall enough that nothing printed scrolls off the model's screen
# A log line as structlog renders it on a terminal: "2026-12-02T16:00:00.123Z [warning  ] ..."
LOG_LINE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[.\d]*Z \[(\w+)\s*\] ")
BAR_CHARS = ("━", "╸", "╺")


def run_in_pty(args: list[str], env: dict[str, str], timeout: float = 60) -> tuple[int, bytes]:
    """``args`` with stdin, stdout and stderr on a pseudo-terminal of COLUMNS x LINES;
    everything it wrote, and its exit code."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    env = {**env, "TERM": "xterm", "COLUMNS": str(COLUMNS), "LINES": str(LINES)}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        args, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    chunks = []
    try:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the last holder of the slave side is gone
                break
            if not chunk:
                break
            chunks.append(chunk)
        return process.wait(timeout=timeout), b"".join(chunks)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()


def screen_of(output: bytes) -> list[str]:
    """The terminal's lines once ``output`` is drawn (cursor moves, erasures and all)."""
    screen = pyte.Screen(COLUMNS, LINES)
    stream = pyte.ByteStream(screen)
    stream.feed(output.replace(b"\n", b"\r\n") if b"\r\n" not in output else output)
    return [line.rstrip() for line in screen.display]


async def test_the_bar_stays_whole_under_throttling_with_log_lines_above_it(
    make_emulator, tmp_path
):
    # Throttled at 40 calls a second while sending up to 100 (each 429 pauses every
    # request a second); and 5xx answers, two attempts each: some records fail, each with
    # a warning line.
    emulator = await make_emulator(seed=5, faults=Faults(throttle_per_second=40, error_rate=0.1))
    source = write_csv(tmp_path / "team.csv", team_rows(500))
    args = [
        MIGRATOR, "--log-level", "info", "run", str(TEAM_MAPPING), "--source", str(source),
        "--ledger", str(tmp_path / "l.sqlite"), "--rate", "100", "--concurrency", "8",
        "--max-attempts", "2", "--settle-delay", "0.2", "--settle-timeout", "0.6",
        "--canary", "0",
    ]  # fmt: skip
    code, output = await anyio.to_thread.run_sync(
        lambda: run_in_pty(args, cli_env(emulator.base_url))
    )
    lines = screen_of(output)
    shown = "\n".join(lines)
    state = emulator.state()
    throttles = sum(1 for r in writes(state) if r["status"] == 429)
    assert throttles >= 3, "the fault should have throttled the run"
    assert code == 1, shown  # some records failed after their two attempts

    bars = [line for line in lines if line.startswith("team_members.toml")]
    assert len(bars) == 1, shown  # one mapping, one bar, drawn over itself
    (bar,) = bars
    assert any(c in bar for c in BAR_CHARS), bar
    match = re.search(r"(\d+)%\s+([\d,]+)/([\d,]+)\s+[\d.]+ writes/s\s+ETA \d:\d\d:\d\d$", bar)
    assert match, bar
    percent, done, total = (int(g.replace(",", "")) for g in match.groups())
    assert percent == 100 and done == total == 500, bar
    assert not LOG_LINE.search(bar), f"a log line glued onto the bar: {bar!r}"

    # The counters under the bar: what the emulator answered, counted, not logged.
    counts_line = lines[lines.index(bar) + 1]
    counters = dict(part.rsplit(" ", 1) for part in counts_line.strip().split(" · "))
    assert int(counters["throttled"].replace(",", "")) == throttles, counts_line
    failed = int(counters["failed"])
    accepted = int(counters["accepted"].replace(",", ""))
    assert failed > 0 and accepted + failed == 500, counts_line
    assert int(counters["retries"]) > 0, counts_line
    assert counters["read"] == "500/500", counts_line
    assert len(state["collections"]["team_members"]) == accepted

    # Every log line is whole, on its own line, above the bar; throttles are not logged.
    logged = [line for line in lines if LOG_LINE.search(line)]
    assert all(LOG_LINE.match(line) for line in logged), logged
    assert sum("record failed" in line for line in logged) == failed, shown
    assert not [line for line in logged if "throttled" in line or "retrying" in line]
    assert max(lines.index(line) for line in logged) < lines.index(bar)
    # Nothing else on the screen is a fragment of the bar or of a log line.
    strays = [line for line in lines if "writes/s" in line and line != bar]
    assert not strays, strays

    # The summary follows the bar.
    summary = lines.index(next(line for line in lines if "Migration run" in line))
    assert summary > lines.index(bar)
    assert re.search(r"records read\s+│\s+500 │", shown), shown
    assert re.search(rf"accepted by ButterCMS \(202\)\s+│\s+{accepted} │", shown), shown


async def test_not_on_a_terminal_progress_is_json_lines_every_few_seconds(make_emulator, tmp_path):
    emulator = await make_emulator(faults=Faults(latency=0.02, throttle_per_second=20))
    source = write_csv(tmp_path / "team.csv", team_rows(120))
    args = [
        MIGRATOR, "run", str(TEAM_MAPPING), "--source", str(source),
        "--ledger", str(tmp_path / "l.sqlite"), "--rate", "50", "--concurrency", "2",
        "--settle-delay", "0.2", "--settle-timeout", "0.6", "--canary", "0",
    ]  # fmt: skip
    env = cli_env(emulator.base_url, MIGRATOR_PROGRESS_EVERY="0.3")
    done = await anyio.run_process(args, env=env, check=False)
    stderr = done.stderr.decode()
    assert done.returncode == 0, stderr
    events = [orjson.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    progress = [e for e in events if e["event"] == "progress" and e.get("stage") == "send"]
    assert len(progress) >= 3, stderr
    for event in progress:
        assert event["mapping"] == "team_members.toml"
        assert event["level"] == "info" and event["timestamp"]
        assert set(event) >= {
            "read", "total", "done", "accepted", "failed", "in_doubt", "rate", "eta_s"
        }  # fmt: skip
        assert 0 <= event["done"] <= event["total"] <= 120
        assert event["failed"] == 0 and event["in_doubt"] == 0
    # The export is read before sending: its 120 records are known from the first line
    # on; the writes are estimated from the share planned (all new: exactly) until the
    # plan reaches the last record...
    assert all(e["total"] == 120 for e in progress), progress
    assert all(e["estimated"] == (e["read"] < 120) for e in progress), progress
    # ...and the run moves: done grows, the ETA shrinks as it does.
    dones = [e["done"] for e in progress]
    assert dones == sorted(dones) and dones[-1] > dones[0]
    assert all(e["rate"] > 0 and e["eta_s"] is not None for e in progress[1:])
    assert "w-token" not in stderr and "r-token" not in stderr
    # Throttles are counted in the lines, not logged one by one (debug level).
    assert not [e for e in events if e["event"] in ("throttled", "retrying")]
    throttles = sum(1 for r in writes(emulator.state()) if r["status"] == 429)
    assert throttles > 0, "the fault should have throttled the run"
    counted = [e["throttled"] for e in progress]
    assert counted == sorted(counted) and counted[-1] <= throttles


# --- the figures, and what reading the export first changes -------------------------


def test_the_writes_are_estimated_from_the_share_planned_until_the_plan_is_complete():
    view = ProgressView(enabled=True, name="m.toml")
    view.expected = 1_000
    stats = RunStats()
    stats.plan.read, stats.plan.to_send, stats.plan.unchanged = 100, 40, 60
    early = view.figures(stats, done=10)
    assert (early.total, early.estimated) == (400, True)
    assert early.fraction == pytest.approx(10 / 400)
    stats.plan.read, stats.plan.to_send, stats.plan.to_delete = 1_000, 380, 5
    late = view.figures(stats, done=385)
    assert (late.total, late.estimated, late.fraction) == (385, False, 1.0)
    # Nothing planned yet: no total, no bar to draw ("planning…").
    assert view.figures(RunStats(), done=0).total is None


async def test_reading_the_export_first_still_reads_it_once(emulator, tmp_path, options):
    source = write_csv(tmp_path / "team.csv", team_rows(300))
    opts = options(show_progress=True)
    with opens_of(source) as opens:
        stats = await run_migration(
            load_mapping(TEAM_MAPPING), source, opts, base_url=emulator.base_url,
            write_token="w-token",
        )  # fmt: skip
    assert len(opens) == 1, "the run replays its spool: the export is not read again"
    assert (stats.plan.read, stats.sent.accepted, stats.exit_code) == (300, 300, 0)
    assert len(emulator.state()["collections"]["team_members"]) == 300
