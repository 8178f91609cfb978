"""``migrator`` leaves without the interpreter's teardown once a command is over: the
exit handlers still run, the output is whole, the exit code is the command's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# A module global with a finalizer: it speaks only if the interpreter tears modules down.
SCRIPT = """
import atexit, sys

class Witness:
    def __del__(self):
        sys.stderr.write("torn down\\n")

witness = Witness()
atexit.register(lambda: sys.stderr.write("exit handlers ran\\n"))
sys.argv = ["migrator", *sys.argv[1:]]
from migrator.__main__ import main
main()
"""


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "entry.py"
    script.write_text(SCRIPT)
    return subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, timeout=60
    )


def test_a_command_that_succeeds_exits_at_once_with_its_output_whole(tmp_path: Path):
    done = _run(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout and done.stdout.rstrip().splitlines()[-1].strip()
    assert "exit handlers ran" in done.stderr
    assert "torn down" not in done.stderr


def test_a_command_that_fails_keeps_its_exit_code_and_message(tmp_path: Path):
    done = _run(tmp_path, "run", str(tmp_path / "missing.toml"))
    assert done.returncode == 2, done.stderr
    assert "missing.toml" in done.stderr
    assert "exit handlers ran" in done.stderr
    assert "torn down" not in done.stderr
