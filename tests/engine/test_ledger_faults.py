"""The ledger's file failing under a real `migrator run`: another path to a ledger in use,
an emptied ledger, damaged pages, a read-only file or folder, a full disk, another
program's lock, and the run row's exit code. Each ends in one message naming the file and
an exit code (2: nothing sent; 3: stopped mid-run; 130: interrupted), never a traceback,
and the emulator shows that nothing was sent twice."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import anyio
import orjson
import pytest

from migrator.engine import RunOptions, run_migration
from migrator.engine.submit import pool_size
from migrator.ledger import CheckpointLedger
from migrator.mapping import load_mapping
from tests.engine.conftest import (
    MIGRATOR,
    TEAM_MAPPING,
    cli_env,
    items_by_email,
    run_args,
    team_rows,
    wait_until,
    write_csv,
    writes,
)

pytestmark = pytest.mark.anyio


def posts(emulator) -> int:
    return sum(1 for r in writes(emulator.state()) if r["method"] == "POST")


def copies(emulator) -> dict[str, int]:
    return {email: len(items) for email, items in items_by_email(emulator.state()).items()}


async def run(source: Path, ledger: Path, emulator, *extra: str):
    done = await anyio.run_process(
        run_args(source, ledger, "--rate", "500", *extra),
        env=cli_env(emulator.base_url),
        check=False,
    )
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def status(ledger: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MIGRATOR, "status", "--json", "--ledger", str(ledger)], capture_output=True, text=True
    )


def says(out: str, text: str) -> bool:
    """``text`` is in ``out``, however the terminal width wrapped it (long paths too)."""
    return "".join(text.split()) in "".join(out.split())


def one_error_line(stderr: str, start: str) -> None:
    assert stderr.startswith(f"error: {start}"), stderr
    assert len(stderr.splitlines()) == 1, f"one line, no traceback:\n{stderr}"


async def test_a_run_through_a_hard_link_to_a_ledger_in_use_is_refused(emulator, tmp_path):
    ledger = tmp_path / "a.ledger.sqlite"
    linked = tmp_path / "b.ledger.sqlite"
    source = write_csv(tmp_path / "team.csv", team_rows(200))
    assert (await run(write_csv(tmp_path / "one.csv", team_rows(1)), ledger, emulator))[0] == 0
    os.link(ledger, linked)
    first = await anyio.open_process(
        run_args(source, ledger, "--rate", "40"),
        env=cli_env(emulator.base_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await wait_until(lambda: posts(emulator) > 5)
        code, _, err = await run(source, linked, emulator)
        assert code == 2, err
        one_error_line(err, f"ledger {linked} is in use by another migrator run (pid {first.pid}")
    finally:
        first.terminate()
        await first.wait()
    assert first.returncode == 130
    code, out, err = await run(source, ledger, emulator)  # the first one's rest
    assert code == 0, out + err
    await emulator.settle()
    assert sorted(copies(emulator).values()) == [1] * 200, "each record created once"


async def test_an_emptied_ledger_is_refused_and_nothing_is_sent_again(emulator, tmp_path):
    ledger = tmp_path / "x.ledger.sqlite"
    source = write_csv(tmp_path / "team.csv", team_rows(200))
    assert (await run(source, ledger, emulator))[0] == 0
    ledger.write_bytes(b"")  # `: > x.ledger.sqlite`
    code, _, err = await run(source, ledger, emulator)
    assert code == 2
    one_error_line(err, f"ledger {ledger} is empty (0 bytes).")
    assert "Restore it from a backup" in err
    assert posts(emulator) == 200, "no create sent again"


async def test_damaged_pages_stop_the_run_before_it_sends(emulator, tmp_path):
    ledger = tmp_path / "x.ledger.sqlite"
    source = write_csv(tmp_path / "team.csv", team_rows(100))
    assert (await run(source, ledger, emulator))[0] == 0
    size = ledger.stat().st_size
    with ledger.open("r+b") as f:  # every page but the first (SQLite's own header)
        f.seek(4096)
        f.write(os.urandom(size - 4096))
    more = write_csv(tmp_path / "more.csv", team_rows(150))
    code, _, err = await run(more, ledger, emulator)
    assert code == 2
    one_error_line(err, f"ledger {ledger}: the file is damaged (")
    assert "restore it from a backup" in err
    assert posts(emulator) == 100, "nothing sent"
    shown = status(ledger)
    assert shown.returncode == 2
    one_error_line(shown.stderr, f"ledger {ledger}: the file is damaged (")
    verify = [MIGRATOR, "verify", str(TEAM_MAPPING), "--source", str(more), "--ledger", str(ledger)]
    checked = await anyio.run_process(verify, env=cli_env(emulator.base_url), check=False)
    assert checked.returncode == 2
    one_error_line(checked.stderr.decode(), f"ledger {ledger}: the file is damaged (")


def writable(path: Path) -> None:
    subprocess.run(["chattr", "-i", str(path)], check=True)


def copy_ledger(ledger: Path, to: Path) -> None:
    """The ledger and its -wal (commits not yet copied into it), as a backup takes them."""
    for suffix in ("", "-wal"):
        if Path(f"{ledger}{suffix}").exists():
            shutil.copyfile(f"{ledger}{suffix}", f"{to}{suffix}")


@pytest.fixture
def immutable():
    """``chattr +i`` (it stops root too, unlike chmod); undone at teardown."""
    done: list[Path] = []

    def make(path: Path) -> None:
        result = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
        if result.returncode:
            pytest.skip(f"chattr +i is not available here: {result.stderr.strip()}")
        done.append(path)

    yield make
    for path in done:
        writable(path)


@pytest.mark.skipif(shutil.which("chattr") is None, reason="needs chattr")
async def test_a_read_only_ledger_or_folder_is_refused_before_sending(
    emulator, tmp_path, immutable
):
    folder = tmp_path / "state"
    folder.mkdir()
    ledger = folder / "x.ledger.sqlite"
    source = write_csv(tmp_path / "team.csv", team_rows(20))
    assert (await run(source, ledger, emulator))[0] == 0
    more = write_csv(tmp_path / "more.csv", team_rows(30))
    immutable(ledger)
    code, _, err = await run(more, ledger, emulator)
    assert code == 2
    one_error_line(err, f"ledger {ledger}: cannot be written (Operation not permitted")
    assert f"make the file and its folder {folder} writable" in err
    writable(ledger)
    immutable(folder)  # SQLite cannot make its -wal and -shm beside the ledger
    code, _, err = await run(more, ledger, emulator)
    assert code == 2
    one_error_line(err, f"ledger {ledger}: cannot be written (")
    assert posts(emulator) == 20, "nothing sent"
    shown = status(ledger)  # reading needs no writing
    assert shown.returncode == 0, shown.stderr
    assert orjson.loads(shown.stdout)["counts"]["accepted"] == 20


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB tmpfs (needs root and mount; skipped where that is not allowed)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=True)


async def test_a_full_disk_stops_the_run_and_keeps_what_was_sent(emulator, tmp_path, small_disk):
    ledger = small_disk / "x.ledger.sqlite"
    assert (await run(write_csv(tmp_path / "one.csv", team_rows(1)), ledger, emulator))[0] == 0
    free = shutil.disk_usage(small_disk).free
    (small_disk / "filler").write_bytes(b"\0" * (free - 100 * 1024))
    source = write_csv(tmp_path / "team.csv", team_rows(500))
    code, out, err = await run(source, ledger, emulator)
    assert code == 3, out + err
    assert "Traceback" not in out + err
    assert says(out, f"Run stopped: ledger {ledger}: the disk is full")
    sent = posts(emulator)
    assert 1 < sent < 500, "stopped mid-run, and sent nothing more"

    # Every create that left is in the ledger: accepted, or in flight (to be read back).
    # Also in flight: creates begun (durably) while they waited for a request slot, which
    # the full disk kept from going back to planned: at most the pool's workers beyond its
    # slots (``pool_size``); the resume below reads them back, finds them absent and
    # creates them once. What must hold is that no create left unrecorded: >= sent.
    (small_disk / "filler").unlink()
    shown = status(ledger)
    assert shown.returncode == 0, shown.stderr
    counts = orjson.loads(shown.stdout)["counts"]
    waiting = pool_size(RunOptions().concurrency) - RunOptions().concurrency
    assert sent <= counts["accepted"] + counts["in_flight"] <= sent + waiting
    # Moved to a bigger disk, the ledger resumes the run: none lost, none twice.
    moved = tmp_path / "moved.ledger.sqlite"
    copy_ledger(ledger, moved)
    code, out, err = await run(source, moved, emulator)
    assert code == 0, out + err
    await emulator.settle()
    assert sorted(copies(emulator).values()) == [1] * 500


# Another program (an sqlite3 shell, say) holds the ledger's write lock for a while: the
# run waits 5 s (busy_timeout), then stops; once the lock is let go, its row is written.
# Polled, not waited for with a busy timeout: a running ledger holds its write lock nearly
# all the time (marks are batched), and SQLite's backing-off busy handler can miss every gap.
HOLD_SQLITE_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0)
deadline = time.monotonic() + 30
while True:
    try:
        conn.execute("BEGIN EXCLUSIVE")
        break
    except sqlite3.OperationalError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.0002)
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


async def test_another_programs_lock_mid_run_stops_it_with_exit_3(emulator, tmp_path):
    ledger = tmp_path / "x.ledger.sqlite"
    source = write_csv(tmp_path / "team.csv", team_rows(400))
    output = tmp_path / "run.out"
    with output.open("wb") as sink:
        # 10 s of sending: room for the holder to start and lock on a busy machine (the run
        # stops 5 s after that, so the test takes no longer for it).
        process = await anyio.open_process(
            run_args(source, ledger, "--rate", "40"),
            env=cli_env(emulator.base_url),
            stdout=sink,
            stderr=sink,
        )
    await wait_until(lambda: posts(emulator) > 20)
    hold = [sys.executable, "-c", HOLD_SQLITE_LOCK, str(ledger), "6.5"]
    async with await anyio.open_process(hold, stderr=subprocess.DEVNULL) as holder:
        try:
            assert holder.stdout is not None
            said = b""
            while not said.endswith(b"\n"):
                said += await holder.stdout.receive()
            assert said == b"locked\n"
            await process.wait()
        finally:
            if holder.returncode is None:
                holder.kill()
    out = output.read_text()
    assert process.returncode == 3, out
    assert "Traceback" not in out
    assert says(out, f"Run stopped: ledger {ledger}: locked by another program for more than 5 s")
    sent = posts(emulator)
    assert sent < 400
    with CheckpointLedger(ledger, readonly=True) as reader:
        counts = reader.counts()
        last = reader.last_run()
    assert counts["accepted"] + counts["in_flight"] == sent
    assert last is not None and last.exit_code == 3, "the run row says how it ended"


async def test_sigterm_mid_run_is_recorded_as_exit_130(emulator, tmp_path):
    ledger = tmp_path / "x.ledger.sqlite"
    source = write_csv(tmp_path / "team.csv", team_rows(200))
    process = await anyio.open_process(
        run_args(source, ledger, "--rate", "40"),
        env=cli_env(emulator.base_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    await wait_until(lambda: posts(emulator) > 10)
    process.send_signal(signal.SIGTERM)
    assert await process.wait() == 130
    shown = status(ledger)
    last = orjson.loads(shown.stdout)["last_run"]
    assert last["finished_at"] is not None and last["exit_code"] == 130


async def test_a_run_cancelled_from_outside_records_exit_130(emulator, tmp_path, options):
    # A caller's cancel (or Ctrl-C outside the pump's own signal handling) reaches the run
    # as a cancellation: its row must not say it ended well.
    source = write_csv(tmp_path / "team.csv", team_rows(200))
    opts = options(rate=40.0)
    with anyio.move_on_after(1.0):
        await run_migration(
            load_mapping(TEAM_MAPPING), source, opts, base_url=emulator.base_url,
            write_token="w-token", read_token="r-token",
        )  # fmt: skip
    assert 0 < posts(emulator) < 200
    with CheckpointLedger(opts.ledger_path, readonly=True) as reader:
        last = reader.last_run()
    assert last is not None and last.finished_at is not None
    assert last.exit_code == 130
