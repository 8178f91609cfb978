"""Edits made in ButterCMS survive a re-import: a changed record is read first, and one an
editor changed since migrator sent it is not updated (a conflict) unless told to."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import aiohttp
import anyio
import orjson
import pytest

from migrator.engine import plan_migration, run_migration
from migrator.mapping import load_mapping
from migrator.verify import EditCheck
from tests.engine.conftest import (
    TEAM_MAPPING,
    cli_env,
    items_by_email,
    run_args,
    team_rows,
    write_csv,
)

pytestmark = pytest.mark.anyio


async def run(emulator, mapping, source: Path, options):
    stats = await run_migration(
        mapping,
        source,
        options,
        base_url=emulator.base_url,
        write_token="w-token",
        read_token="r-token",
        edit_check=EditCheck(mapping, options),
    )
    await emulator.settle()
    return stats


async def edit_in_butter(emulator, path: str, body: dict, method: str = "PATCH") -> None:
    """What an editor does: a write through Butter's API (the dashboard's own calls)."""
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method,
            f"{emulator.base_url}/{path}",
            json=body,
            headers={"Authorization": "Token w-token"},
        ) as resp,
    ):
        assert resp.status in (202, 204), await resp.text()
    await emulator.settle()


def item(emulator, email: str) -> dict:
    (found,) = items_by_email(emulator.state())[email]
    return found


def requests_since(emulator, n: int) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in emulator.state()["requests"][n:]]


def lines(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()] if path.exists() else []


async def migrated_then_edited(emulator, tmp_path, options, mapping=None):
    """Three people migrated; an editor changes person1's bio in Butter; the export then
    changes person1's position and person2's bio."""
    mapping = mapping or load_mapping(TEAM_MAPPING)
    rows = team_rows(3)
    source = write_csv(tmp_path / "team.csv", rows)
    first = await run(emulator, mapping, source, options())
    assert first.sent.accepted == 3
    id1 = item(emulator, "person1@example.com")["id"]
    await edit_in_butter(emulator, f"content/team_members/{id1}/", {"fields": {"bio": "By hand"}})
    rows[1][2] = "Chief Engineer"
    rows[2][3] = "New bio 2"
    write_csv(source, rows)
    return mapping, source, id1


async def test_an_edit_in_butter_is_kept_and_reported(emulator, tmp_path, options):
    mapping, source, id1 = await migrated_then_edited(emulator, tmp_path, options)
    before = len(emulator.state()["requests"])
    stats = await run(emulator, mapping, source, options())

    assert (stats.plan.changed, stats.sent.updated, stats.sent.conflicts) == (2, 1, 1)
    assert stats.exit_code == 1
    (note,) = stats.sent.conflict_notes
    assert note.startswith("person1@example.com (") and note.endswith("team.csv:3): bio")
    sent = requests_since(emulator, before)
    assert ("PATCH", f"/v2/content/team_members/{id1}/") not in sent, "the edit is not replaced"
    # One read per changed record (it learns the item id too), none for the unchanged one.
    assert sorted(m for m, _ in sent) == ["GET", "GET", "PATCH"]
    person1 = item(emulator, "person1@example.com")["fields"]["en"]
    assert (person1["bio"], person1["position"]) == ("By hand", "Engineer")
    assert item(emulator, "person2@example.com")["fields"]["en"]["bio"] == "New bio 2"
    (conflict,) = [x for x in lines(options().failures_path) if x["stage"] == "conflict"]
    assert conflict["identity"] == "person1@example.com" and conflict["fields"] == ["bio"]
    assert "--overwrite-edits" in conflict["reason"]

    # Still in conflict next time: reported again, still not overwritten.
    again = await run(emulator, mapping, source, options())
    assert (again.sent.conflicts, again.sent.updated, again.plan.unchanged) == (1, 0, 2)
    assert item(emulator, "person1@example.com")["fields"]["en"]["bio"] == "By hand"

    # --overwrite-edits: the export wins, and the record is not read first.
    before = len(emulator.state()["requests"])
    forced = await run(emulator, mapping, source, options(overwrite_edits=True))
    assert (forced.sent.updated, forced.sent.conflicts, forced.exit_code) == (1, 0, 0)
    assert requests_since(emulator, before) == [("PATCH", f"/v2/content/team_members/{id1}/")]
    person1 = item(emulator, "person1@example.com")["fields"]["en"]
    assert (person1["bio"], person1["position"]) == ("Bio 1", "Chief Engineer")


async def test_an_unchanged_record_is_not_read(emulator, tmp_path, options):
    mapping = load_mapping(TEAM_MAPPING)
    rows = team_rows(3)
    source = write_csv(tmp_path / "team.csv", rows)
    await run(emulator, mapping, source, options())
    id0 = item(emulator, "person0@example.com")["id"]
    await edit_in_butter(emulator, f"content/team_members/{id0}/", {"fields": {"bio": "By hand"}})
    before = len(emulator.state()["requests"])
    stats = await run(emulator, mapping, source, options())
    assert stats.plan.unchanged == 3 and stats.exit_code == 0
    assert requests_since(emulator, before) == [], "nothing changed in the source: no call"
    assert item(emulator, "person0@example.com")["fields"]["en"]["bio"] == "By hand"


async def test_update_fields_send_only_those_and_keep_edits_elsewhere(emulator, tmp_path, options):
    base = load_mapping(TEAM_MAPPING)
    owned = dataclasses.replace(
        base, target=dataclasses.replace(base.target, update_fields=("position",))
    )
    mapping, source, id1 = await migrated_then_edited(emulator, tmp_path, options, owned)
    stats = await run(emulator, mapping, source, options())

    # person1: bio edited in Butter, not ours; position changed in the source, ours.
    assert (stats.sent.updated, stats.sent.conflicts, stats.sent.edits_kept) == (2, 0, 1)
    assert stats.exit_code == 0
    person1 = item(emulator, "person1@example.com")["fields"]["en"]
    assert (person1["bio"], person1["position"]) == ("By hand", "Chief Engineer")
    # person2's bio changed in the source, but bio is not ours to update: only position went.
    assert item(emulator, "person2@example.com")["fields"]["en"]["bio"] == "Bio 2"

    # An edit in an owned field is still a conflict.
    await edit_in_butter(
        emulator, f"content/team_members/{id1}/", {"fields": {"position": "Intern"}}
    )
    rows = team_rows(3)
    rows[1][2] = "CTO"
    write_csv(source, rows)
    stats = await run(emulator, mapping, source, options())
    assert stats.sent.conflicts == 1 and stats.exit_code == 1
    assert stats.sent.conflict_notes[0].endswith(": position")
    assert item(emulator, "person1@example.com")["fields"]["en"]["position"] == "Intern"


async def test_a_record_deleted_in_butter_is_not_created_again(emulator, tmp_path, options):
    mapping = load_mapping(TEAM_MAPPING)
    rows = team_rows(2)
    source = write_csv(tmp_path / "team.csv", rows)
    await run(emulator, mapping, source, options())
    id0 = item(emulator, "person0@example.com")["id"]
    await edit_in_butter(emulator, f"content/team_members/{id0}/", {}, method="DELETE")
    rows[0][3] = "Changed"
    write_csv(source, rows)

    # Right after migrator's own write, a miss could be Butter still applying it: the run
    # does not wait for certainty, nor update; the next run reads again.
    soon = await run(emulator, mapping, source, options(settle_timeout=30))
    assert (soon.sent.not_checked, soon.sent.gone_in_butter, soon.sent.accepted) == (1, 0, 0)
    assert "last write to it is recent" in lines(options().failures_path)[-1]["reason"]
    assert soon.sent.conflict_notes[0].endswith(
        ": not checked: not found yet, and migrator's last write to it is recent"
    )

    await anyio.sleep(0.7)  # past --settle-timeout (0.6 s here) since migrator's write
    before = len(emulator.state()["requests"])
    stats = await run(emulator, mapping, source, options())

    assert (stats.sent.gone_in_butter, stats.sent.accepted, stats.sent.updated) == (1, 0, 0)
    assert stats.exit_code == 1
    assert [m for m, _ in requests_since(emulator, before) if m != "GET"] == []
    assert "person0@example.com" not in items_by_email(emulator.state())
    gone = lines(options().failures_path)[-1]
    assert gone["stage"] == "conflict" and gone["identity"] == "person0@example.com"
    assert "deleted in ButterCMS" in gone["reason"] and "--overwrite-edits" in gone["reason"]

    # Told to overwrite: created again, once.
    forced = await run(emulator, mapping, source, options(overwrite_edits=True))
    assert forced.sent.accepted == 1 and forced.exit_code == 0
    assert len(items_by_email(emulator.state())["person0@example.com"]) == 1


async def test_a_post_edited_in_butter(emulator, media_server, tmp_path, options):
    """Posts: found by slug, compared as verify compares them (body, title...)."""
    from tests.engine.test_reimport import ROOT, SAMPLE_WXR

    mapping = load_mapping(
        ROOT / "mappings" / "wordpress_posts.toml", variables={"media_host": media_server.url}
    )
    export = tmp_path / "export.xml"
    text = SAMPLE_WXR.read_text(encoding="utf-8")
    export.write_text(text, encoding="utf-8")
    first = await run(emulator, mapping, export, options())
    assert first.sent.failed == 0
    slug = sorted(emulator.state()["posts"])[0]
    await edit_in_butter(emulator, f"posts/{slug}/", {"summary": "Written in Butter"})
    # Every post changes in the export (a word added to each body).
    export.write_text(
        text.replace("]]></content:encoded>", " Updated.]]></content:encoded>"), encoding="utf-8"
    )
    stats = await run(emulator, mapping, export, options())
    assert stats.sent.conflicts == 1, stats.sent.conflict_notes
    assert stats.sent.conflict_notes[0].endswith(": summary")
    assert stats.sent.updated == stats.plan.changed - 1
    assert emulator.state()["posts"][slug]["summary"] == "Written in Butter"


async def test_against_a_realistic_butter(make_emulator, tmp_path, options):
    """Writes applied late and out of order, reads cached: the edit is still found."""
    emulator = await make_emulator(realistic=True)
    mapping, source, _ = await migrated_then_edited(
        emulator, tmp_path, lambda **kw: options(settle_delay=1.6, settle_timeout=4, **kw)
    )
    stats = await run(emulator, mapping, source, options(settle_delay=1.6, settle_timeout=4))
    assert (stats.sent.conflicts, stats.sent.updated) == (1, 1), stats.sent.conflict_notes
    assert item(emulator, "person1@example.com")["fields"]["en"]["bio"] == "By hand"
    assert item(emulator, "person2@example.com")["fields"]["en"]["bio"] == "New bio 2"


async def test_the_command_line_names_the_conflict(emulator, tmp_path):
    """The summary a user reads, the exit code, and the dry run's cost."""
    source = write_csv(tmp_path / "team.csv", team_rows(2))
    args = run_args(source, tmp_path / "team.ledger.sqlite", "--rate", "1000")
    env = cli_env(emulator.base_url)
    first = await anyio.run_process(args, env=env, check=False)
    assert first.returncode == 0, first.stdout.decode()
    await emulator.settle()
    id1 = item(emulator, "person1@example.com")["id"]
    await edit_in_butter(emulator, f"content/team_members/{id1}/", {"fields": {"bio": "Mine"}})
    rows = team_rows(2)
    rows[1][2] = "Boss"
    write_csv(source, rows)

    before = len(emulator.state()["requests"])
    dry = await anyio.run_process([*args, "--dry-run"], env=env, check=False)
    dry_out = " ".join(dry.stdout.decode().split())
    assert dry.returncode == 0, dry_out
    assert "of which read first: edited in ButterCMS? (1 read each) │ 1" in dry_out
    assert "1 + 1" in dry_out, "the dry run counts the read"
    assert requests_since(emulator, before) == []

    real = await anyio.run_process(args, env=env, check=False)
    out = " ".join(real.stdout.decode().split())
    assert real.returncode == 1, out + real.stderr.decode()
    assert "edited in ButterCMS since sent: not updated (conflicts) │ 1" in out
    assert "Not updated, to keep what ButterCMS holds: 1" in out
    assert f"person1@example.com ({source}:3): bio" in out
    assert "--overwrite-edits" in out and "update_fields" in out
    await emulator.settle()
    assert item(emulator, "person1@example.com")["fields"]["en"]["bio"] == "Mine"

    forced = await anyio.run_process([*args, "--overwrite-edits"], env=env, check=False)
    assert forced.returncode == 0, forced.stdout.decode()
    await emulator.settle()
    person1 = item(emulator, "person1@example.com")["fields"]["en"]
    assert (person1["bio"], person1["position"]) == ("Bio 1", "Boss")


async def test_the_dry_run_says_what_it_would_read_and_send(emulator, tmp_path, options):
    base = load_mapping(TEAM_MAPPING)
    owned = dataclasses.replace(
        base, target=dataclasses.replace(base.target, update_fields=("position",))
    )
    mapping, source, _ = await migrated_then_edited(emulator, tmp_path, options, owned)
    before = len(emulator.state()["requests"])
    opts = options(dry_run=True)
    stats = await plan_migration(mapping, source, opts)
    assert requests_since(emulator, before) == [], "a dry run reads nothing either"
    # Two changed records: each read once first (the same read learns its id), then PATCHed.
    assert (stats.plan.changed, stats.plan.edit_checks) == (2, 2)
    assert (stats.calls.writes, stats.calls.reads) == (2, 2)
    preview = lines(opts.preview_path)
    assert all("edited in ButterCMS" in p["read_first"] for p in preview)
    assert [p["body"] for p in preview] == [
        {"fields": {"position": "Chief Engineer"}},
        {"fields": {"position": "Engineer"}},
    ], "only the fields the mapping owns are sent (no status either)"

    forced = await plan_migration(mapping, source, options(dry_run=True, overwrite_edits=True))
    assert (forced.plan.edit_checks, forced.calls.reads) == (0, 2)  # the ids still


@pytest.mark.parametrize("realistic", [False, True], ids=["kind", "realistic"])
async def test_what_butter_changes_on_the_way_in_is_not_an_edit(
    make_emulator, scaled_realism, tmp_path, options, realistic
):
    """Every sample mapping (media moved to the CDN, references, components, pickers,
    two locales, WordPress HTML): migrated, then each record planned as changed again
    without anyone editing it in Butter. Not one may be taken for an edit."""
    import sqlite3

    from migrator.demo import JOBS, MAPPINGS, media_host

    # Realistic: every switch on (read cache, late and unordered writes...), delays short.
    realism = dataclasses.replace(scaled_realism, apply_delay=(0.05, 0.3))
    emulator = await (make_emulator(realism=realism) if realistic else make_emulator())
    async with media_host() as media:
        for job in JOBS:
            variables = {k: v.format(media=media) for k, v in job.variables.items()}
            mapping = load_mapping(MAPPINGS / job.mapping, variables=variables)
            stem = job.mapping.removesuffix(".toml")
            opts = options(
                ledger_path=tmp_path / f"{stem}.sqlite",
                failures_path=tmp_path / f"{stem}.failures.jsonl",
                settle_delay=0.4 if realistic else 0.2,
            )
            source = mapping.default_source
            assert source is not None, job.mapping
            first = await run(emulator, mapping, source, opts)
            assert first.exit_code == 0, (job.mapping, lines(opts.failures_path))
            conn = sqlite3.connect(opts.ledger_path)
            with conn:  # as if the export had changed every record
                conn.execute("UPDATE records SET payload_hash = 'older', accepted_hash = 'older'")
            conn.close()
            again = await run(emulator, mapping, source, opts)
            assert again.plan.changed == first.sent.accepted > 0, job.mapping
            assert again.sent.conflict_notes == [], job.mapping
            # Each was read and compared (none updated unchecked).
            assert again.sent.unchecked == 0 and again.calls.reads >= again.plan.changed
            assert (again.sent.updated, again.exit_code) == (again.plan.changed, 0), job.mapping


async def test_a_cached_copy_is_not_proof_enough_to_overwrite(make_emulator, tmp_path, options):
    """Butter's read cache serves a copy made before the edit (here: read by `verify`
    just before the editor's change): it would hide the edit, so nothing is overwritten
    on its word; once the cache let it go, the edit is seen."""
    from migrator.verify import verify_migration

    emulator = await make_emulator(realistic=True)

    def opts(**kw):
        return options(settle_delay=0.2, settle_timeout=0.6, **kw)

    mapping = load_mapping(TEAM_MAPPING)
    rows = team_rows(2)
    source = write_csv(tmp_path / "team.csv", rows)
    await run(emulator, mapping, source, opts())
    verified = await verify_migration(
        mapping, source, opts(), base_url=emulator.base_url, read_token="r-token"
    )
    assert verified.verified == 2  # and the read cache now holds both items
    id1 = item(emulator, "person1@example.com")["id"]
    await edit_in_butter(emulator, f"content/team_members/{id1}/", {"fields": {"bio": "By hand"}})
    rows[1][2] = "Boss"
    write_csv(source, rows)

    stale = await run(emulator, mapping, source, opts())
    assert (stale.sent.not_checked, stale.sent.conflicts, stale.sent.updated) == (1, 0, 0)
    assert stale.exit_code == 1
    assert "not checked: ButterCMS answered from its read cache" in stale.sent.conflict_notes[0]
    (line,) = [x for x in lines(opts().failures_path) if x["stage"] == "conflict"]
    assert "read cache" in line["reason"] and "the next run reads it again" in line["reason"]
    assert item(emulator, "person1@example.com")["fields"]["en"]["bio"] == "By hand"

    await anyio.sleep(3.1)  # the test emulator's cache lifetime (Butter's: minutes)
    fresh = await run(emulator, mapping, source, opts())
    assert fresh.sent.conflict_notes[0].endswith(": bio"), fresh.sent.conflict_notes
    assert item(emulator, "person1@example.com")["fields"]["en"]["bio"] == "By hand"


async def test_a_multi_locale_page_edited_in_one_locale(emulator, tmp_path, options):
    """Pages: read per locale; the conflict names the field and the locale edited."""
    import sqlite3

    from migrator.demo import MAPPINGS, media_host

    async with media_host() as media:
        path = MAPPINGS / "contentful_articles.toml"
        mapping = load_mapping(path, variables={"media_base": f"{media}/img"})
        source = mapping.default_source
        assert source is not None
        first = await run(emulator, mapping, source, options())
        assert first.exit_code == 0 and first.sent.accepted >= 1
        slug = sorted(emulator.state()["pages"]["landing_page"])[0]
        await edit_in_butter(
            emulator, f"pages/landing_page/{slug}/", {"fields": {"es": {"headline": "Hola"}}}
        )

        def changed_in_the_export() -> None:  # every record, as a new export would
            conn = sqlite3.connect(options().ledger_path)
            with conn:
                conn.execute("UPDATE records SET payload_hash = 'older', accepted_hash = 'older'")
            conn.close()

        changed_in_the_export()
        stats = await run(emulator, mapping, source, options())
        assert stats.sent.conflicts == 1 and stats.sent.updated == stats.plan.changed - 1
        assert [n.split(": ")[-1] for n in stats.sent.conflict_notes] == ["headline (es)"]
        page = emulator.state()["pages"]["landing_page"][slug]
        assert page["fields"]["es"]["headline"] == "Hola"

        # The editors own the Spanish headline once migrator updates only the summary.
        owned = dataclasses.replace(
            mapping, target=dataclasses.replace(mapping.target, update_fields=("summary",))
        )
        changed_in_the_export()
        kept = await run(emulator, owned, source, options())
        assert (kept.sent.conflicts, kept.sent.edits_kept, kept.exit_code) == (0, 1, 0)
        assert emulator.state()["pages"]["landing_page"][slug]["fields"]["es"]["headline"] == (
            "Hola"
        )
