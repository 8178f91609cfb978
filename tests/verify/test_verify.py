"""`verify`: accepted records read back through the Read API, against the emulator."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp
import anyio
import orjson
import pytest

from migrator.emulator import Faults
from migrator.engine import run_migration
from migrator.ledger import CheckpointLedger, LedgerState
from migrator.mapping import load_mapping
from migrator.verify import verify_migration, verify_paths
from tests.engine.conftest import (
    MIGRATOR,
    TEAM_MAPPING,
    cli_env,
    items_by_email,
    team_rows,
    write_csv,
    writes,
)

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]
T = "collection:team_members"


def team(tmp_path: Path, photos: list[str]) -> Path:
    rows = team_rows(len(photos))
    for row, photo in zip(rows, photos, strict=True):
        row[4] = photo
    return write_csv(tmp_path / "team.csv", rows)


async def migrate(emulator, mapping, source, options, **kw):
    stats = await run_migration(
        mapping,
        source,
        options,
        base_url=emulator.base_url,
        write_token="w-token",
        read_token=kw.pop("read_token", "r-token"),
    )
    await emulator.settle()
    return stats


async def verify(emulator, mapping, source, options, **kw):
    return await verify_migration(
        mapping,
        source,
        options,
        base_url=emulator.base_url,
        read_token="r-token",
        **kw,
    )


def lines(path: Path) -> list[dict]:
    return [orjson.loads(x) for x in path.read_bytes().splitlines()]


def states(options) -> dict[str, LedgerState]:
    with CheckpointLedger(options.ledger_path, readonly=True) as ledger:
        return {e.identity: e.state for e in ledger.entries(T)}


async def test_verify_catches_a_write_that_failed_in_the_background(
    emulator, media_server, tmp_path, options
):
    mapping = load_mapping(TEAM_MAPPING, variables={"media_base": f"{media_server.url}/img"})
    # person2's photo does not exist: Butter answers 202, then fails the item in its queue.
    source = team(tmp_path, ["red.png", "", "missing.png", "green.png"])
    run_stats = await migrate(emulator, mapping, source, options())
    assert run_stats.sent.accepted == 4 and run_stats.exit_code == 0, "a 202 is all a run sees"
    assert len(emulator.state()["failures"]) == 1

    opts = options(failures_path=verify_paths(options().ledger_path))
    before = len(emulator.state()["requests"])
    stats = await verify(emulator, mapping, source, opts)

    assert (stats.checked, stats.verified, stats.missing, stats.differs) == (4, 3, 1, 0)
    assert stats.exit_code == 1
    (missing,) = lines(opts.failures_path)
    assert missing["identity"] == "person2@example.com" and missing["stage"] == "verify"
    assert "missing after acceptance" in missing["reason"]
    sent = emulator.state()["requests"][before:]
    assert {r["method"] for r in sent} == {"GET"}, "verify only reads"
    # One read for each record found; the miss is trusted only from a read generated
    # settle_timeout after the write (engine.settle): up to three more reads for it.
    assert 4 + 1 <= len(sent) <= 4 + 3, sent
    assert states(options()) == {
        "person0@example.com": LedgerState.VERIFIED,
        "person1@example.com": LedgerState.VERIFIED,
        "person2@example.com": LedgerState.FAILED,
        "person3@example.com": LedgerState.VERIFIED,
    }
    with CheckpointLedger(options().ledger_path, readonly=True) as ledger:
        learnt = {e.identity: e.butter_id for e in ledger.entries(T)}
    ids = {e: str(v[0]["id"]) for e, v in items_by_email(emulator.state()).items()}
    assert learnt == {**ids, "person2@example.com": None}, "verify learns the item ids"

    # Fixed at the source and retried: created again (Butter does not have it), then verified.
    source = team(tmp_path, ["red.png", "", "blue.png", "green.png"])
    again = await migrate(emulator, mapping, source, options(retry_failed=True))
    assert (again.sent.accepted, again.sent.updated, again.plan.unchanged) == (1, 0, 3)
    stats = await verify(emulator, mapping, source, opts)
    assert (stats.checked, stats.verified, stats.exit_code) == (1, 1, 0)
    assert set(states(options()).values()) == {LedgerState.VERIFIED}


async def test_verify_names_the_fields_that_differ(emulator, media_server, tmp_path, options):
    mapping = load_mapping(TEAM_MAPPING, variables={"media_base": f"{media_server.url}/img"})
    source = team(tmp_path, ["red.png", "green.png"])
    await migrate(emulator, mapping, source, options())
    item = items_by_email(emulator.state())["person1@example.com"][0]
    # Someone edits the item in Butter after the migration.
    async with aiohttp.ClientSession() as session:
        async with session.patch(
            f"{emulator.base_url}/content/team_members/{item['id']}/",
            json={"fields": {"position": "Intern", "photo": ""}},
            headers={"Authorization": "Token w-token"},
        ) as resp:
            assert resp.status == 202
    await emulator.settle()

    opts = options(failures_path=verify_paths(options().ledger_path))
    stats = await verify(emulator, mapping, source, opts)

    assert (stats.verified, stats.differs) == (1, 1)
    (differs,) = lines(opts.failures_path)
    assert differs["identity"] == "person1@example.com" and differs["field"] == "position"
    assert "position: sent 'Engineer', read back 'Intern'" in differs["reason"]
    assert "photo: media missing" in differs["reason"]
    with CheckpointLedger(options().ledger_path, readonly=True) as ledger:
        entry = ledger.get(T, "person1@example.com")
    assert entry is not None and entry.state is LedgerState.FAILED
    assert entry.accepted_hash is not None, "Butter has it: a retry updates it"

    retried = await migrate(emulator, mapping, source, options(retry_failed=True))
    assert (retried.sent.updated, retried.sent.accepted) == (1, 0)
    stats = await verify(emulator, mapping, source, opts)
    assert (stats.verified, stats.differs, stats.exit_code) == (1, 0, 0)


async def test_a_second_verify_says_what_the_first_found(emulator, media_server, tmp_path, options):
    """Before: the second verify called all four "not sent yet" and exited 0."""
    mapping = load_mapping(TEAM_MAPPING, variables={"media_base": f"{media_server.url}/img"})
    source = team(tmp_path, ["red.png", "green.png", "missing.png", "blue.png"])
    await migrate(emulator, mapping, source, options())
    item = items_by_email(emulator.state())["person1@example.com"][0]
    async with aiohttp.ClientSession() as session:  # edited in Butter after the migration
        async with session.patch(
            f"{emulator.base_url}/content/team_members/{item['id']}/",
            json={"fields": {"position": "Intern"}},
            headers={"Authorization": "Token w-token"},
        ) as resp:
            assert resp.status == 202
    await emulator.settle()
    opts = options(failures_path=verify_paths(options().ledger_path))
    first = await verify(emulator, mapping, source, opts)
    assert (first.verified, first.differs, first.missing, first.exit_code) == (2, 1, 1, 1)
    first_report = {(x["identity"], x["reason"]) for x in lines(opts.failures_path)}
    before = len(emulator.state()["requests"])

    second = await verify(emulator, mapping, source, opts)
    assert (second.verified_before, second.failed_before, second.not_sent) == (2, 2, 0)
    assert second.exit_code == 1
    assert {(x["identity"], x["reason"]) for x in lines(opts.failures_path)} == first_report
    assert second.failure_reasons == first.failure_reasons
    assert len(emulator.state()["requests"]) == before, "nothing read again without --recheck"

    # --recheck reads the verified and the differing ones again (the missing one waits
    # for a run), and finds the same.
    third = await verify(emulator, mapping, source, opts, recheck=True)
    assert (third.verified, third.differs, third.failed_before, third.exit_code) == (2, 1, 1, 1)


async def test_drafts_and_every_locale_are_read_back(emulator, tmp_path, options):
    mapping_path = tmp_path / "pages.toml"
    mapping_path.write_text(
        f"""
model = "{ROOT / "mappings" / "content-model.toml"}"
[source]
format = "csv"
key = "headline"
[target]
kind = "page"
page_type = "landing_page"
title = {{ from = "headline" }}
slug = {{ from = "headline", transforms = ["slugify"] }}
status = "draft"
[fields]
headline = {{ from = "headline" }}
launch_date = {{ from = "date", transforms = [{{ name = "date", format = "%Y-%m-%d" }}] }}
price = {{ from = "price", transforms = ["number"] }}
[locales.es.fields]
headline = {{ from = "headline_es" }}
""",
        encoding="utf-8",
    )
    mapping = load_mapping(mapping_path)
    source = write_csv(
        tmp_path / "pages.csv",
        [["Hello", "Hola", "2024-05-01", "12.50"], ["Bye", "Adiós", "2024-06-01", "3"]],
        header=["headline", "headline_es", "date", "price"],
    )
    await migrate(emulator, mapping, source, options())
    opts = options(failures_path=verify_paths(options().ledger_path))
    before = len(emulator.state()["requests"])
    stats = await verify(emulator, mapping, source, opts)
    assert (stats.verified, stats.differs, stats.missing) == (2, 0, 0), lines(opts.failures_path)
    reads = [r["path"] for r in emulator.state()["requests"][before:]]
    assert (
        sorted(reads) == ["/v2/pages/landing_page/bye/"] * 2 + ["/v2/pages/landing_page/hello/"] * 2
    )

    # The Spanish side is changed in Butter: verify names the locale.
    page = emulator.state()["pages"]["landing_page"]["hello"]
    assert page["status"] == "draft"
    async with aiohttp.ClientSession() as session:
        async with session.patch(
            f"{emulator.base_url}/pages/landing_page/hello/",
            json={"fields": {"es": {"headline": "Buenas"}}},
            headers={"Authorization": "Token w-token"},
        ) as resp:
            assert resp.status == 202
    await emulator.settle()
    stats = await verify(emulator, mapping, source, opts, recheck=True)
    assert (stats.verified, stats.differs) == (1, 1)
    (line,) = lines(opts.failures_path)
    assert "es.headline: sent 'Hola', read back 'Buenas'" in line["reason"]


async def test_in_flight_creates_are_settled_by_verify(make_emulator, tmp_path, options):
    emulator = await make_emulator(seed=1, faults=Faults(drop_after_rate=1.0))
    mapping = load_mapping(TEAM_MAPPING)
    source = write_csv(tmp_path / "team.csv", team_rows(3))
    # No read token during the run: the dropped creates cannot be settled, so they stay
    # in flight (applied, as it happens).
    run_stats = await migrate(emulator, mapping, source, options(settle_delay=0.0), read_token=None)
    assert run_stats.sent.unsettled == 3
    emulator.faults.drop_after_rate = 0.0

    opts = options(failures_path=verify_paths(options().ledger_path))
    stats = await verify(emulator, mapping, source, opts)
    assert (stats.settled_found, stats.verified, stats.exit_code) == (3, 3, 0)
    assert len(writes(emulator.state())) == 3, "settling never sends"
    assert set(states(options()).values()) == {LedgerState.VERIFIED}


async def test_run_with_verify_and_the_verify_command(emulator, media_server, tmp_path):
    source = team(tmp_path, ["red.png", "missing.png"])
    ledger = tmp_path / "team.ledger.sqlite"
    env = cli_env(emulator.base_url)
    common = ["--ledger", str(ledger), "--settle-delay", "0.1", "--settle-timeout", "0.4",
              "--var", f"media_base={media_server.url}/img"]  # fmt: skip
    done = await anyio.run_process(
        [
            MIGRATOR,
            "--log-level",
            "warning",
            "run",
            str(TEAM_MAPPING),
            "--source",
            str(source),
            "--no-progress",
            "--verify",
            "--canary",  # the canary would stop this run at the dead photo: see test_canary
            "0",
            *common,
        ],
        env=env,
        check=False,
    )
    out = done.stdout.decode()
    assert done.returncode == 1, out + done.stderr.decode()
    assert "Verification (Read API)" in out and "missing after acceptance" in out
    assert (tmp_path / "team.verify.jsonl").exists()

    again = await anyio.run_process(
        [
            MIGRATOR,
            "--log-level",
            "warning",
            "verify",
            str(TEAM_MAPPING),
            "--source",
            str(source),
            "--recheck",
            *common,
        ],
        env=env,
        check=False,
    )
    out = again.stdout.decode()
    # The missing one waits for a new run: reported again, as the first verify did.
    assert again.returncode == 1, out + again.stderr.decode()
    assert "not as sent, found earlier" in out and "missing after acceptance" in out

    no_token = await anyio.run_process(
        [MIGRATOR, "verify", str(TEAM_MAPPING), "--source", str(source), *common],
        env={**env, "BUTTER_READ_TOKEN": ""},
        check=False,
    )
    assert no_token.returncode == 2 and "BUTTER_READ_TOKEN" in no_token.stderr.decode()


async def test_a_wordpress_site_with_rewritten_links_and_copied_images_verifies(
    emulator, media_server, tmp_path, options
):
    """What verify maps again must be what run sent: links rewritten the same way, and
    inline images Butter moved to its CDN are not a difference."""
    export = ROOT / "migrator" / "samples" / "wordpress.xml"
    mapping = load_mapping(
        ROOT / "mappings" / "wordpress_posts.toml", variables={"media_host": media_server.url}
    )
    opts = options()
    sent = await migrate(emulator, mapping, export, opts)
    assert sent.sent.accepted == 5 and sent.plan.links_rewritten > 0
    body = emulator.state()["posts"]["our-first-sourdough"]["body"]
    assert 'href="/about"' in body and "https://cdn.buttercms.com/" in body

    stats = await verify(emulator, mapping, export, opts)
    assert (stats.verified, stats.changed, stats.differs) == (5, 0, 0), lines(opts.failures_path)


async def test_verify_maps_with_the_runs_variables(emulator, media_server, tmp_path):
    """Before: without the run's --var again every record looked "changed since sent"."""
    source = team(tmp_path, ["red.png", "green.png"])
    ledger = tmp_path / "team.ledger.sqlite"
    env = cli_env(emulator.base_url)
    common = ["--ledger", str(ledger), "--settle-delay", "0.1", "--settle-timeout", "0.4",
              "--source", str(source)]  # fmt: skip
    run = await anyio.run_process(
        [MIGRATOR, "--log-level", "warning", "run", str(TEAM_MAPPING), "--no-progress",
         "--canary", "0", "--var", f"media_base={media_server.url}/img", *common],
        env=env, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout.decode() + run.stderr.decode()
    await emulator.settle()

    async def verify_cli(*extra: str) -> tuple[int, str]:
        done = await anyio.run_process(
            [MIGRATOR, "--log-level", "warning", "verify", str(TEAM_MAPPING), *common, *extra],
            env={**env, "COLUMNS": "200"},
            check=False,
        )
        return done.returncode, done.stdout.decode() + done.stderr.decode()

    code, out = await verify_cli()
    assert code == 0, out
    assert f"--var media_base={media_server.url}/img: the run's" in out
    assert re.search(r"verified: as sent\s*│\s*2 │", out), out
    assert "changed since sent" not in out
    assert set(states_at(ledger).values()) == {LedgerState.VERIFIED}

    # A different value is said, and the records using it are not compared.
    code, out = await verify_cli("--recheck", "--var", "media_base=https://cdn.example.com")
    assert "--var media_base=https://cdn.example.com differs from the run's" in out, out
    assert "changed since sent (run first)" in out
    assert "2 record(s) map to something else than the run sent" in out


def states_at(ledger: Path) -> dict[str, LedgerState]:
    with CheckpointLedger(ledger, readonly=True) as reader:
        return {e.identity: e.state for e in reader.entries(T)}
