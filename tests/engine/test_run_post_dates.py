"""Publication dates against a Butter that honours, ignores or refuses `published`
(issue 13, item 1), on real exports: the WordPress theme unit test data and a Ghost export.

What the user sees (exit code, the summary said once) and what the emulator stored."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import anyio
import orjson
import pytest

from migrator.emulator import Realism
from migrator.errors import RecordError
from migrator.mapping import load_mapping
from migrator.sources import open_source
from tests.engine.conftest import MIGRATOR, cli_env, writes

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT.parent / "shared" / "realdata"
THEME = REAL / "wxr" / "wpimporter--theme-unit-test-data.xml"
GHOST = REAL / "json" / "ghost-migrate--ghost-export-db-wrapped.json"
WP_POSTS = ROOT / "mappings" / "wordpress_posts.toml"
FAST = ["--no-progress", "--rate", "1000", "--settle-delay", "0.1", "--settle-timeout", "0.4"]
REFUSED = "ButterCMS refused the posts' publication date"
KEPT = "ButterCMS kept its own publication dates"


def oneline(text: str) -> str:
    return " ".join(text.split())


def row(out: str, label: str) -> int:
    """A count in the summary table (0 when the row is not shown)."""
    found = re.search(rf"{re.escape(label)} │ ([\d,]+) │", out)
    return int(found.group(1).replace(",", "")) if found else 0


async def migrator(emu, *args: str):
    done = await anyio.run_process(
        [MIGRATOR, "--log-level", "warning", *args],
        env={**cli_env(emu.base_url), "COLUMNS": "250"},
        check=False,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    return done.returncode, oneline(done.stdout.decode()), done.stderr.decode()


async def run(emu, mapping: Path, source: Path, tmp_path: Path, *extra: str):
    ledger = tmp_path / f"{mapping.stem}.ledger.sqlite"
    return await migrator(
        emu, "run", str(mapping), "--source", str(source), "--ledger", str(ledger), *FAST, *extra
    )


def sent_dates(mapping: Path, source: Path, **variables: str) -> dict[str, str]:
    """slug → the `published` the mapping sends (what Butter should hold if it honours it)."""
    m = load_mapping(mapping, variables=variables or None)
    compiled = m.compile()
    out = {}
    for record in open_source(m.source_format, source, **m.source_options).records():
        payload = None if isinstance(record, RecordError) else compiled(record)
        if payload is not None and payload.slug:
            out[payload.slug] = payload.body["published"]
    return out


def required(tmp_path: Path, mapping: Path = WP_POSTS) -> Path:
    """The shipped mapping, its date marked `required = true`."""
    text = mapping.read_text(encoding="utf-8")
    text = re.sub(
        r'^(model|links) = "([^"]+)"',
        lambda m: f'{m.group(1)} = "{(mapping.parent / m.group(2)).as_posix()}"',
        text,
        flags=re.M,
    )
    text, n = re.subn(r"^published = \{ (.*), optional = true \}$", r"published = { \1, "
                      "required = true }", text, flags=re.M)  # fmt: skip
    assert n == 1
    path = tmp_path / mapping.name
    path.write_text(text, encoding="utf-8")
    return path


def post_writes(emu) -> list[dict]:
    return [r for r in writes(emu.state()) if "/posts/" in r["path"]]


@pytest.fixture
async def butter(make_emulator):
    async def make(post_dates: str):
        return await make_emulator(realism=Realism(post_dates=post_dates))

    return make


async def test_honoured_dates_are_kept_and_said_nothing_of(butter, mirror, tmp_path):
    emu = await butter("honour")
    code, out, err = await run(emu, WP_POSTS, THEME, tmp_path, "--var", f"media_host={mirror[0]}")
    assert code == 0, out + err
    await emu.settle()
    stored = {slug: post["published"] for slug, post in emu.state()["posts"].items()}
    expected = sent_dates(WP_POSTS, THEME, media_host=mirror[0])
    assert len(stored) == 58 and stored == expected
    assert stored["template-sticky"] == "2012-01-07T14:07:21Z"  # post_date_gmt, in UTC
    assert REFUSED not in out and KEPT not in out


async def test_ignored_dates_are_said_once_by_the_canary_and_counted_by_verify(
    butter, mirror, tmp_path
):
    emu = await butter("ignore")
    code, out, err = await run(emu, WP_POSTS, THEME, tmp_path, "--var", f"media_host={mirror[0]}")
    assert code == 0, out + err  # nothing can be done about it: the run goes on
    assert out.count(KEPT) == 1 and "for 3 canary post(s) (it ignored `published`" in out
    await emu.settle()
    posts = emu.state()["posts"]
    expected = sent_dates(WP_POSTS, THEME, media_host=mirror[0])
    assert len(posts) == 58
    assert not [s for s, p in posts.items() if p["published"] == expected[s]]  # Butter's own

    ledger = tmp_path / "wordpress_posts.ledger.sqlite"
    code, out, err = await migrator(
        emu, "verify", str(WP_POSTS), "--source", str(THEME), "--ledger", str(ledger),
        "--settle-delay", "0", "--rate", "1000", "--recheck", "--var", f"media_host={mirror[0]}",
    )  # fmt: skip
    assert code == 0, out + err
    published = [p for p in posts.values() if p["status"] == "published"]
    assert out.count("Butter kept its own publication dates") == 1
    assert f"for {len(published)} post(s)" in out  # drafts have no date yet to compare
    assert "differ from what was sent" not in out
    report = [orjson.loads(line) for line in ledger.with_name("wordpress_posts.verify.jsonl")
              .read_bytes().splitlines()]  # fmt: skip
    dates = [r for r in report if r["field"] == "published"]
    assert len(dates) == len(published) and all(r["stage"] == "warning" for r in dates)
    assert any("2012-01-07T14:07:21Z" in r["reason"]
                                                      for r in dates)  # fmt: skip


async def test_a_required_date_butter_ignores_fails_the_canary(butter, mirror, tmp_path):
    emu = await butter("ignore")
    mapping = required(tmp_path)
    code, out, err = await run(emu, mapping, THEME, tmp_path, "--var", f"media_host={mirror[0]}")
    assert code == 3, out + err
    assert "The canary failed, so nothing else was sent" in out
    assert "published: sent" in out and "the mapping requires it" in out
    await emu.settle()
    assert len(post_writes(emu)) == 3  # the canary's calls only


async def test_refused_dates_are_said_once_and_the_posts_sent_without(butter, mirror, tmp_path):
    emu = await butter("refuse")
    media = ["--var", f"media_host={mirror[0]}"]
    code, out, err = await run(emu, WP_POSTS, THEME, tmp_path, *media, "--canary", "0")
    assert code == 0, out + err
    assert out.count(REFUSED) == 1
    assert "(published: Setting the publication date is not supported" in out
    assert "58 post(s) were sent without it" in out and "Problems by reason" not in out
    assert err.count("refused the posts' publication date") == 1  # the log says it once too
    await emu.settle()
    state = emu.state()
    assert len(state["posts"]) == 58 and state["failures"] == []  # none lost
    refused = [r for r in post_writes(emu) if r["status"] == 400]
    assert 1 <= len(refused) <= 4  # only the posts in flight at the first refusal (-c 4)
    assert len(post_writes(emu)) == 58 + len(refused)

    # Run again: the ledger holds each post as mapped, date included: nothing is re-sent.
    code, out, _ = await run(emu, WP_POSTS, THEME, tmp_path, *media, "--canary", "0")
    assert code == 0 and row(out, "unchanged (skipped, no API call)") == 58
    assert len(post_writes(emu)) == 58 + len(refused)

    # A later fix to one post is still sent (its date refused again, then without it).
    fixed = tmp_path / "fixed.xml"
    fixed.write_text(
        THEME.read_text(encoding="utf-8").replace(
            "<title>Template: Paginated</title>", "<title>Template: Paginated (fixed)</title>"
        ),
        encoding="utf-8",
    )
    code, out, _ = await run(emu, WP_POSTS, fixed, tmp_path, *media, "--canary", "0")
    assert code == 0 and row(out, "updated (changed since last run)") == 1
    assert out.count(REFUSED) == 1 and "1 post(s) were sent without it" in out
    await emu.settle()
    assert emu.state()["posts"]["template-paginated"]["title"] == "Template: Paginated (fixed)"


@pytest.mark.parametrize("canary", ["0", "3"])
async def test_a_required_date_butter_refuses_stops_the_run(butter, mirror, tmp_path, canary):
    emu = await butter("refuse")
    mapping = required(tmp_path)
    code, out, err = await run(
        emu, mapping, THEME, tmp_path, "--var", f"media_host={mirror[0]}", "--canary", canary
    )
    assert code == 3, out + err
    assert f"Run stopped: {REFUSED}" in out
    assert f"{mapping}: fields.published is `required = true`" in out
    await emu.settle()
    assert emu.state()["posts"] == {}
    assert 1 <= len(post_writes(emu)) <= (3 if canary == "3" else 4)  # not the quota
    # Nothing was applied: every post is still to send, none failed.
    code, out, _ = await migrator(
        emu, "status", "--ledger", str(tmp_path / "wordpress_posts.ledger.sqlite")
    )
    assert row(out, "failed") == 0 and "No failures." in out and "exit 3" in out


def ghost_mapping(tmp_path: Path, site: str) -> Path:
    """ghost_posts.toml with its images fetched from a local stand-in for the old site."""
    text = (ROOT / "mappings" / "ghost_posts.toml").read_text(encoding="utf-8")
    text = text.replace(
        'model = "content-model.toml"', f'model = "{ROOT}/mappings/content-model.toml"'
    )
    old = 'featured_image = { from = "feature_image", optional = true }'
    assert old in text
    text = text.replace(old, 'featured_image = { from = "feature_image", optional = true, '
                        f'transforms = [{{ name = "rebase_url", to = "{site}" }}] }}\n'
                        "upload_images_to_media_library = false")  # fmt: skip
    path = tmp_path / "ghost_posts.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("mode", ["honour", "ignore", "refuse"])
async def test_a_ghost_export_in_each_mode(butter, mirror, tmp_path, mode):
    emu = await butter(mode)
    mapping = ghost_mapping(tmp_path, mirror[0])
    code, out, err = await run(emu, mapping, GHOST, tmp_path, "--canary", "1")
    assert code == 0, out + err
    await emu.settle()
    dates = {slug: post["published"] for slug, post in emu.state()["posts"].items()}
    sent = {"post-1": "2025-01-01T00:00:00Z", "post-2": "2025-01-02T00:00:00Z",
            "post-3-lexical": "2025-01-03T00:00:00Z"}  # fmt: skip
    assert set(dates) == set(sent)
    if mode == "honour":
        assert dates == sent and REFUSED not in out and KEPT not in out
    else:
        assert not set(dates.items()) & set(sent.items())
        assert out.count(REFUSED if mode == "refuse" else KEPT) == 1
        assert (KEPT if mode == "refuse" else REFUSED) not in out
