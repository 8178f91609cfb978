"""References: collection item ids learnt by reading back, written in or patched in later."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from migrator.engine import run_migration
from migrator.ledger import CheckpointLedger
from migrator.mapping import load_mapping
from migrator.model import load_content_model
from tests.engine.conftest import TEAM_MAPPING, items_by_email, team_rows, write_csv

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]

PAGES_WITH_TEAM = """
model = "{model}"
[source]
format = "csv"
key = "headline"
[target]
kind = "page"
page_type = "landing_page"
title = {{ from = "headline" }}
slug = {{ from = "headline", transforms = ["slugify"] }}
status = "published"
[fields]
headline = {{ from = "headline" }}
team = {{ from = "members", ref = "email", transforms = [{{ name = "split", sep = "|" }}] }}
related_pages = {{ from = "related", transforms = [{{ name = "split", sep = "|" }}] }}
"""


def pages_mapping(tmp_path: Path):
    path = tmp_path / "pages.toml"
    path.write_text(
        PAGES_WITH_TEAM.format(model=ROOT / "mappings" / "content-model.toml"), encoding="utf-8"
    )
    return load_mapping(path)


def pages_csv(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "pages.csv",
        [
            ["About", "person0@example.com|person2@example.com", "contact"],
            ["Contact", "person2@example.com", "about"],  # pages reference pages by slug
        ],
        header=["headline", "members", "related"],
    )


async def run(emulator, mapping, source, options, name: str, **kw):
    base = options()
    opts = options(
        ledger_path=base.ledger_path.with_name(f"{name}.sqlite"),
        failures_path=base.failures_path.with_name(f"{name}.failures.jsonl"),
        **kw,
    )
    stats = await run_migration(
        mapping, source, opts, base_url=emulator.base_url, write_token="w-token",
        read_token="r-token",
    )  # fmt: skip
    await emulator.settle()
    return stats, opts


def team_page(state: dict, slug: str) -> list:
    return state["pages"]["landing_page"][slug]["fields"]["en"]["team"]


async def test_page_references_resolve_to_the_collection_item_ids(emulator, tmp_path, options):
    team_source = write_csv(tmp_path / "team.csv", team_rows(3))
    await run(emulator, load_mapping(TEAM_MAPPING), team_source, options, "team")
    ids = {e: v[0]["id"] for e, v in items_by_email(emulator.state()).items()}
    before = len(emulator.state()["requests"])

    stats, opts = await run(emulator, pages_mapping(tmp_path), pages_csv(tmp_path), options, "p")

    assert (stats.sent.accepted, stats.sent.refs_pending, stats.exit_code) == (2, 0, 0)
    state = emulator.state()
    assert state["failures"] == []
    assert team_page(state, "about") == [ids["person0@example.com"], ids["person2@example.com"]]
    assert team_page(state, "contact") == [ids["person2@example.com"]]
    assert state["pages"]["landing_page"]["about"]["fields"]["en"]["related_pages"] == ["contact"]
    # One read per distinct member, kept in the ledger: person2 is read once, not twice.
    reads = [r for r in state["requests"][before:] if r["method"] == "GET"]
    assert len(reads) <= 3 and stats.calls.reads == len(reads)
    with CheckpointLedger(opts.ledger_path, readonly=True) as ledger:
        assert ledger.ref_id("team_members", "email", "person2@example.com") == str(
            ids["person2@example.com"]
        )

    # A page whose members change is updated with the new ids (the references are hashed).
    source = write_csv(
        tmp_path / "pages.csv",
        [["About", "person1@example.com", "contact"], ["Contact", "person2@example.com", "about"]],
        header=["headline", "members", "related"],
    )
    again, _ = await run(emulator, pages_mapping(tmp_path), source, options, "p")
    assert (again.sent.updated, again.plan.unchanged) == (1, 1)
    assert team_page(emulator.state(), "about") == [ids["person1@example.com"]]


async def test_references_to_items_not_migrated_yet_are_patched_in_later(
    emulator, tmp_path, options
):
    pages = pages_mapping(tmp_path)
    first, opts = await run(emulator, pages, pages_csv(tmp_path), options, "p")
    # Written without the references; the end-of-run pass still finds no team member.
    assert (first.sent.accepted, first.sent.refs_pending, first.sent.refs_unresolved) == (2, 2, 2)
    assert first.exit_code == 1
    state = emulator.state()
    assert team_page(state, "about") == [] and state["failures"] == []
    reasons = [orjson.loads(x)["reason"] for x in opts.failures_path.read_bytes().splitlines()]
    assert any("no team_members item with email = 'person0@example.com'" in r for r in reasons)
    # The summary's group says what is wrong and what to do, not just "reference team".
    (group,) = first.failure_reasons
    assert group.startswith(
        "reference team: no team_members item with email = … among the records migrated "
        "(the ledger) nor in ButterCMS yet. Migrate it with the team_members collection's"
    ), group
    assert first.failure_reasons[group] == 2

    await run(emulator, load_mapping(TEAM_MAPPING), write_csv(tmp_path / "t.csv", team_rows(3)),
              options, "team")  # fmt: skip
    ids = {e: v[0]["id"] for e, v in items_by_email(emulator.state()).items()}
    before = len(emulator.state()["requests"])

    again, _ = await run(emulator, pages, pages_csv(tmp_path), options, "p")

    assert (again.plan.unchanged, again.sent.refs_patched, again.sent.refs_unresolved) == (2, 2, 0)
    assert again.exit_code == 0
    patches = [
        (r["method"], r["path"])
        for r in emulator.state()["requests"][before:]
        if r["method"] != "GET"
    ]
    assert sorted(patches) == [
        ("PATCH", "/v2/pages/landing_page/about/"),
        ("PATCH", "/v2/pages/landing_page/contact/"),
    ]
    state = emulator.state()
    assert team_page(state, "about") == [ids["person0@example.com"], ids["person2@example.com"]]
    assert team_page(state, "contact") == [ids["person2@example.com"]]
    assert state["pages"]["landing_page"]["about"]["fields"]["en"]["headline"] == "About"

    third, _ = await run(emulator, pages, pages_csv(tmp_path), options, "p")
    assert third.calls.writes + third.calls.reads == 0, "nothing pending any more"


PEOPLE_MODEL = """
[locales]
default = "en"
available = ["en"]
[collections.people.fields]
name = { type = "short_text", required = true }
mentor = { type = "reference", to = "collection:people" }
"""

PEOPLE_MAPPING = """
model = "model.toml"
[source]
format = "csv"
key = "name"
[target]
kind = "collection"
collection = "people"
lookup_field = "name"
status = "published"
[fields]
name = { from = "name" }
mentor = { from = "mentor", ref = "name" }
"""


async def test_a_reference_cycle_within_one_run_is_resolved(make_emulator, tmp_path, options):
    (tmp_path / "model.toml").write_text(PEOPLE_MODEL, encoding="utf-8")
    (tmp_path / "people.toml").write_text(PEOPLE_MAPPING, encoding="utf-8")
    emulator = await make_emulator(model=load_content_model(tmp_path / "model.toml"))
    # Ann mentors Bob, Bob mentors Cid, Cid mentors Ann: a cycle, whatever the order.
    source = write_csv(
        tmp_path / "people.csv", [["Ann", "Cid"], ["Bob", "Ann"], ["Cid", "Bob"]],
        header=["name", "mentor"],
    )  # fmt: skip

    stats, _ = await run(
        emulator, load_mapping(tmp_path / "people.toml"), source, options, "people",
        concurrency=1, settle_delay=0.05, settle_timeout=0.3,
    )  # fmt: skip

    assert (stats.sent.accepted, stats.sent.refs_unresolved, stats.exit_code) == (3, 0, 0)
    assert stats.sent.refs_pending >= 1 and stats.sent.refs_patched == stats.sent.refs_pending
    state = emulator.state()
    assert state["failures"] == []
    people = {i["fields"]["en"]["name"]: i for i in state["collections"]["people"].values()}
    assert len(people) == 3
    mentor = {name: item["fields"]["en"]["mentor"] for name, item in people.items()}
    assert mentor == {
        "Ann": people["Cid"]["id"],
        "Bob": people["Ann"]["id"],
        "Cid": people["Bob"]["id"],
    }
