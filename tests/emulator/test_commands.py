"""``migrator emulator`` and ``migrator demo`` as a user runs them, in a subprocess."""

from __future__ import annotations

import json
import re
import select
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

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
