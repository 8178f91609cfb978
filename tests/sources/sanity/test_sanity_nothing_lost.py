"""Nothing a Sanity export's mapping asks for is lost without a word: `migrator run` of
scaffolded mappings on the real datasets, into the emulator, as a user runs it.

An asset that cannot be resolved (an ``image@file://`` without ``assets_base``) and a
reference that cannot be followed (to another dataset) are warnings naming the record
and the field, in the warnings file and counted in the summary.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import anyio
import pytest
from click.testing import CliRunner
from shared_data import REALDATA, needs_realdata

from migrator.cli import cli
from migrator.model import load_content_model
from tests.engine.conftest import MIGRATOR, cli_env

REAL = REALDATA / "json"
ASSETS = REAL / "sanity-import--missing-asset-type.ndjson"
REFERENCES = REAL / "sanity-import--references.ndjson"
pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120), needs_realdata(REAL)]


def scaffolded(tmp_path: Path, export: Path, kind: str, *, uncomment: str = "") -> Path:
    """``migrator inspect EXPORT --scaffold KIND`` written beside its content model (with
    the lines naming ``uncomment`` switched on, as the scaffold's comments say to)."""
    out, tables = tmp_path / f"{kind}.toml", tmp_path / f"{kind}-tables.toml"
    for option in (["--out", str(out)], ["--model-out", str(tables)]):
        result = CliRunner().invoke(cli, ["inspect", str(export), "--scaffold", kind, *option])
        assert result.exit_code == 0, result.output
    texts = [out.read_text(encoding="utf-8"), tables.read_text(encoding="utf-8")]
    if uncomment:
        texts = [re.sub(rf"^(# )?# ({uncomment} = )", r"\1\2", t, flags=re.M) for t in texts]
    out.write_text(texts[0], encoding="utf-8")
    model = tmp_path / "content-model.toml"
    previous = model.read_text(encoding="utf-8") if model.exists() else ""
    model.write_text(previous + texts[1] + "\n", encoding="utf-8")
    return out


async def migrate(mapping: Path, state: Path, base_url: str) -> tuple[int, str]:
    args = [
        MIGRATOR, "--log-level", "warning", "run", str(mapping), "--state", str(state),
        "--no-progress", "--canary", "0", "--rate", "1000", "--settle-delay", "0.05",
        "--settle-timeout", "0.3",
    ]  # fmt: skip
    done = await anyio.run_process(args, env=cli_env(base_url, COLUMNS="200"), check=False)
    return done.returncode, done.stdout.decode() + done.stderr.decode()


def warnings_of(state: Path, kind: str) -> list[dict]:
    (path,) = state.glob(f"*/{kind}.warnings.jsonl")
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_a_local_image_without_assets_base_is_a_warning(make_emulator, tmp_path) -> None:
    """`zeitgeist`'s image is ``image@file://img.gif``. Before: its image field went as
    "", no warning, exit 0."""
    mapping = scaffolded(tmp_path, ASSETS, "xForce")
    emulator = await make_emulator(model=load_content_model(tmp_path / "content-model.toml"))
    state = tmp_path / "state"

    code, out = await migrate(mapping, state, emulator.base_url)
    await emulator.settle()

    assert code == 0, out
    (warning,) = [w for w in warnings_of(state, "xForce") if w["field"] == "image"]
    assert warning["identity"] == "zeitgeist"
    assert warning["source"].startswith(str(ASSETS))
    assert warning["reason"].startswith("asset left out, it is a local file")
    assert "assets_base" in warning["reason"] and "'img.gif'" in warning["reason"]
    assert re.search(
        r"│\s+1 │ asset left out, it is a local file and \[source\] has no assets_base", out
    ), out
    # zeitgeist went, without its image (the warning says so).
    (item,) = [
        i for i in emulator.state()["collections"]["x_force"].values()
        if i["fields"]["en"]["source_id"] == "zeitgeist"
    ]  # fmt: skip
    assert item["fields"]["en"]["image"] == ""


async def test_a_reference_to_another_dataset_is_a_warning(make_emulator, tmp_path) -> None:
    """`cpr`'s author is in the dataset `authors` of another project. Before: a plain
    warning, counted as "read with warnings", nothing in the warnings file."""
    authors = scaffolded(tmp_path, REFERENCES, "author")
    mapping = scaffolded(tmp_path, REFERENCES, "mock", uncomment="author")
    emulator = await make_emulator(model=load_content_model(tmp_path / "content-model.toml"))
    state = tmp_path / "state"
    code, out = await migrate(authors, state, emulator.base_url)
    assert code == 0, out
    await emulator.settle()

    code, out = await migrate(mapping, state, emulator.base_url)

    assert code == 0, out
    assert "author = { from" in mapping.read_text(encoding="utf-8")
    found = [
        w for w in warnings_of(state, "mock") if w["reason"].startswith("reference not followed")
    ]
    assert [(w["identity"], w["field"]) for w in found] == [("cpr", "author"), ("cdr", "deep")]
    assert "another dataset: 'grrm' (in 'xyz987/authors')" in found[0]["reason"]
    assert re.search(r"│\s+2 │ reference not followed, it is to another dataset", out), out
