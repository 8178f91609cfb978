"""``--check-media`` asks public addresses only: a URL (or a redirect) leading to this
machine or its networks is refused, never asked, and reported per record and field.

Every server here is on loopback, so the tests drive the guard honestly: they use the
policy a run against the real Butter gets (``NetPolicy()``, or ``--api-base`` set to
Butter in a dry run, which sends nothing to it), and a counting server shows what was
asked. 127.0.0.2 stands for a public host: an allow-list naming it (a real feature) lets
it through while 127.0.0.1 stays refused, so a redirect from one to the other is the
redirect from a public host inwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import orjson
import pytest
from aiohttp import web

from migrator.emulator.media import sample_png
from migrator.emulator.serve import serve_app
from migrator.media import CheckOptions, MediaChecker
from migrator.netguard import NetPolicy
from tests.engine.conftest import MIGRATOR, cli_env, write_csv
from tests.media.test_check_media import team_mapping

pytestmark = pytest.mark.anyio
PNG = sample_png(1, 2, 3)
BUTTER = "https://api.buttercms.com/v2"
# What a run against the real Butter gets with --allow-media-host 127.0.0.2.
PUBLIC_IS_127_0_0_2 = NetPolicy(allowed=("127.0.0.2",))


@dataclass
class Host:
    url: str = ""
    port: int = 0
    asked: list[str] = field(default_factory=list)  # "METHOD /path" of every request


async def counting_host(address: str, redirect_to: str | None = None) -> AsyncIterator[Host]:
    host = Host()

    async def answer(request: web.Request) -> web.StreamResponse:
        host.asked.append(f"{request.method} {request.path}")
        if request.path.startswith("/go/") and redirect_to is not None:
            raise web.HTTPFound(redirect_to + request.path.removeprefix("/go"))
        if request.path.startswith("/hop/"):
            raise web.HTTPFound(request.path.replace("/hop/", "/img/"))
        return web.Response(body=PNG, content_type="image/png")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    async with serve_app(app, address) as url:
        host.url, host.port = url, int(url.rsplit(":", 1)[1])
        yield host


@pytest.fixture
async def inside() -> AsyncIterator[Host]:
    """An "intranet" server on 127.0.0.1: nothing may reach it unless allowed."""
    async for host in counting_host("127.0.0.1"):
        yield host


@pytest.fixture
async def outside(inside: Host) -> AsyncIterator[Host]:
    """A "public" host on 127.0.0.2 whose /go/<x> redirects to the inside one."""
    async for host in counting_host("127.0.0.2", redirect_to=inside.url):
        yield host


def tricks(port: int) -> dict[str, str]:
    """127.0.0.1 (and this machine) spelled every way a URL can."""
    return {
        "dotted": f"http://127.0.0.1:{port}/a.png",
        "decimal": f"http://2130706433:{port}/b.png",
        "octal": f"http://0177.0.0.1:{port}/c.png",
        "hex": f"http://0x7f.0.0.1:{port}/d.png",
        "short": f"http://127.1:{port}/e.png",
        "mapped": f"http://[::ffff:127.0.0.1]:{port}/f.png",
        "unspecified": f"http://0.0.0.0:{port}/g.png",
        "loopback6": f"http://[::1]:{port}/h.png",
        "name": f"http://localhost:{port}/i.png",  # a name: refused after DNS
    }


# --------------------------------------------------------------------------- the checker


async def test_every_spelling_of_this_machine_is_refused_without_a_request(inside) -> None:
    urls = tricks(inside.port)
    async with MediaChecker(CheckOptions(rate=100, timeout=2)) as checker:
        results = {name: await checker.check(url) for name, url in urls.items()}

    assert inside.asked == []
    assert {name: r.verdict for name, r in results.items()} == dict.fromkeys(urls, "refused")
    assert results["decimal"].reason == (
        "not asked: 2130706433 (127.0.0.1) is a loopback address (this machine); "
        "--allow-private-media or --allow-media-host allows it"
    )
    assert "::ffff:7f00:1 (IPv4 127.0.0.1) is a loopback address" in results["mapped"].reason
    assert "0.0.0.0 is the unspecified address" in results["unspecified"].reason
    assert "localhost (127.0.0.1) is a loopback address" in results["name"].reason


async def test_allowing_private_media_asks_them(inside) -> None:
    """The same URLs with --allow-private-media: the server is reachable, so the refusals
    above were the guard's doing."""
    urls = tricks(inside.port)
    policy = NetPolicy(allow_private=True)
    async with MediaChecker(CheckOptions(rate=100, timeout=2, policy=policy)) as checker:
        results = {name: await checker.check(url) for name, url in urls.items()}
    ok = {name for name, r in results.items() if r.verdict == "ok"}
    # aiohttp itself refuses the legacy numeric forms; ::1 has no listener (IPv4 only).
    assert {"dotted", "hex", "mapped", "unspecified", "name"} <= ok
    assert not any(r.verdict == "refused" for r in results.values())
    assert "HEAD /a.png" in inside.asked and "HEAD /i.png" in inside.asked


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://169.254.169.254/latest/meta-data/", "a cloud metadata address"),
        ("http://[fd00:ec2::254]/latest/", "a cloud metadata address"),
        ("http://[64:ff9b::a9fe:a9fe]/", "a cloud metadata address"),  # NAT64 of it
        ("http://10.255.255.1/x.png", "a private network address"),
        ("http://192.168.0.1/x.png", "a private network address"),
        ("http://[fd00::1]/x.png", "a private network address"),
        ("http://100.64.0.1/x.png", "not a public address"),  # carrier-grade NAT
        ("http://169.254.1.1/x.png", "a link-local address"),
        ("http://[fe80::1]/x.png", "a link-local address"),
        ("http://224.0.0.1/x.png", "a multicast address"),
        ("http://240.0.0.1/x.png", "a reserved address"),
    ],
)
async def test_intranet_and_metadata_addresses_are_refused(url: str, kind: str) -> None:
    async with MediaChecker(CheckOptions(rate=100, timeout=1)) as checker:
        result = await checker.check(url)
        assert checker.requests == 0
    assert result.verdict == "refused" and f"is {kind}" in result.reason


async def test_metadata_stays_refused_with_allow_private_media() -> None:
    policy = NetPolicy(allow_private=True)
    async with MediaChecker(CheckOptions(rate=100, timeout=1, policy=policy)) as checker:
        result = await checker.check("http://169.254.169.254/latest/meta-data/")
    assert result.verdict == "refused"
    assert result.reason.endswith("only --allow-media-host 169.254.169.254 allows it")


async def test_a_redirect_inwards_is_refused_before_it_is_followed(inside, outside) -> None:
    options = CheckOptions(rate=100, timeout=2, policy=PUBLIC_IS_127_0_0_2)
    async with MediaChecker(options) as checker:
        inwards = await checker.check(f"{outside.url}/go/secret.png")
        # The same inwards redirect spelled as a name: caught when it resolves.
        followed = await checker.check(f"{outside.url}/hop/fine.png")
        direct = await checker.check(f"{inside.url}/img/a.png")

    assert outside.asked == ["HEAD /go/secret.png", "HEAD /hop/fine.png", "HEAD /img/fine.png"]
    assert inside.asked == [], "nothing reached 127.0.0.1"
    assert inwards.verdict == "refused"
    assert inwards.reason.startswith(
        f"not asked: redirected to {inside.url}/secret.png: 127.0.0.1 is a loopback address"
    )
    assert (followed.verdict, followed.reason) == (
        "ok",
        f"200 OK (redirected to {outside.url}/img/fine.png)",
    )
    assert direct.verdict == "refused"


async def test_a_redirect_to_a_name_of_this_machine_is_refused_after_dns(inside) -> None:
    async for outside in counting_host("127.0.0.2", redirect_to=f"http://localhost:{inside.port}"):
        options = CheckOptions(rate=100, timeout=2, policy=PUBLIC_IS_127_0_0_2)
        async with MediaChecker(options) as checker:
            result = await checker.check(f"{outside.url}/go/x.png")
        assert outside.asked == ["HEAD /go/x.png"]
    assert inside.asked == []
    assert result.verdict == "refused"
    assert f"redirected to http://localhost:{inside.port}/x.png: localhost (127.0.0.1)" in (
        result.reason
    )


# --------------------------------------------------------------------------- the command


def photos_csv(tmp_path: Path, urls: dict[str, str]) -> Path:
    rows = [[name, f"{name}@example.com", url] for name, url in urls.items()]
    return write_csv(tmp_path / "team.csv", rows, header=["name", "email", "photo"])


async def dry_check(tmp_path: Path, source: Path, api_base: str, *extra: str):
    args = [
        MIGRATOR, "--log-level", "error", "run", str(team_mapping(tmp_path)),
        "--source", str(source), "--ledger", str(tmp_path / "team.ledger.sqlite"),
        "--no-progress", "--dry-run", "--check-media", "--media-rate", "100",
        "--media-timeout", "2", *extra,
    ]  # fmt: skip
    done = await anyio.run_process(args, env=cli_env(api_base), check=False)
    return done.returncode, done.stdout.decode() + done.stderr.decode()


def failures(tmp_path: Path) -> dict[str, dict]:
    lines = (tmp_path / "team.failures.jsonl").read_bytes().splitlines()
    return {f["identity"]: f for f in map(orjson.loads, lines)}


async def test_a_run_for_butter_refuses_media_on_this_machine(inside, outside, tmp_path):
    urls = {
        **tricks(inside.port),
        "metadata": "http://169.254.169.254/latest/meta-data/",
        "redirected": f"{outside.url}/go/x.png",
    }
    source = photos_csv(tmp_path, urls)

    code, out = await dry_check(tmp_path, source, BUTTER, "--allow-media-host", "127.0.0.2")

    assert code == 1 and "Traceback" not in out, out
    assert inside.asked == [], "the run probed this machine"
    assert outside.asked == ["HEAD /go/x.png"]
    assert "media: 11 URLs checked" in out and "0 dead, 11 refused" in out
    assert "(9 loopback, 1 unspecified, 1 cloud metadata)" in " ".join(out.split())
    assert "--allow-private-media" in out and "--allow-media-host" in out
    found = failures(tmp_path)
    assert sorted(found) == sorted(f"{name}@example.com" for name in urls)
    octal = found["octal@example.com"]
    assert octal["field"] == "photo" and octal["source"] == f"{source}:4"
    assert octal["reason"] == (
        f"media field photo: {urls['octal']}: not asked: 0177.0.0.1 (127.0.0.1) is a loopback "
        "address (this machine); --allow-private-media or --allow-media-host allows it: "
        "Butter would fail this item"
    )
    assert f"redirected to {inside.url}/x.png" in found["redirected@example.com"]["reason"]


async def test_allow_private_media_lets_the_run_ask(inside, tmp_path) -> None:
    source = photos_csv(
        tmp_path, {"dotted": f"{inside.url}/a.png", "name": tricks(inside.port)["name"]}
    )
    code, out = await dry_check(tmp_path, source, BUTTER, "--allow-private-media")
    assert code == 0, out
    assert "media: 2 URLs checked" in out and "0 dead" in out and "refused" not in out
    assert sorted(inside.asked) == ["HEAD /a.png", "HEAD /i.png"]


async def test_a_rehearsal_against_the_local_emulator_allows_local_media(inside, tmp_path):
    source = photos_csv(tmp_path, {"dotted": f"{inside.url}/a.png"})
    # A dry run sends nothing to the API base: only its address decides.
    code, out = await dry_check(tmp_path, source, "http://127.0.0.1:8700/v2")
    assert code == 0, out
    assert inside.asked == ["HEAD /a.png"]


async def test_a_bad_allow_list_entry_is_a_usage_error(tmp_path) -> None:
    source = photos_csv(tmp_path, {"a": "https://example.com/a.png"})
    code, out = await dry_check(tmp_path, source, BUTTER, "--allow-media-host", "10.0.0.0/99")
    assert code == 2 and "Traceback" not in out
    assert "--allow-media-host: '10.0.0.0/99' is not a host name or a CIDR" in out
