"""Code run in a new Python process: what a module imports at start-up can only be seen
in an interpreter that has imported nothing yet (this one has the whole suite loaded)."""

from __future__ import annotations

import subprocess
import sys


def in_fresh_python(code: str) -> str:
    """Run ``code`` in a new interpreter; its stdout. Its asserts fail the test, with their
    traceback as the message."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout
