"""``did you mean 'transforms'?`` for a name that is not known: the closest known one."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any


def did_you_mean(given: Any, known: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``known`` to ``given``, else ``""``."""
    if not isinstance(given, str) or not given:
        return ""
    names = [str(k) for k in known]
    by_case = {n.lower(): n for n in names}
    close = difflib.get_close_matches(given.lower(), list(by_case), n=1, cutoff=0.6)
    return f"; did you mean {by_case[close[0]]!r}?" if close else ""
