"""Duplicates: verify reports collection items held more than once, and ``--repair``
deletes only the copies migrator made (identical to what it sent), keeping the ledger's."""

from __future__ import annotations

import aiohttp
import pytest

from migrator.engine import run_migration
from migrator.ledger import CheckpointLedger
from migrator.mapping import load_mapping
from migrator.verify import verify_migration, verify_paths
from tests.engine.conftest import TEAM_MAPPING, items_by_email, team_rows, write_csv

pytestmark = pytest.mark.anyio
T = "collection:team_members"


async def post_item(emulator, fields: dict) -> None:
    body = {"key": "team_members", "status": "published", "fields": [fields]}
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{emulator.base_url}/content/", json=body, headers={"Authorization": "Token w-token"}
        ) as resp:
            assert resp.status == 202
    await emulator.settle()


async def test_repair_deletes_migrators_copy_and_never_a_users_item(emulator, tmp_path, options):
    mapping = load_mapping(TEAM_MAPPING)
    source = write_csv(tmp_path / "team.csv", team_rows(3))
    opts = options(failures_path=verify_paths(options().ledger_path))
    await run_migration(
        mapping, source, opts, base_url=emulator.base_url, write_token="w-token",
        read_token="r-token",
    )  # fmt: skip
    await emulator.settle()
    first = await verify_migration(mapping, source, opts, base_url=emulator.base_url,
                                   read_token="r-token")  # fmt: skip
    assert (first.verified, first.duplicates) == (3, 0)
    with CheckpointLedger(opts.ledger_path, readonly=True) as ledger:
        kept = {e.identity: e.butter_id for e in ledger.entries(T)}

    # A late-applied second create of person0 (what a lost answer can leave) and the
    # user's own item that happens to share person1's email.
    copy = dict(items_by_email(emulator.state())["person0@example.com"][0]["fields"]["en"])
    await post_item(emulator, copy)
    await post_item(emulator, {**copy, "email": "person1@example.com", "position": "Owner"})

    found = await verify_migration(mapping, source, opts, base_url=emulator.base_url,
                                   read_token="r-token", recheck=True)  # fmt: skip
    assert (found.duplicates, found.repaired, found.exit_code) == (2, 0, 1)
    assert "duplicates; `migrator verify --repair`" in opts.failures_path.read_text()

    repaired = await verify_migration(mapping, source, opts, base_url=emulator.base_url,
                                      read_token="r-token", recheck=True,
                                      repair_token="w-token")  # fmt: skip
    await emulator.settle()
    assert (repaired.repaired, repaired.duplicates) == (1, 1), "the user's item is left"
    items = items_by_email(emulator.state())
    assert [i["id"] for i in items["person0@example.com"]] == [int(kept["person0@example.com"])]
    assert len(items["person1@example.com"]) == 2, "never delete what migrator did not send"
    deletes = [r for r in emulator.state()["requests"] if r["method"] == "DELETE"]
    assert len(deletes) == 1
