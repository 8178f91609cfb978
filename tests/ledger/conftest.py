import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    return tmp_path / "team.ledger.sqlite"


@pytest.fixture
def start_script(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Run Python code in a separate process (so it can be killed with SIGKILL)."""
    started: list[subprocess.Popen[str]] = []

    def start(code: str, *args: str) -> subprocess.Popen[str]:
        script = tmp_path / f"script_{len(started)}.py"
        script.write_text(textwrap.dedent(code))
        proc = subprocess.Popen(
            [sys.executable, str(script), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:  # none outlives its test, whatever the test did
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
