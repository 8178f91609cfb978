"""A link the Contentful export cannot follow (an asset or entry not in it) is a warning
naming the record and field, in the run's warnings file and the summary: `migrator run`
of the scaffolded `person` mapping on the real Gatsby starter export with the person's
image asset taken out (an export made without its assets, or one cut short).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from shared_data import REALDATA, needs_realdata

from migrator.model import load_content_model
from tests.sources.sanity.test_sanity_nothing_lost import migrate, scaffolded, warnings_of

GATSBY = REALDATA / "json" / "contentful-starter-gatsby-blog--export.json"
PERSON = "15jwOBqpxqSAOy2eOO4S0m"
IMAGE = "7orLdboQQowIUs22KAW4U"
pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120), needs_realdata(GATSBY)]


async def test_an_asset_not_in_the_export_is_a_warning(make_emulator, tmp_path: Path) -> None:
    """Before: the image field went empty, a plain "read with warnings", exit 0."""
    export = json.loads(GATSBY.read_text(encoding="utf-8"))
    export["assets"] = [a for a in export["assets"] if a["sys"]["id"] != IMAGE]
    path = tmp_path / "space.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    mapping = scaffolded(tmp_path, path, "person")
    text = (tmp_path / "content-model.toml").read_text(encoding="utf-8")
    (tmp_path / "content-model.toml").write_text(
        '[locales]\ndefault = "en"\navailable = ["en"]\n\n' + text, encoding="utf-8"
    )
    emulator = await make_emulator(model=load_content_model(tmp_path / "content-model.toml"))
    state = tmp_path / "state"

    code, out = await migrate(mapping, state, emulator.base_url)
    await emulator.settle()

    assert code == 0, out
    (warning,) = [w for w in warnings_of(state, "person") if w["field"] == "image"]
    assert warning["identity"] == PERSON
    assert warning["reason"] == (
        f"asset left out, it is not in the export: image.en links to asset '{IMAGE}'"
    )
    assert re.search(r"│\s+1 │ asset left out, it is not in the export", out), out
    (item,) = emulator.state()["collections"]["person"].values()
    assert item["fields"]["en"]["name"] == "John Doe" and item["fields"]["en"]["image"] == ""
