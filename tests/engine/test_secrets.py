"""A token never reaches what a run leaves behind, and the words around it do.

The CLI runs as a real process against the emulator (a rejected token) and against a
server that quotes the token back in its error answer (as a proxy or a buggy API might),
in free text and in a URL's ``?auth_token=``. The tokens match no pattern: only their
registration when the CLI reads them can hide them.
"""

from __future__ import annotations

from pathlib import Path

import anyio
import orjson
import pytest
from aiohttp import web

from migrator.emulator import serve_app
from tests.engine.conftest import cli_env, run_args, team_rows, write_csv, writes

pytestmark = pytest.mark.anyio

# No "token" key beside it, no "Token " before it, no pattern to catch it.
WRITE = "zq8-PLAIN-4471-kestrel"
READ = "ux2-PLAIN-9034-heron"


def left_behind(tmp_path: Path, *outputs: bytes) -> dict[str, bytes]:
    """Everything the run printed or wrote: its output and each file under ``tmp_path``
    (the state folder: ledger, its journal, failures and warnings files)."""
    found = {f"output {n}": out for n, out in enumerate(outputs)}
    found.update({str(p): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()})
    return found


def assert_no_token(found: dict[str, bytes]) -> None:
    for where, data in found.items():
        for token in (WRITE, READ):
            assert token.encode() not in data, f"{token} in {where}"
            assert token.lower().encode() not in data.lower(), f"{token} in {where}"


async def run_cli(tmp_path: Path, base_url: str, *extra: str) -> anyio.abc.Process:
    source = write_csv(tmp_path / "team.csv", team_rows(2))
    args = run_args(source, tmp_path / "l.sqlite", "--concurrency", "1", *extra)
    args[args.index("--log-level") + 1] = "info"
    env = cli_env(base_url, BUTTER_WRITE_TOKEN=WRITE, BUTTER_READ_TOKEN=READ)
    return await anyio.run_process(args, env=env, check=False)


async def test_a_rejected_token_is_named_in_full_words_and_never_shown(emulator, tmp_path):
    done = await run_cli(tmp_path, emulator.base_url)
    out, err = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 3, out + err
    assert [r["status"] for r in writes(emulator.state())] == [401]
    refused = "ButterCMS refused the token (401: Invalid token.). Writes need the account's write"
    assert "Run stopped: " + refused[:60] in out, "the message is whole, nothing eaten"
    (aborted,) = [e for e in map(orjson.loads, err.splitlines()) if e["event"] == "run aborted"]
    assert aborted["reason"].startswith(refused + " token (Settings → API Tokens"), aborted
    assert "[REDACTED]" not in out + err, "nothing here is a secret"
    assert_no_token(left_behind(tmp_path, done.stdout, done.stderr))


@pytest.fixture
async def echoing_server():
    """Quotes the Authorization it got in its error: a 400 to the first write, then 401s."""
    received: list[str] = []

    async def echo(request: web.Request) -> web.Response:
        token = request.headers.get("Authorization", "").removeprefix("Token ")
        received.append(token)
        detail = f"Bad request from {token}; retry at https://api.test/v2/?auth_token={token}&x=1"
        return web.json_response({"detail": detail}, status=400 if len(received) == 1 else 401)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo)
    async with serve_app(app) as url:
        yield url + "/v2", received


async def test_a_token_quoted_back_by_the_server_is_redacted_everywhere(echoing_server, tmp_path):
    base_url, received = echoing_server
    done = await run_cli(tmp_path, base_url)
    out, err = done.stdout.decode(), done.stderr.decode()
    assert received == [WRITE, WRITE], "the server got (and quoted) the real token"
    assert done.returncode == 3, out + err
    found = left_behind(tmp_path, done.stdout, done.stderr)
    assert_no_token(found)

    # Only the token is gone: the rest of each message is intact.
    quoted = "Bad request from [REDACTED]; retry at https://api.test/v2/?auth_token=[REDACTED]&x=1"
    (failures,) = [v for k, v in found.items() if k.endswith(".failures.jsonl")]
    reasons = [orjson.loads(line)["reason"] for line in failures.splitlines()]
    assert reasons == ["rejected by ButterCMS: " + quoted]
    logged = {e["event"]: e for e in map(orjson.loads, err.splitlines())}
    assert logged["record failed"]["reason"] == reasons[0]
    aborted = logged["run aborted"]["reason"]
    assert aborted.startswith(f"ButterCMS refused the token (401: {quoted})")
    (ledger,) = [v for k, v in found.items() if k.endswith("l.sqlite")]
    assert quoted.encode() in ledger, "the ledger keeps the redacted reason and run history"
    assert "Run stopped: ButterCMS refused the token (401: Bad request from [REDACTED]" in out


async def test_a_token_with_a_control_character_is_a_clear_error(emulator, tmp_path):
    source = write_csv(tmp_path / "team.csv", team_rows(1))
    env = cli_env(emulator.base_url, BUTTER_WRITE_TOKEN="ab\x01" + WRITE)
    done = await anyio.run_process(run_args(source, tmp_path / "l.sqlite"), env=env, check=False)
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert "write token in BUTTER_WRITE_TOKEN holds a space or a control character" in err
    assert "Traceback" not in err and WRITE not in err
    assert writes(emulator.state()) == []


@pytest.mark.parametrize(
    "base", [f"http://me:{WRITE}@127.0.0.1:9/v2", f"http://127.0.0.1:9/v2?auth_token={WRITE}"]
)
@pytest.mark.parametrize("command", ["run", "verify"])
async def test_a_token_in_the_api_base_is_refused_without_showing_it(tmp_path, base, command):
    source = write_csv(tmp_path / "team.csv", team_rows(1))
    args = run_args(source, tmp_path / "l.sqlite")
    args = args[: args.index("--no-progress")] if command == "verify" else args
    args[args.index("run")] = command
    done = await anyio.run_process(args, env=cli_env(base), check=False)
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert "must hold no user, password or query: a token goes in BUTTER_WRITE_TOKEN" in err
    assert "Traceback" not in err
    assert_no_token(left_behind(tmp_path, done.stdout, done.stderr))
