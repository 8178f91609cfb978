"""The sizes of `make bench`: each script's record counts times ``BENCH_SCALE`` (default 1;
0.01 checks in seconds that every script works, its figures meaningless)."""

from __future__ import annotations

import os

SCALE = float(os.environ.get("BENCH_SCALE", "1"))


def scaled(n: int, minimum: int = 50) -> int:
    return max(minimum, int(n * SCALE))
