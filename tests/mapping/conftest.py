from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest

from migrator.model import ContentModel, load_content_model
from migrator.records import Location, Record

ROOT = Path(__file__).resolve().parents[2]
MODEL_PATH = ROOT / "mappings" / "content-model.toml"


@pytest.fixture(scope="session")
def model() -> ContentModel:
    return load_content_model(MODEL_PATH)


@pytest.fixture
def write_mapping(tmp_path: Path) -> Callable[..., Path]:
    """Write a mapping file naming the example content model; returns its path."""

    def write(text: str, name: str = "m.toml") -> Path:
        path = tmp_path / name
        path.write_text(f'model = "{MODEL_PATH.as_posix()}"\n' + dedent(text), encoding="utf-8")
        return path

    return write


def rec(data: dict[str, Any], identity: str = "r1", kind: str = "row", line: int = 7) -> Record:
    return Record(identity, kind, data, Location("in.csv", line))


@pytest.fixture
def record() -> Callable[..., Record]:
    return rec
