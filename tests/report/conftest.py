"""Report tests: a real headless Chromium (Debian's ``chromium``, installed by .ci/run)
renders the page a real run wrote; the tests read the DOM it built and its screenshot.

The flags keep it off the network (this machine has none to offer: without them it
stalls trying), and a fresh profile per call keeps one render from seeing another's.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import html

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
]


@dataclass
class Browser:
    executable: str

    def _run(self, page: Path, *args: str) -> str:
        with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
            done = subprocess.run(
                [self.executable, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
                capture_output=True,
                timeout=90,
                check=False,
            )
        assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
        return done.stdout.decode()

    def dom(self, page: Path) -> html.HtmlElement:
        """The DOM as the browser built it (scripts, had any run, included)."""
        return html.fromstring(self._run(page, "--dump-dom"))

    def screenshot(self, page: Path, out: Path, *, size: str = "1200,1600") -> Path:
        self._run(page, f"--screenshot={out}", f"--window-size={size}")
        assert out.is_file(), "chromium wrote no screenshot"
        return out


@pytest.fixture(scope="session")
def browser() -> Browser:
    for name in ("chromium", "chromium-headless-shell", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return Browser(found)
    pytest.skip(
        "no chromium on this machine: the report is rendered in a real browser "
        "(apt-get install chromium; .ci/run installs it)"
    )


def text(element: html.HtmlElement) -> str:
    return " ".join(element.text_content().split())
