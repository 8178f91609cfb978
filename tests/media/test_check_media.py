"""``--check-media``: dead media found before anything is sent, against real local servers.

An image host serves good images, a 404, a host that refuses HEAD (405) but answers a
ranged GET (206), a redirect, an HTML "soft 404" and a slow image; a closed port stands
for a host that refuses connections. The emulator really downloads every media URL it
is sent, so "no background failures" proves the check let through only what Butter can
fetch.
"""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import orjson
import pytest
from aiohttp import web

from migrator.emulator.media import sample_png
from migrator.emulator.serve import serve_app
from migrator.engine import run_migration
from migrator.errors import RecordError
from migrator.mapping import load_mapping
from migrator.media import CheckOptions, MediaChecker, check_media, guard
from migrator.media.check import USER_AGENT
from migrator.netguard import NetPolicy
from migrator.records import Location, Record
from tests.engine.conftest import MIGRATOR, cli_env, write_csv, writes

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "mappings" / "content-model.toml"
PNG = sample_png(10, 20, 30)
# The image host listens on 127.0.0.1, refused by default (tests/media/test_media_reach.py):
# the checker tests allow it by name. Runs against the emulator are rehearsals: allowed.
LOCAL = NetPolicy(allowed=("127.0.0.1",))


@dataclass
class ImageHost:
    url: str = ""
    # (monotonic time, method, path, from the checker?) of every request
    requests: list[tuple[float, str, str, bool]] = field(default_factory=list)

    def checker_requests(self) -> list[tuple[float, str, str, bool]]:
        return [r for r in self.requests if r[3]]


@pytest.fixture
async def image_host() -> AsyncIterator[ImageHost]:
    host = ImageHost()

    @web.middleware
    async def log_requests(request: web.Request, handler):
        from_checker = request.headers.get("User-Agent") == USER_AGENT
        host.requests.append((time.monotonic(), request.method, request.path, from_checker))
        return await handler(request)

    async def image(request: web.Request) -> web.Response:
        return web.Response(body=PNG, content_type="image/png")

    async def no_head(request: web.Request) -> web.Response:
        # Some hosts refuse HEAD; a ranged GET gets the first byte.
        if request.method == "HEAD":
            raise web.HTTPMethodNotAllowed("HEAD", ["GET"])
        if request.headers.get("Range") == "bytes=0-0":
            return web.Response(
                status=206,
                body=PNG[:1],
                content_type="image/png",
                headers={"Content-Range": f"bytes 0-0/{len(PNG)}"},
            )
        return web.Response(body=PNG, content_type="image/png")

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently(f"/img/{request.match_info['name']}.png")

    async def soft_404(request: web.Request) -> web.Response:
        return web.Response(
            text="<html><body>Please log in</body></html>", content_type="text/html"
        )

    async def slow(request: web.Request) -> web.Response:
        await anyio.sleep(1)
        return web.Response(body=PNG, content_type="image/png")

    throttled: dict[str, int] = {}

    async def busy(request: web.Request) -> web.Response:
        # "/busy/once-…": 429 the first time only; "/busy/always-…": 429 every time.
        name = request.match_info["name"]
        throttled[name] = throttled.get(name, 0) + 1
        if name.startswith("always") or throttled[name] == 1:
            raise web.HTTPTooManyRequests(headers={"Retry-After": "0"})
        return web.Response(body=PNG, content_type="image/png")

    app = web.Application(middlewares=[log_requests])
    app.router.add_get("/busy/{name}.png", busy)
    app.router.add_get("/img/{name}.png", image)
    app.router.add_route("*", "/nohead/{name}.png", no_head)
    app.router.add_get("/old/{name}.png", moved)
    app.router.add_get("/login/{name}.png", soft_404)
    app.router.add_get("/slow/{name}.png", slow)
    async with serve_app(app) as url:
        host.url = url
        yield host


def closed_port_url() -> str:
    """A URL on 127.0.0.1 whose port nothing listens on: connection refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/a.png"


# --------------------------------------------------------------------------- the checker


async def test_checker_verdicts_and_reasons(image_host) -> None:
    u = image_host.url
    refused = closed_port_url()
    urls = {
        "good": f"{u}/img/a.png",
        "missing": f"{u}/nothing/here.png",
        "nohead": f"{u}/nohead/b.png",
        "redirect": f"{u}/old/c.png",
        "soft404": f"{u}/login/d.png",
        "slow": f"{u}/slow/e.png",
        "refused": refused,
        "refused-again": refused.replace("a.png", "b.png"),
        "ftp": "ftp://example.com/a.png",
        "garbage": "http://",
    }
    async with MediaChecker(CheckOptions(rate=100, timeout=0.3, policy=LOCAL)) as checker:
        results = {name: await checker.check(url) for name, url in urls.items()}

    verdicts = {name: (r.verdict, r.reason) for name, r in results.items()}
    assert verdicts["good"] == ("ok", "200 OK")
    assert verdicts["missing"] == ("dead", "404 Not Found")
    assert verdicts["nohead"] == ("ok", "206 Partial Content")
    assert verdicts["redirect"] == ("ok", f"200 OK (redirected to {u}/img/c.png)")
    assert verdicts["soft404"][0] == "suspicious"
    assert "HTML page (text/html)" in verdicts["soft404"][1]
    assert verdicts["slow"] == ("dead", "timed out after 0.3 s")
    assert verdicts["refused"] == ("dead", "connection refused")
    assert verdicts["refused-again"] == ("dead", "connection refused")
    assert verdicts["ftp"] == ("dead", "not an http(s) URL")
    assert verdicts["garbage"] == ("dead", "not an http(s) URL")
    # The refusing host was tried once: its other URLs get the same answer for free.
    assert checker.requests == 8
    seen = [(m, p) for _, m, p, _ in image_host.requests]
    assert ("HEAD", "/nohead/b.png") in seen and ("GET", "/nohead/b.png") in seen


async def test_a_throttling_host_is_asked_again_and_never_called_dead(image_host) -> None:
    async with MediaChecker(CheckOptions(rate=100, policy=LOCAL)) as checker:
        once = await checker.check(f"{image_host.url}/busy/once-a.png")
        always = await checker.check(f"{image_host.url}/busy/always-b.png")
    assert (once.verdict, once.reason) == ("ok", "200 OK")
    assert always.verdict == "suspicious"
    assert always.reason.startswith("429 Too Many Requests: the host throttled the check")
    assert checker.requests == 2 + 3


async def test_the_rate_limit_is_honoured(image_host) -> None:
    n, rate = 40, 20.0
    urls = [f"{image_host.url}/img/p{i}.png" for i in range(n)]
    async with MediaChecker(CheckOptions(rate=rate, concurrency=8, policy=LOCAL)) as checker:
        started = time.monotonic()
        async with anyio.create_task_group() as tg:
            for url in urls:
                tg.start_soon(checker.check, url)
        elapsed = time.monotonic() - started

    stamps = sorted(t for t, *_ in image_host.checker_requests())
    assert len(stamps) == n
    # A burst of at most rate/10 at once, then evenly paced: (n - burst) / rate seconds.
    expected = (n - rate / 10) / rate
    span = stamps[-1] - stamps[0]
    assert span >= 0.85 * expected, f"{n} requests in {span:.2f} s: faster than {rate}/s"
    assert elapsed < 3 * expected + 1, f"{n} requests took {elapsed:.2f} s at {rate}/s"
    # No one-second window holds more than a second's worth (plus the small burst).
    most = max(sum(1 for s in stamps if t <= s < t + 1) for t in stamps)
    assert most <= rate + rate / 10 + 1


# --------------------------------------------------------------------------- the pass


def team_mapping(tmp_path: Path) -> Path:
    path = tmp_path / "team.toml"
    path.write_text(
        f"""
model = "{MODEL.as_posix()}"
[source]
format = "csv"
key = "email"
[target]
kind = "collection"
collection = "team_members"
lookup_field = "email"
status = "published"
[fields]
name = {{ from = "name" }}
email = {{ from = "email" }}
photo = {{ from = "photo" }}
""",
        encoding="utf-8",
    )
    return path


def posts_mapping(tmp_path: Path) -> Path:
    path = tmp_path / "posts.toml"
    path.write_text(
        f"""
model = "{MODEL.as_posix()}"
[source]
format = "csv"
key = "id"
[target]
kind = "post"
title = {{ from = "title" }}
slug = {{ from = "title", transforms = ["slugify"] }}
status = "published"
[fields]
featured_image = {{ from = "image" }}
body = {{ from = "body" }}
upload_images_to_media_library = true
""",
        encoding="utf-8",
    )
    return path


def team_csv(tmp_path: Path, host: ImageHost, refused: str) -> tuple[Path, dict[str, str]]:
    """Good, redirected, HEAD-refusing and soft-404 photos, some shared; two dead ones."""
    u = host.url
    photos = {
        "ok0": f"{u}/img/a.png",
        "ok1": f"{u}/img/a.png",  # the same URL again: checked once
        "ok2": f"{u}/old/b.png",
        "ok3": f"{u}/nohead/c.png",
        "ok4": "",  # no photo
        "soft": f"{u}/login/d.png",
        "gone": f"{u}/gone/e.png",
        "down": refused,
    }
    rows = [[name, f"{name}@example.com", photo] for name, photo in photos.items()]
    return write_csv(tmp_path / "team.csv", rows, header=["name", "email", "photo"]), photos


def failure_lines(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


async def test_a_run_sends_only_the_records_whose_media_butter_can_fetch(
    emulator, image_host, tmp_path, options
) -> None:
    source, photos = team_csv(tmp_path, image_host, closed_port_url())
    opts = options(check_media=True, media_rate=100)
    stats = await run_migration(
        load_mapping(team_mapping(tmp_path)),
        source,
        opts,
        base_url=emulator.base_url,
        write_token="w-token",
        read_token="r-token",
    )
    await emulator.settle()
    state = emulator.state()

    # What the user is told.
    assert (stats.media.checked, stats.media.dead, stats.media.suspicious) == (6, 2, 1)
    assert (stats.sent.accepted, stats.plan.invalid, stats.exit_code) == (6, 2, 1)
    problems = {line["identity"]: line for line in failure_lines(opts.failures_path)}
    assert sorted(problems) == ["down@example.com", "gone@example.com"]
    gone = problems["gone@example.com"]
    assert gone["field"] == "photo" and gone["source"] == f"{source}:8"
    assert gone["reason"] == (
        f"media field photo: {photos['gone']} answered 404 Not Found: Butter would fail this item"
    )
    assert problems["down@example.com"]["reason"] == (
        f"media field photo: {photos['down']}: connection refused: Butter would fail this item"
    )
    # The suspicious one went through, and is listed for a person to look at.
    (doubt,) = failure_lines(opts.warnings_path)
    assert (doubt["identity"], doubt["field"], doubt["url"]) == (
        "soft@example.com",
        "photo",
        photos["soft"],
    )
    assert doubt["reason"].startswith("suspicious media: ") and "HTML page" in doubt["reason"]

    # What Butter received: no write for the dead ones, the rest applied, nothing failed.
    assert len(writes(state)) == 6
    emails = {
        item["fields"]["en"]["email"] for item in state["collections"]["team_members"].values()
    }
    assert emails == {f"{n}@example.com" for n in ("ok0", "ok1", "ok2", "ok3", "ok4", "soft")}
    assert state["failures"] == []

    # The check asked each distinct URL once (the duplicate was not asked again); the
    # redirect was followed.
    checked = [p for _, m, p, _ in image_host.checker_requests() if m == "HEAD"]
    assert sorted(checked) == sorted(
        ["/img/a.png", "/old/b.png", "/img/b.png", "/nohead/c.png", "/login/d.png", "/gone/e.png"]
    )


async def test_unchanged_records_are_not_checked_again(
    emulator, image_host, tmp_path, options
) -> None:
    source, _ = team_csv(tmp_path, image_host, closed_port_url())
    mapping = load_mapping(team_mapping(tmp_path))

    async def run():
        return await run_migration(
            mapping,
            source,
            options(check_media=True, media_rate=100),
            base_url=emulator.base_url,
            write_token="w-token",
        )

    await run()
    before = len(image_host.checker_requests())
    again = await run()
    # Only the two dead records are still to send; their URLs are checked again.
    assert (again.plan.unchanged, again.plan.invalid, again.media.checked) == (6, 2, 2)
    assert len(image_host.checker_requests()) - before == 1, "the refusing host costs nothing"


async def test_posts_featured_image_and_body_images(emulator, image_host, tmp_path, options):
    u = image_host.url
    rows = [
        ["1", "Fine", f"{u}/img/f1.png", f'<p><img src="{u}/img/b1.png"></p>'],
        ["2", "Dead cover", f"{u}/gone/f2.png", "<p>text</p>"],
        ["3", "Dead inline", "", f'<p>x <img src="{u}/gone/b3.png"> <img src="/rel.png"></p>'],
    ]
    source = write_csv(tmp_path / "posts.csv", rows, header=["id", "title", "image", "body"])
    opts = options(check_media=True, media_rate=100)
    stats = await run_migration(
        load_mapping(posts_mapping(tmp_path)),
        source,
        opts,
        base_url=emulator.base_url,
        write_token="w-token",
    )
    await emulator.settle()
    state = emulator.state()

    assert (stats.sent.accepted, stats.plan.invalid, stats.media.checked, stats.media.dead) == (
        1,
        2,
        4,
        2,
    )
    problems = {line["identity"]: line for line in failure_lines(opts.failures_path)}
    assert problems["2"]["field"] == "featured_image"
    assert problems["2"]["reason"].startswith(
        f"media field featured_image: {u}/gone/f2.png answered 404"
    )
    assert problems["3"]["field"] == "body"
    assert problems["3"]["reason"].startswith(
        f'media field body <img src="{u}/gone/b3.png">: answered 404 Not Found: Butter would '
        "fail this item (it copies the body's images, upload_images_to_media_library): fix or "
        "remove the image"
    )
    assert list(state["posts"]) == ["fine"] and state["failures"] == []


async def test_an_image_repeated_in_a_body_is_named_once(emulator, image_host, tmp_path, options):
    """Before: "media field body <img>: URL answered 404 Not Found" 8 times over, and the
    summary grouped every media problem as "media field body <img>"."""
    u = image_host.url
    dead = f"{u}/gone/logo.png"
    body = "".join(f'<p>{i} <img src="{dead}"></p>' for i in range(8))
    rows = [
        ["1", "Eight logos", "", body],
        ["2", "One logo", "", f'<img src="{u}/gone/b2.png">'],
        ["3", "Two dead", "", f'<img src="{u}/gone/b2.png"><img src="{u}/gone/b3.png">'],
    ]
    source = write_csv(tmp_path / "posts.csv", rows, header=["id", "title", "image", "body"])
    opts = options(check_media=True, media_rate=100)
    stats = await run_migration(
        load_mapping(posts_mapping(tmp_path)),
        source,
        opts,
        base_url=emulator.base_url,
        write_token="w-token",
    )
    problems = {line["identity"]: line["reason"] for line in failure_lines(opts.failures_path)}
    assert problems["1"].count(dead) == 1
    assert problems["1"].startswith(
        f'media field body <img src="{dead}"> (8 times): answered 404 Not Found: Butter would '
    )
    assert problems["3"].startswith(
        f'media field body <img src="{u}/gone/b2.png">: answered 404 Not Found; '
        f'media field body <img src="{u}/gone/b3.png">: answered 404 Not Found: Butter would '
    )
    # Records 1 and 2 in one group, which says what is wrong and what to do.
    one = (
        "media field body <img src=…>: answered 404 Not Found: Butter would fail this item (it "
        "copies the body's images, upload_images_to_media_library): fix or remove the image"
    )
    groups = {g[: len(one)]: n for g, n in stats.failure_reasons.items()}
    assert groups[one] == 2, stats.failure_reasons
    assert len(groups) == 2


async def test_guard_raises_a_record_error_naming_record_field_and_reason(tmp_path) -> None:
    mapping = load_mapping(team_mapping(tmp_path))
    compiled = mapping.compile()
    dead = {"http://old.example.com/x.jpg": "410 Gone"}
    guarded = guard(compiled, dead)
    good = Record(
        "a@x",
        "row",
        {"name": "A", "email": "a@x", "photo": "http://ok/y.jpg"},
        Location("t.csv", 2),
    )
    bad = Record(
        "b@x",
        "row",
        {"name": "B", "email": "b@x", "photo": "http://old.example.com/x.jpg"},
        Location("t.csv", 3),
    )
    assert guarded(good) == compiled(good)
    with pytest.raises(RecordError) as caught:
        guarded(bad)
    error = caught.value
    assert (error.file, error.line, error.identity, error.field) == ("t.csv", 3, "b@x", "photo")
    assert error.reason == (
        "media field photo: http://old.example.com/x.jpg answered 410 Gone: "
        "Butter would fail this item"
    )
    assert guarded.mapping is mapping


async def test_the_pass_streams_records_and_skips_bad_ones(image_host, tmp_path) -> None:
    mapping = load_mapping(team_mapping(tmp_path))
    u = image_host.url
    records = [
        RecordError("broken row", file="t.csv", line=2),
        Record(
            "a", "row", {"name": "A", "email": "a", "photo": f"{u}/img/1.png"}, Location("t.csv", 3)
        ),
        Record("b", "row", {"name": "B", "email": "b", "photo": "not a url"}, Location("t.csv", 4)),
        Record(
            "c",
            "row",
            {"name": "C", "email": "c", "photo": f"{u}/gone/2.png"},
            Location("t.csv", 5),
        ),
    ]
    report = await check_media(
        iter(records), mapping.compile(), mapping.model, CheckOptions(policy=LOCAL)
    )
    assert (report.records, report.uses, report.checked) == (2, 2, 2)
    (problem,) = report.dead.first
    assert len(report.dead) == 1 and report.dead[problem.url] == "404 Not Found"
    assert problem.url == f"{u}/gone/2.png" and problem.reason == "404 Not Found"
    assert (problem.first.identity, problem.first.source, problem.first.field) == (
        "c",
        "t.csv:5",
        "photo",
    )


# --------------------------------------------------------------------------- the command


def run_args(mapping: Path, source: Path, ledger: Path, *extra: str) -> list[str]:
    return [
        MIGRATOR, "--log-level", "warning", "run", str(mapping), "--source", str(source),
        "--ledger", str(ledger), "--no-progress", "--settle-delay", "0.2",
        "--settle-timeout", "0.6", "--check-media",
        "--media-rate", "50", *extra,
    ]  # fmt: skip


async def test_the_command_dry_run_then_real_run(emulator, image_host, tmp_path) -> None:
    source, photos = team_csv(tmp_path, image_host, closed_port_url())
    mapping = team_mapping(tmp_path)
    ledger = tmp_path / "team.ledger.sqlite"
    failures = tmp_path / "team.failures.jsonl"
    env = cli_env(emulator.base_url)

    dry = await anyio.run_process(
        run_args(mapping, source, ledger, "--dry-run"), env=env, check=False
    )
    out = dry.stdout.decode()
    assert dry.returncode == 1, out + dry.stderr.decode()
    assert "Traceback" not in out + dry.stderr.decode()
    assert "media: 6 URLs checked" in out and "2 dead" in out and "1 suspicious" in out
    assert f"{photos['gone']} answered 404 Not Found" in out
    assert "connection refused" in out
    assert emulator.state()["requests"] == [], "a dry run sends nothing"
    dry_failures = failure_lines(failures)
    assert sorted(f["identity"] for f in dry_failures) == ["down@example.com", "gone@example.com"]

    real = await anyio.run_process(run_args(mapping, source, ledger), env=env, check=False)
    out = real.stdout.decode()
    assert real.returncode == 1, out + real.stderr.decode()
    assert "media: 6 URLs checked" in out
    assert failure_lines(failures) == dry_failures, "a dry run lists what the run will refuse"
    await emulator.settle()
    state = emulator.state()
    assert len(writes(state)) == 6 and state["failures"] == []


async def test_a_dead_audio_file_says_the_post_would_play_nothing(tmp_path) -> None:
    mapping = load_mapping(posts_mapping(tmp_path))
    compiled = mapping.compile()
    dead = {"http://old.example.com/a.mp3": "404 Not Found"}
    body = '<p><audio controls src="http://old.example.com/a.mp3"></audio></p>'
    record = Record(
        "7", "row", {"id": "7", "title": "Song", "image": "", "body": body}, Location("p.csv", 8)
    )
    with pytest.raises(RecordError) as caught:
        guard(compiled, dead)(record)
    assert (caught.value.field, caught.value.reason) == (
        "body",
        "media field body <audio>: http://old.example.com/a.mp3 answered 404 Not Found: "
        "it would play nothing (serve the file, or fix its URL)",
    )
