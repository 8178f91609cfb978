"""``migrator emulator`` and ``migrator demo`` as a user runs them, in a subprocess."""

from __future__ import annotations

import dataclasses
import json
import re
import select
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from migrator.emulator.command import _realism
from migrator.emulator.config import REALISTIC, Realism

ROOT = Path(__file__).resolve().parents[2]
MIGRATOR = [sys.executable, "-m", "migrator"]


def test_emulator_command_serves_until_terminated():
    proc = subprocess.Popen(
        [
            *MIGRATOR,
            "emulator",
            "--model",
            "mappings/content-model.toml",
            "--port",
            "0",
            "--write-token",
            "cli-w",
            "--read-token",
            "cli-r",
            "--error-rate",
            "0",
            "--blog-url",
            "https://example.org/news/{slug}",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 15)
        assert ready, "the emulator printed nothing within 15 s"
        line = proc.stdout.readline()
        match = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+/v2)\n", line)
        assert match, line
        base = match.group(1)
        with urllib.request.urlopen(f"{base}/posts/?auth_token=cli-r", timeout=5) as resp:
            assert resp.status == 200
            assert json.load(resp) == {
                "meta": {"count": 0, "next_page": None, "previous_page": None},
                "data": [],
            }
        with urllib.request.urlopen(f"{base}/feeds/rss/?auth_token=cli-r", timeout=5) as resp:
            assert "<link>https://example.org/news/rss/</link>" in json.load(resp)["data"]
        request = urllib.request.Request(
            f"{base}/posts/", data=b"{}", method="POST", headers={"Authorization": "Token cli-r"}
        )
        try:
            urllib.request.urlopen(request, timeout=5)
        except urllib.error.HTTPError as exc:
            assert exc.code == 401
        else:
            raise AssertionError("a read token was accepted on a write")
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "stopped: 3 requests" in err


def test_emulator_help_ends_with_an_example():
    done = subprocess.run(
        [*MIGRATOR, "emulator", "--help"], capture_output=True, text=True, cwd=ROOT, timeout=30
    )
    assert done.returncode == 0
    for flag in (
        "--delay",
        "--seed",
        "--quota",
        "--throttle",
        "--error-rate",
        "--latency",
        "--drop-before",
        "--drop-after",
        "--cap",
        "--webhook",
        "--duplicate-slugs",
    ):
        assert flag in done.stdout
    assert "Example:" in done.stdout
    assert done.stdout.rstrip().endswith("--seed 7")


def test_emulator_help_names_each_realism_switch_and_its_realistic_value():
    done = subprocess.run(
        [*MIGRATOR, "emulator", "--realistic", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=30,
    )
    assert done.returncode == 0
    text = " ".join(done.stdout.split())  # help lines are wrapped
    for flag in (
        "--realistic",
        "--apply-delay MIN MAX",
        "--read-cache-ttl SECONDS",
        "--late-deletes / --no-late-deletes",
        "--cache-ignores-query-params / --no-cache-ignores-query-params",
        "--cache-preview / --no-cache-preview",
        "--strict-reads / --no-strict-reads",
        "--require-locale / --no-require-locale",
        "--status-per-locale / --no-status-per-locale",
        "--items-draft-by-default / --no-items-draft-by-default",
        "--post-slug-renames / --no-post-slug-renames",
        "--post-dates [honour|ignore|refuse]",
    ):
        assert flag in text
    assert "--realistic: 2 30." in text and "--realistic: 300." in text
    assert "--realistic: refuse." in text
    assert text.count("--realistic: on.") == 8


def test_realistic_flags_build_the_realism():
    assert _realism(False, None, None, None, {"strict_reads": None}) == Realism()
    assert _realism(True, None, None, None, {}) == REALISTIC
    mixed = _realism(True, (1.0, 5.0), 30.0, "ignore", {"strict_reads": False})
    assert mixed == dataclasses.replace(
        REALISTIC, apply_delay=(1.0, 5.0), read_cache_ttl=30.0, strict_reads=False,
        post_dates="ignore",
    )  # fmt: skip
    assert _realism(False, None, None, None, {"late_deletes": True}) == Realism(late_deletes=True)
    assert _realism(False, None, None, "refuse", {}).on == ["post_dates"]
    assert REALISTIC.post_dates == "refuse" and "post_dates" not in Realism().on


def test_realistic_emulator_command_caches_reads():
    proc = subprocess.Popen(
        [*MIGRATOR, "emulator", "--realistic", "--port", "0", "--apply-delay", "0.1", "0.2"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 15)
        assert ready, "the emulator printed nothing within 15 s"
        base = proc.stdout.readline().split()[-1]
        seen = []
        for _ in range(2):
            with urllib.request.urlopen(f"{base}/posts/?auth_token=r-token", timeout=5) as resp:
                seen.append(resp.headers["X-Cache"])
        assert seen == ["MISS", "HIT"]
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err


def _start_emulator(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [*MIGRATOR, "emulator", "--port", "0", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 15)
    assert ready, "the emulator printed nothing within 15 s"
    match = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+/v2)\n", proc.stdout.readline())
    assert match
    return proc, match.group(1)


def _post_with_image(base: str, image: str, slug: str) -> None:
    body = json.dumps(
        {"title": slug, "slug": slug, "status": "published", "featured_image": image}
    ).encode()
    headers = {"Authorization": "Token w-token", "Content-Type": "application/json"}
    request = urllib.request.Request(f"{base}/posts/", data=body, method="POST", headers=headers)
    with urllib.request.urlopen(request, timeout=5) as resp:
        assert resp.status == 202


def test_emulator_media_flags(tmp_path):
    """Media on this machine: refused by default, fetched with --allow-media-host, and
    capped by --media-max-mb; a local HTTP server stands for the old site."""
    import http.server
    import threading
    import time

    (tmp_path / "small.png").write_bytes(b"\x89PNG" + b"\0" * 1000)
    (tmp_path / "big.png").write_bytes(b"\x89PNG" + b"\0" * 3000)
    asked: list[str] = []

    class Files(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, *args) -> None:
            asked.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Files)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    media = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        refused = (
            "refused: 127.0.0.1 is a loopback address (this machine); "
            "--allow-private-media or --allow-media-host allows it"
        )
        too_big = "3,004 bytes, over the 2,097 bytes limit for a media file"
        for flags, expected in (
            ((), {"small": refused, "big": refused}),
            (("--allow-media-host", "127.0.0.1", "--media-max-mb", "0.002"), {"big": too_big}),
        ):
            proc, base = _start_emulator(*flags)
            try:
                for name in ("small", "big"):
                    _post_with_image(base, f"{media}/{name}.png", name)
                deadline = time.monotonic() + 10
                while True:
                    with urllib.request.urlopen(base.replace("/v2", "/_emulator/state")) as r:
                        state = json.load(r)
                    if not state["pending"] or time.monotonic() > deadline:
                        break
                    time.sleep(0.05)
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.communicate(timeout=10)
            reasons = sorted(f["reason"] for f in state["failures"])
            assert reasons == sorted(
                f"featured_image: media download of {media}/{name}.png failed: {why}"
                for name, why in expected.items()
            )
            assert sorted(state["posts"]) == sorted({"small", "big"} - set(expected))
        assert asked == ["/small.png", "/big.png"], "only the allowed run reached the server"
    finally:
        server.shutdown()
        server.server_close()


def test_emulator_refuses_a_bad_media_allow_list():
    done = subprocess.run(
        [*MIGRATOR, "emulator", "--port", "0", "--allow-media-host", "a b"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=30,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "--allow-media-host: 'a b' is not a host name or a CIDR" in done.stderr
