"""``migrator emulator`` and ``migrator demo`` as a user runs them, in a subprocess."""

from __future__ import annotations

import dataclasses
import json
import re
import select
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from migrator.emulator.command import _realism
from migrator.emulator.config import REALISTIC, Realism

ROOT = Path(__file__).resolve().parents[2]
MIGRATOR = [sys.executable, "-m", "migrator"]


def test_emulator_command_serves_until_terminated():
    proc = subprocess.Popen(
        [
            *MIGRATOR,
            "emulator",
            "--model",
            "mappings/content-model.toml",
            "--port",
            "0",
            "--write-token",
            "cli-w",
            "--read-token",
            "cli-r",
            "--error-rate",
            "0",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 15)
        assert ready, "the emulator printed nothing within 15 s"
        line = proc.stdout.readline()
        match = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+/v2)\n", line)
        assert match, line
        base = match.group(1)
        with urllib.request.urlopen(f"{base}/posts/?auth_token=cli-r", timeout=5) as resp:
            assert resp.status == 200
            assert json.load(resp) == {
                "meta": {"count": 0, "next_page": None, "previous_page": None},
                "data": [],
            }
        request = urllib.request.Request(
            f"{base}/posts/", data=b"{}", method="POST", headers={"Authorization": "Token cli-r"}
        )
        try:
            urllib.request.urlopen(request, timeout=5)
        except urllib.error.HTTPError as exc:
            assert exc.code == 401
        else:
            raise AssertionError("a read token was accepted on a write")
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "stopped: 2 requests" in err


def test_emulator_help_ends_with_an_example():
    done = subprocess.run(
        [*MIGRATOR, "emulator", "--help"], capture_output=True, text=True, cwd=ROOT, timeout=30
    )
    assert done.returncode == 0
    for flag in (
        "--delay",
        "--seed",
        "--quota",
        "--throttle",
        "--error-rate",
        "--latency",
        "--drop-before",
        "--drop-after",
        "--cap",
        "--webhook",
        "--duplicate-slugs",
    ):
        assert flag in done.stdout
    assert "Example:" in done.stdout
    assert done.stdout.rstrip().endswith("--seed 7")


def test_emulator_help_names_each_realism_switch_and_its_realistic_value():
    done = subprocess.run(
        [*MIGRATOR, "emulator", "--realistic", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=30,
    )
    assert done.returncode == 0
    text = " ".join(done.stdout.split())  # help lines are wrapped
    for flag in (
        "--realistic",
        "--apply-delay MIN MAX",
        "--read-cache-ttl SECONDS",
        "--late-deletes / --no-late-deletes",
        "--cache-ignores-query-params / --no-cache-ignores-query-params",
        "--cache-preview / --no-cache-preview",
        "--strict-reads / --no-strict-reads",
        "--require-locale / --no-require-locale",
        "--status-per-locale / --no-status-per-locale",
        "--items-draft-by-default / --no-items-draft-by-default",
        "--post-slug-renames / --no-post-slug-renames",
    ):
        assert flag in text
    assert "--realistic: 2 30." in text and "--realistic: 300." in text
    assert text.count("--realistic: on.") == 8


def test_realistic_flags_build_the_realism():
    assert _realism(False, None, None, {"strict_reads": None}) == Realism()
    assert _realism(True, None, None, {}) == REALISTIC
    mixed = _realism(True, (1.0, 5.0), 30.0, {"strict_reads": False, "late_deletes": None})
    assert mixed == dataclasses.replace(
        REALISTIC, apply_delay=(1.0, 5.0), read_cache_ttl=30.0, strict_reads=False
    )
    assert _realism(False, None, None, {"late_deletes": True}) == Realism(late_deletes=True)


def test_realistic_emulator_command_caches_reads():
    proc = subprocess.Popen(
        [*MIGRATOR, "emulator", "--realistic", "--port", "0", "--apply-delay", "0.1", "0.2"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 15)
        assert ready, "the emulator printed nothing within 15 s"
        base = proc.stdout.readline().split()[-1]
        seen = []
        for _ in range(2):
            with urllib.request.urlopen(f"{base}/posts/?auth_token=r-token", timeout=5) as resp:
                seen.append(resp.headers["X-Cache"])
        assert seen == ["MISS", "HIT"]
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
