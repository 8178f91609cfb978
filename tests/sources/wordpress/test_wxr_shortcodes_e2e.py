"""WordPress's media shortcodes, migrated into the emulator with the shipped posts mapping:
what Butter receives plays from the media host, and what stayed a shortcode is counted.

The theme unit test data has ``[audio URL]``, ``[gallery]``s and audio/video blocks (on
wpthemetestdata.files.wordpress.com: the local ``mirror`` stands in for it); no real export
here has ``[playlist]``, ``[video]`` or a plugin's shortcodes, so tests/cases/wxr-shortcodes.xml
(written for these tests) has them.
"""

from __future__ import annotations

import re
from pathlib import Path

import anyio
import orjson
import pytest
from shared_data import REALDATA, needs_realdata

from migrator.engine import run_migration
from migrator.mapping import load_mapping
from tests.engine.conftest import MIGRATOR, cli_env, options  # noqa: F401  (RunOptions fixture)

ROOT = Path(__file__).resolve().parents[3]
POSTS = ROOT / "mappings" / "wordpress_posts.toml"
CASE = ROOT / "tests" / "cases" / "wxr-shortcodes.xml"
THEME = REALDATA / "wxr" / "wpimporter--theme-unit-test-data.xml"
OLD_FILES = "https://wpthemetestdata.files.wordpress.com"
pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]


def says(out: str, text: str) -> bool:
    """``text`` is in ``out``, however the terminal wrapped it."""
    return "".join(text.split()) in "".join(out.split())


def played(body: str) -> list[str]:
    """The URLs a browser would play or show in ``body``'s audio and video elements."""
    tags = re.findall(r"<(?:audio|video|source|track)\b[^>]*>", body)
    return [u for t in tags for u in re.findall(r'\s(?:src|poster)="([^"]*)"', t)]


async def test_shortcodes_play_from_the_media_host_and_the_rest_is_counted(
    emulator, mirror, tmp_path
) -> None:
    mirror_url, requests = mirror
    args = [
        MIGRATOR, "--log-level", "warning", "run", str(POSTS), "--source", str(CASE),
        "--var", f"media_host={mirror_url}", "--check-media", "--rate", "1000",
        "--no-progress", "--canary", "0", "--settle-delay", "0.2", "--settle-timeout", "0.6",
    ]  # fmt: skip
    done = await anyio.run_process(args, env=cli_env(emulator.base_url), cwd=tmp_path, check=False)
    out = done.stdout.decode()
    assert done.returncode == 0, out + done.stderr.decode()
    await emulator.settle()
    posts = emulator.state()["posts"]

    # [audio] without a file plays the post's first attached file; [playlist] every one.
    episodes = posts["episodes"]["body"]
    uploads = f"{mirror_url}/wp-content/uploads/2024/06"
    assert played(episodes) == [f"{uploads}/episode-1.mp3"] * 2 + [f"{uploads}/episode-2.ogg"]
    assert episodes.count("<audio ") == 3 and "<figcaption>Episode two</figcaption>" in episodes
    assert "Every episode [sic], with notes [1]." in episodes  # prose brackets stay
    clip = posts["the-clip"]["body"]
    assert played(clip) == [f"{uploads}/cover.jpg", f"{uploads}/clip.mp4", f"{uploads}/clip.mp4"]
    assert 'width="480" height="270"' in clip
    assert "podcast.example.com/wp-content" not in episodes + clip
    # --check-media asked the mirror for each file before sending.
    assert {"/wp-content/uploads/2024/06/episode-1.mp3", "/wp-content/uploads/2024/06/clip.mp4",
            "/wp-content/uploads/2024/06/cover.jpg"} <= set(requests)  # fmt: skip

    # The summary totals the shortcodes left as text; the warnings file has each record's.
    assert says(
        out,
        "4 unknown shortcodes left as text in 2 records: [contact-form-7] ×2, [tab] ×1, "
        "[tabs] ×1 (see the warnings file)",
    ), out
    (warnings_file,) = (tmp_path / "state").rglob("wordpress_posts.warnings.jsonl")
    rows = [orjson.loads(line) for line in warnings_file.read_bytes().splitlines()]
    assert sorted(
        (r["identity"], r["field"], r["reason"])
        for r in rows
        if r["reason"].startswith("unknown shortcodes")
    ) == [
        ("10", "body", "unknown shortcodes left as text: [contact-form-7] ×1"),
        ("11", "body", "unknown shortcodes left as text: [contact-form-7] ×1, [tab] ×1, [tabs] ×1"),
    ]
    # Butter copies no sound or video file: each one is listed, with where it plays from.
    noted = {(r["identity"], r["url"]) for r in rows if r["reason"].startswith("audio, video")}
    assert noted == {
        ("10", f"{uploads}/episode-1.mp3"),
        ("10", f"{uploads}/episode-2.ogg"),
        ("11", f"{uploads}/cover.jpg"),
        ("11", f"{uploads}/clip.mp4"),
    }


@needs_realdata(THEME)
async def test_theme_unit_test_data_plays_from_the_mirror(emulator, mirror, options) -> None:  # noqa: F811
    mirror_url, _ = mirror
    mapping = load_mapping(POSTS, variables={"media_host": mirror_url})
    # (No --check-media: one block plays from upload.wikimedia.org, not reachable here.)
    opts = options(rate=1000.0, concurrency=8, settle_delay=0.05, settle_timeout=0.3)
    stats = await run_migration(
        mapping, THEME, opts, base_url=emulator.base_url, write_token="w-token"
    )
    await emulator.settle()
    state = emulator.state()
    assert state["failures"] == [] and stats.plan.invalid == 0
    posts = state["posts"]

    # "Post Format: Audio": [audio https://…mp3] → <audio>, from the mirror.
    song = f"{mirror_url}/2008/06/originaldixielandjazzbandwithalbernard-stlouisblues.mp3"
    audio = posts["post-format-audio"]["body"]
    assert re.search(r'<audio class="wp-audio-shortcode"[^>]*><source type="audio/mpeg" src="'
                     + re.escape(song) + '" />', audio), audio  # fmt: skip
    # The block editor's audio and video blocks: src and poster moved to the mirror too.
    blocks = posts["block-category-common"]["body"]
    assert f'<audio controls src="{song}">' in blocks
    assert f'poster="{mirror_url}/2008/06/dsc20050727_091048_222.jpg"' in blocks
    everywhere = [u for p in posts.values() for u in played(p["body"] or "")]
    assert everywhere and not [u for u in everywhere if u.startswith(OLD_FILES)]
    # Every [gallery] became images; no core shortcode is left as text.
    bodies = " ".join(p["body"] or "" for p in posts.values())
    assert not re.search(r"\[(gallery|audio|video|playlist|embed)\b", bodies)
    assert bodies.count('class="wp-block-gallery') >= 10
    assert "unknown shortcodes left as text" not in stats.plan.warning_reasons
