"""Begins are committed in groups (one fsync for the creates about to leave), and still no
create leaves before its record is durably in flight: a proxy in front of the emulator
reads the ledger file, through a connection of its own, as each create arrives."""

from __future__ import annotations

import re
import sqlite3

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

from migrator.engine import run_migration
from migrator.ledger import CheckpointLedger, LedgerState
from migrator.mapping import load_mapping
from tests.engine.conftest import TEAM_MAPPING, items_by_email, team_rows, write_csv, writes

pytestmark = pytest.mark.anyio
ROWS = 60
EMAIL = re.compile(rb"person\d+@example\.com")


async def test_every_create_arrives_after_its_begin_is_committed(make_emulator, tmp_path, options):
    emulator = await make_emulator(delay=0.005)  # answers slow enough for 8 to overlap
    opts = options(concurrency=8, rate=5000.0)
    origin = str(URL(emulator.base_url).origin())
    seen: list[tuple[str, str | None]] = []  # (email, its committed state when it arrived)

    def committed_state(email: str) -> str | None:
        # Another connection sees committed rows only: what a crash would leave.
        with sqlite3.connect(f"file:{opts.ledger_path}?mode=ro", uri=True) as conn:
            row = conn.execute(
                "SELECT state FROM records WHERE lookup = ?", (f'["email","{email}"]',)
            ).fetchone()
        return row[0] if row else None

    async with aiohttp.ClientSession() as session:

        async def forward(request: web.Request) -> web.Response:
            body = await request.read()
            if request.method == "POST" and (found := EMAIL.search(body)):
                email = found.group().decode()
                seen.append((email, committed_state(email)))
            async with session.request(
                request.method,
                origin + request.path_qs,
                data=body,
                headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
            ) as answer:
                return web.Response(
                    status=answer.status, body=await answer.read(), headers=answer.headers
                )

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", forward)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        try:
            stats = await run_migration(
                load_mapping(TEAM_MAPPING),
                write_csv(tmp_path / "team.csv", team_rows(ROWS)),
                opts,
                base_url=emulator.base_url.replace(origin, f"http://127.0.0.1:{port}"),
                write_token="w-token",
                read_token="r-token",
            )
        finally:
            await runner.cleanup()

    assert (stats.exit_code, stats.sent.accepted) == (0, ROWS)
    assert len(seen) == ROWS
    assert [email for email, state in seen if state != LedgerState.IN_FLIGHT] == []
    await emulator.settle()
    assert all(len(items) == 1 for items in items_by_email(emulator.state()).values())
    assert len([r for r in writes(emulator.state()) if r["method"] == "POST"]) == ROWS
    with CheckpointLedger(opts.ledger_path, readonly=True) as ledger:
        assert ledger.counts()[LedgerState.ACCEPTED] == ROWS
