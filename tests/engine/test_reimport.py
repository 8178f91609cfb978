"""Re-imports: unchanged → nothing sent, changed → PATCH, new → POST, gone → DELETE (--prune)."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest

from migrator.engine import plan_items, plan_migration, run_migration
from migrator.ledger import CheckpointLedger
from migrator.mapping import load_mapping
from tests.engine.conftest import TEAM_MAPPING, items_by_email, team_rows, write_csv

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]
SAMPLE_WXR = ROOT / "migrator" / "samples" / "wordpress.xml"


async def run(emulator, mapping, source: Path, options, *, read_token: str | None = "r-token"):
    stats = await run_migration(
        mapping,
        source,
        options,
        base_url=emulator.base_url,
        write_token="w-token",
        read_token=read_token,
    )
    await emulator.settle()
    return stats


def requests_since(emulator, n: int) -> list[tuple[str, str, int]]:
    return [(r["method"], r["path"], r["status"]) for r in emulator.state()["requests"][n:]]


def failures(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


async def test_team_reimport_updates_creates_skips_and_prunes(emulator, tmp_path, options):
    mapping = load_mapping(TEAM_MAPPING)
    rows = team_rows(5)
    source = write_csv(tmp_path / "team.csv", rows)
    first = await run(emulator, mapping, source, options())
    assert first.sent.accepted == 5
    ids = {e: items[0]["id"] for e, items in items_by_email(emulator.state()).items()}

    rows[2][2] = "Chief Engineer"  # edited
    del rows[4]  # removed
    rows.append(team_rows(1, start=99)[0])  # added
    write_csv(source, rows)
    before = len(emulator.state()["requests"])
    stats = await run(emulator, mapping, source, options(prune=True, max_delete=1))

    assert (stats.plan.unchanged, stats.plan.changed, stats.sent.updated) == (3, 1, 1)
    assert (stats.sent.accepted, stats.plan.to_delete, stats.sent.deleted, stats.sent.failed) == (
        1,
        1,
        1,
        0,
    )
    assert stats.exit_code == 0
    sent = requests_since(emulator, before)
    id2, id4 = ids["person2@example.com"], ids["person4@example.com"]
    # The update learns person2's id by one read; person4's delete learns its id the same way.
    assert sorted(sent) == sorted(
        [
            ("GET", "/v2/content/team_members/", 200),
            ("PATCH", f"/v2/content/team_members/{id2}/", 202),
            ("POST", "/v2/content/", 202),
            ("GET", "/v2/content/team_members/", 200),
            ("DELETE", f"/v2/content/team_members/{id4}/", 204),
        ]
    )
    state = emulator.state()
    assert state["failures"] == []
    by_email = items_by_email(state)
    assert sorted(by_email) == sorted(
        [f"person{i}@example.com" for i in (0, 1, 2, 3)] + ["person99@example.com"]
    )
    assert all(len(v) == 1 for v in by_email.values()), "an update must not duplicate"
    updated = by_email["person2@example.com"][0]
    assert updated["id"] == id2 and updated["fields"]["en"]["position"] == "Chief Engineer"
    assert [i["id"] for i in state["deleted"]["collection_items"]] == [id4]

    # The ids learnt are kept: a later change costs one PATCH, no read; unchanged costs nothing.
    rows[2][2] = "CTO"
    write_csv(source, rows)
    before = len(emulator.state()["requests"])
    again = await run(emulator, mapping, source, options(prune=True, max_delete=1))
    assert (again.sent.updated, again.plan.unchanged, again.sent.deleted) == (1, 4, 0)
    assert requests_since(emulator, before) == [("PATCH", f"/v2/content/team_members/{id2}/", 202)]
    with CheckpointLedger(options().ledger_path, readonly=True) as ledger:
        counts = ledger.counts()
    assert (counts["accepted"], counts["deleted"]) == (5, 1)

    # A record that comes back after it was pruned is created again.
    rows.append(team_rows(1, start=4)[0])
    write_csv(source, rows)
    back = await run(emulator, mapping, source, options(prune=True, max_delete=1))
    assert (back.sent.accepted, back.plan.unchanged) == (1, 5)
    assert len(items_by_email(emulator.state())["person4@example.com"]) == 1


async def test_without_prune_nothing_is_deleted(emulator, tmp_path, options):
    mapping = load_mapping(TEAM_MAPPING)
    source = write_csv(tmp_path / "team.csv", team_rows(3))
    await run(emulator, mapping, source, options())
    write_csv(source, team_rows(2))
    stats = await run(emulator, mapping, source, options())
    assert (stats.plan.unchanged, stats.sent.deleted, stats.plan.to_delete) == (2, 0, 0)
    assert emulator.state()["deleted"]["collection_items"] == []


async def test_prune_never_runs_after_an_aborted_run(make_emulator, tmp_path, options):
    emulator = await make_emulator()
    mapping = load_mapping(TEAM_MAPPING)
    source = write_csv(tmp_path / "team.csv", team_rows(6))
    await run(emulator, mapping, source, options())
    # Four rows gone, one changed; the quota runs out on the first write.
    rows = team_rows(2)
    rows[0][2] = "Changed"
    write_csv(source, rows)
    emulator.faults.monthly_quota = len(emulator.state()["requests"])
    stats = await run(emulator, mapping, source, options(prune=True, concurrency=1))
    assert stats.aborted and "quota" in stats.aborted
    assert stats.sent.deleted == 0 and stats.exit_code == 3
    assert not [r for r in emulator.state()["requests"] if r["method"] == "DELETE"]


async def test_prune_is_refused_when_a_record_cannot_be_identified(emulator, tmp_path, options):
    mapping = load_mapping(TEAM_MAPPING)
    source = write_csv(tmp_path / "team.csv", team_rows(3))
    await run(emulator, mapping, source, options())
    # person1's row lost its key: it may be any row, so nothing may be deleted.
    rows = team_rows(3)
    rows[1][1] = ""
    write_csv(source, rows)
    stats = await run(emulator, mapping, source, options(prune=True))
    assert stats.plan.prune_refused and "could not be identified" in stats.plan.prune_refused
    assert stats.sent.deleted == 0 and stats.exit_code == 1
    assert emulator.state()["deleted"]["collection_items"] == []


async def test_dry_run_lists_updates_and_deletions_with_their_cost(emulator, tmp_path, options):
    mapping = load_mapping(TEAM_MAPPING)
    rows = team_rows(4)
    source = write_csv(tmp_path / "team.csv", rows)
    await run(emulator, mapping, source, options())
    rows[0][3] = "New bio"
    del rows[3]
    rows.append(team_rows(1, start=50)[0])
    write_csv(source, rows)
    before = len(emulator.state()["requests"])

    opts = options(dry_run=True, prune=True)
    stats = await plan_migration(mapping, source, opts)

    assert requests_since(emulator, before) == [], "a dry run sends nothing"
    assert (stats.plan.changed, stats.plan.to_send, stats.plan.unchanged, stats.plan.to_delete) == (
        1,
        1,
        2,
        1,
    )
    # PATCH + POST + DELETE, and two reads to learn the ids of the patched and deleted items.
    assert (stats.calls.writes, stats.calls.reads) == (3, 2)
    assert stats.planned_deletes == [
        "collection:team_members person3@example.com (/v2/content/team_members/<id>/)"
    ]
    preview = failures(opts.preview_path)
    assert [(p["action"], p["method"]) for p in preview] == [
        ("update", "PATCH"),
        ("create", "POST"),
        ("delete (gone from the source)", "DELETE"),
    ]
    assert preview[0]["body"]["fields"]["bio"] == "New bio"
    assert isinstance(preview[0]["body"]["fields"], dict), "PATCH fields are an object"


def test_a_failed_update_is_planned_as_an_update_again(tmp_path):
    from migrator.records import Location, Record

    mapping = load_mapping(TEAM_MAPPING)
    compiled = mapping.compile()
    row = dict(zip(["name", "email", "position", "bio", "photo", "joined", "active"],
                   team_rows(1)[0], strict=True))  # fmt: skip
    record = Record("person0@example.com", "row", row, Location("t.csv", 2))
    payload = compiled(record)
    assert payload is not None
    t = "collection:team_members"
    with CheckpointLedger(tmp_path / "l.sqlite") as ledger:
        ledger.begin(t, payload.identity, payload_hash="old", slug=None, lookup=None, source=None)
        ledger.mark_accepted(t, payload.identity, payload_hash="old")
        ledger.mark_failed(t, payload.identity, "update rejected", payload_hash=payload.hash)

        (same,) = plan_items([record], compiled, ledger, retry_failed=False)
        assert same.action == "skip_failed"
        (retried,) = plan_items([record], compiled, ledger, retry_failed=True)
        assert retried.action == "update", "Butter has the record: never create it twice"


# --------------------------------------------------------------------- WordPress end to end


def wxr_items(text: str) -> dict[str, str]:
    return {
        re.search(r"<wp:post_id>(\d+)</wp:post_id>", item).group(1): item  # type: ignore[union-attr]
        for item in re.findall(r"<item>.*?</item>", text, re.S)
    }


def edit_wxr(text: str) -> str:
    """Post 11 edited, post 12 removed, post 13 trashed, post 16 added; portfolio 30 removed;
    page 21 removed."""
    items = wxr_items(text)
    out = text
    out = out.replace(items["11"], items["11"].replace("Butter, three ways", "Butter, four ways"))
    out = out.replace(items["13"], items["13"].replace("[draft]", "[trash]"))
    for gone in ("12", "30", "21"):
        out = out.replace(items[gone], "")
    new = (
        items["10"]
        .replace("<wp:post_id>10<", "<wp:post_id>16<")
        .replace("our-first-sourdough", "rye-bread")
        .replace("Our first sourdough", "Rye bread")
        .replace("?p=10", "?p=16")
    )
    return out.replace("</channel>", new + "\n</channel>")


async def test_a_wordpress_export_changed_and_reimported(emulator, media_server, tmp_path, options):
    export = tmp_path / "export.xml"
    export.write_text(SAMPLE_WXR.read_text(encoding="utf-8"), encoding="utf-8")
    mappings = {
        name: load_mapping(
            ROOT / "mappings" / f"wordpress_{name}.toml",
            variables={"media_host": media_server.url},
        )
        for name in ("posts", "portfolio", "pages")
    }

    def opts(name: str, **kw):
        base = options()
        return options(
            ledger_path=base.ledger_path.with_name(f"{name}.sqlite"),
            failures_path=base.failures_path.with_name(f"{name}.failures.jsonl"),
            **kw,
        )

    for name, mapping in mappings.items():
        stats = await run(emulator, mapping, export, opts(name))
        assert stats.exit_code == 0 and stats.sent.failed == 0, name
    state = emulator.state()
    assert state["failures"] == [] and len(state["posts"]) == 5
    portfolio_ids = {i["fields"]["en"]["slug"]: i["id"] for i in
                     state["collections"]["portfolio"].values()}  # fmt: skip

    export.write_text(edit_wxr(export.read_text(encoding="utf-8")), encoding="utf-8")
    before = len(state["requests"])
    results = {
        name: await run(emulator, mapping, export, opts(name, prune=True, allow_all_deletes=True))
        for name, mapping in mappings.items()
    }

    posts, portfolio, pages = results["posts"], results["portfolio"], results["pages"]
    assert (posts.sent.accepted, posts.sent.updated, posts.plan.unchanged, posts.sent.deleted) == (
        1,
        1,
        2,
        2,
    )
    assert (portfolio.sent.accepted, portfolio.sent.updated, portfolio.plan.unchanged) == (0, 0, 1)
    assert portfolio.sent.deleted == 1
    assert (pages.plan.unchanged, pages.sent.deleted, pages.plan.pages_not_deletable) == (1, 0, 1)
    assert all(s.sent.failed == 0 for s in results.values())
    smith = portfolio_ids["smith-wedding"]
    assert sorted(requests_since(emulator, before)) == sorted(
        [
            ("POST", "/v2/posts/", 202),
            ("PATCH", "/v2/posts/butter-three-ways/", 202),
            ("DELETE", "/v2/posts/a-morning-at-the-bakery/", 204),
            ("DELETE", "/v2/posts/notes-from-the-guest-baker/", 204),
            ("GET", "/v2/content/portfolio/", 200),
            ("DELETE", f"/v2/content/portfolio/{smith}/", 204),
        ]
    )
    state = emulator.state()
    assert state["failures"] == []
    assert sorted(state["posts"]) == [
        "butter-three-ways",
        "members-only-recipe",
        "our-first-sourdough",
        "rye-bread",
    ]
    assert state["posts"]["butter-three-ways"]["title"] == "Butter, four ways"
    assert [i["fields"]["en"]["slug"] for i in state["collections"]["portfolio"].values()] == [
        "bread-subscription"
    ]
    assert sorted(state["pages"]["landing_page"]) == ["about", "visit"], "pages are not deleted"
    (page_line,) = failures(opts("pages").failures_path)
    assert page_line["stage"] == "prune" and "delete page landing_page/visit" in page_line["reason"]

    # Nothing changed since: a third run spends no call at all.
    before = len(emulator.state()["requests"])
    for name, mapping in mappings.items():
        stats = await run(emulator, mapping, export, opts(name, prune=True, allow_all_deletes=True))
        assert stats.calls.writes + stats.calls.reads == 0, name
    assert requests_since(emulator, before) == []


async def test_posts_are_updated_by_slug_even_when_the_slug_changed(emulator, tmp_path, options):
    mapping = load_mapping(ROOT / "mappings" / "blog_posts.toml")
    header = ["id", "title", "author_email", "categories", "tags", "body", "status", "published"]
    row = ["1", "Hello", "ada@example.com", "News", "a|b", "Text", "publish", "2024-01-01"]
    source = write_csv(tmp_path / "posts.csv", [row], header)
    await run(emulator, mapping, source, options())
    row[1] = "Hello again"  # the slug is made from the title
    write_csv(source, [row], header)
    opts = options()
    stats = await run(emulator, mapping, source, opts)
    assert stats.sent.updated == 1
    posts = emulator.state()["posts"]
    assert list(posts) == ["hello"] and posts["hello"]["title"] == "Hello again"
    (warning,) = failures(opts.failures_path)
    assert warning["stage"] == "warning" and "cannot change a slug" in warning["reason"]


async def test_a_dropped_update_is_sent_again_not_lost(make_emulator, tmp_path, options):
    emulator = await make_emulator(seed=5)
    mapping = load_mapping(TEAM_MAPPING)
    rows = team_rows(4)
    source = write_csv(tmp_path / "team.csv", rows)
    await run(emulator, mapping, source, options())
    for r in rows:
        r[2] = "Baker"
    write_csv(source, rows)
    emulator.faults.drop_after_rate = 0.5  # PATCHes applied, but no answer
    stats = await run(emulator, mapping, source, options(max_attempts=20))
    emulator.faults.drop_after_rate = 0.0
    assert stats.sent.updated == 4 and stats.sent.failed == 0
    by_email = items_by_email(emulator.state())
    assert all(len(v) == 1 and v[0]["fields"]["en"]["position"] == "Baker"
               for v in by_email.values())  # fmt: skip


def test_a_source_checked_identity_is_still_checked_when_the_mapping_changes_it(tmp_path):
    """``unique_identities``: the source refused its own duplicates, so planning trusts a
    payload that keeps its record's identity; one whose identity the mapping made is still
    checked (two records mapped onto one identity would overwrite each other's ledger row)."""
    import dataclasses

    from migrator.records import Location, Record

    compiled = load_mapping(TEAM_MAPPING).compile()
    columns = ["name", "email", "position", "bio", "photo", "joined", "active"]
    records = [
        Record(f"person{i}@example.com", "row", dict(zip(columns, row, strict=True)),
               Location("t.csv", i + 2))
        for i, row in enumerate(team_rows(2))
    ]  # fmt: skip

    def one_identity(record):
        payload = compiled(record)
        return dataclasses.replace(payload, identity="everyone")

    with CheckpointLedger(tmp_path / "l.sqlite") as ledger:
        kept = list(
            plan_items(records, compiled, ledger, retry_failed=False, unique_identities=True)
        )
        merged = list(
            plan_items(records, one_identity, ledger, retry_failed=False, unique_identities=True)
        )
    assert [p.action for p in kept] == ["send", "send"]
    assert [p.action for p in merged] == ["send", "invalid"]
    assert merged[1].error is not None
    assert str(merged[1].error) == (
        "t.csv:3, record everyone: duplicate identity 'everyone', first seen at t.csv:2"
    )
