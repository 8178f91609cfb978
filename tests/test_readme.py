"""The README's rehearsal, run as written: its code block is read from README.md, so the
test follows (and fails with) any change to it.

Two things are swapped, nothing else: the port (8700 may be taken on a shared machine: a
free one replaces every "8700") and `.venv/bin/migrator` (this interpreter's, the same
program). The commands run from the repository's root, as the README has them.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIGRATOR = str(Path(sys.executable).with_name("migrator"))


def readme_block(heading: str) -> str:
    """The first ```sh block after ``heading`` in README.md."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(f"\n{heading}\n", 1)[1]
    match = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert match, f"no sh block under {heading!r}"
    return match.group(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_rehearsal_commands_work_as_written(tmp_path):
    block = readme_block("## Rehearsing against the emulator")
    server, _, client = block.partition("# in another terminal\n")
    assert "migrator emulator" in server and "migrator run" in client
    port = free_port()
    server, client = (
        part.replace("8700", str(port)).replace(".venv/bin/migrator", MIGRATOR)
        for part in (server, client)
    )
    # The state goes to the test's folder (MIGRATOR_STATE, set for every test).
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUTTER_")}
    env["COLUMNS"] = "200"
    with subprocess.Popen(
        ["bash", "-c", f"exec {server.strip()}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    ) as emulator:
        try:
            assert emulator.stdout is not None
            for line in emulator.stdout:
                if line.startswith("listening on"):
                    break
            else:
                raise AssertionError("the emulator did not start")
            done = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", client],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_emulator/state") as answer:
                state = json.load(answer)
        finally:
            os.killpg(emulator.pid, signal.SIGTERM)
            emulator.communicate(timeout=10)
    out = " ".join(done.stdout.split())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "accepted by ButterCMS (202) │ 12" in out
    assert "Every record checked is in ButterCMS as sent." in out
    assert done.stdout.rstrip().endswith("}")  # curl printed the state
    # Every team member is in, each with its photo downloaded into the media library.
    assert state["failures"] == []
    assert len(state["collections"]["team_members"]) == 12
    assert len(state["media"]) == 12
