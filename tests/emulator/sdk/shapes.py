"""Structure of JSON answers: keys and value types, recursively, to compare the emulator's
answers with the recorded real ones (values differ: ids, dates, text; shapes must not)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shared_data import REALDATA

RECORDINGS = REALDATA / "json" / "buttercms-reference"


def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "list" if isinstance(value, list) else "object"


def structure_diff(recorded: Any, got: Any, path: str = "") -> list[str]:
    """Where ``got`` is not shaped as ``recorded``: a key missing or extra, another type,
    a list of another length (the replayed content is equivalent, so lengths match too)."""
    where = path or "(top)"
    if kind(recorded) != kind(got):
        return [f"{where}: recorded {kind(recorded)}, got {kind(got)}"]
    if isinstance(recorded, dict):
        out = [f"{path}.{k}: missing" for k in recorded if k not in got]
        out += [f"{path}.{k}: not recorded" for k in got if k not in recorded]
        for k in recorded:
            if k in got:
                out += structure_diff(recorded[k], got[k], f"{path}.{k}")
        return out
    if isinstance(recorded, list):
        if len(recorded) != len(got):
            return [f"{where}: recorded {len(recorded)} elements, got {len(got)}"]
        return [
            d
            for i, (r, g) in enumerate(zip(recorded, got, strict=True))
            for d in structure_diff(r, g, f"{path}[{i}]")
        ]
    return []


def recorded(name: str) -> Any:
    """The response body of a recording's first interaction (a js mock is the body itself)."""
    data = json.loads((RECORDINGS / name).read_text())
    if "interactions" in data:
        return data["interactions"][0]["response"]["body"]["object"]
    return data


def recording_files() -> list[Path]:
    return sorted(RECORDINGS.glob("*.json")) if RECORDINGS.exists() else []
