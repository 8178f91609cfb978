"""Where the shared real exports are, and one skip for the tests that need them.

CI and every checkout keep ``shared/`` beside the repository (``../shared/realdata``); a
clone without it still passes, with these tests skipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


def needs_realdata(*paths: Path) -> pytest.MarkDecorator:
    """Skip unless the real-data folder (and each of ``paths`` in it) is there."""
    missing = [p for p in (REALDATA, *paths) if not p.exists()]
    return pytest.mark.skipif(bool(missing), reason=f"shared real data not present: {missing[:1]}")
