"""docs/scheduled-reimports.md, run as written: its re-import script is taken from the doc
(so this fails when the doc drifts), laid out in a project folder with the mapping, the
export and the token files it names, and run against the emulator: twice with a changed
export in between, while another process holds the ledger, and on a shrunk export that
the prune guard must refuse. The exit codes and the JSON summary are checked against
what the doc (and docs/json-summary.md) say, and against what the emulator received.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import anyio
import orjson
import pytest

from migrator.errors import EXIT_CODES
from migrator.ledger import CheckpointLedger
from tests.engine.conftest import (
    MIGRATOR,
    TEAM_MAPPING,
    items_by_email,
    team_rows,
    write_csv,
    writes,
)

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(shutil.which("jq") is None, reason="the documented script needs jq"),
]
ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "scheduled-reimports.md"
SCHEMA_DOC = ROOT / "docs" / "json-summary.md"
# Only what makes a test quick: Butter's 20 s to apply a write is 0 s in the emulator.
QUICK = ("--settle-delay", "0.2", "--settle-timeout", "0.6", "--rate", "500")


def fenced(text: str, lang: str, containing: str) -> str:
    """The one ```lang block of ``text`` that contains ``containing``."""
    blocks = [b for b in re.findall(rf"```{lang}\n(.*?)```", text, re.S) if containing in b]
    assert len(blocks) == 1, f"expected one ```{lang} block with {containing!r}"
    return blocks[0]


def script_text() -> str:
    return fenced(DOC.read_text(), "bash", "# reimport.sh")


def exit_table(text: str) -> dict[int, str]:
    """The doc's exit-code table: code → its row."""
    rows = re.findall(r"^\| (\d+) \|(.*)$", text, re.M)
    return {int(code): row for code, row in rows}


def flat(text: str) -> str:
    return " ".join(text.split())


class Project:
    """A project folder as the doc describes it: the script, the mapping it names, the
    export it reads, the token files."""

    def __init__(self, root: Path, base_url: str):
        self.root = root
        script = script_text()
        mapping = re.search(r" run (\S+\.toml)", script)
        source = re.search(r"--source (\S+)", script)
        assert mapping and source, "the script's migrator command names a mapping and --source"
        target = root / mapping[1]
        target.parent.mkdir(parents=True)
        shutil.copy(TEAM_MAPPING, target)
        model = "content-model.toml"  # the mapping's `model`, beside it
        shutil.copy(TEAM_MAPPING.with_name(model), target.with_name(model))
        self.source = root / source[1]
        self.source.parent.mkdir(parents=True, exist_ok=True)
        (root / "secrets").mkdir()
        (root / "secrets" / "butter-write-token").write_text("w-token\n")
        (root / "secrets" / "butter-read-token").write_text("r-token\n")
        (root / "reimport.sh").write_text(script)
        (root / "reimport.sh").chmod(0o755)
        # No token in the environment: the script must find the files.
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("BUTTER_")}
        bin_dir = str(Path(sys.executable).parent)
        self.env.update(BUTTER_API_BASE=base_url, PATH=f"{bin_dir}:{os.environ['PATH']}")

    async def reimport(self, *extra: str) -> tuple[int, str, dict]:
        """The script, as cron or systemd starts it: its exit code, what it printed (its
        alerts), and the JSON summary it kept."""
        done = await anyio.run_process(
            [str(self.root / "reimport.sh"), *QUICK, *extra], env=self.env, check=False
        )
        assert done.stdout == b"", "the script prints nothing on stdout"
        summary = orjson.loads((self.root / "reports" / "last-run.json").read_bytes())
        return done.returncode, done.stderr.decode(), summary

    def log_events(self) -> list[dict]:
        lines = (self.root / "reports" / "migrator.log").read_bytes().splitlines()
        return [orjson.loads(line) for line in lines if line.startswith(b"{")]


@pytest.fixture
def project(tmp_path, emulator) -> Project:
    return Project(tmp_path / "project", emulator.base_url)


def counts(summary: dict, *names: str) -> tuple[int, ...]:
    return tuple(summary["totals"][name] for name in names)


async def test_the_documented_reimport_twice_with_a_changed_export(project, emulator):
    rows = team_rows(21)
    write_csv(project.source, rows)
    code, alerts, first = await project.reimport()
    assert code == 0 and alerts == "", alerts
    assert (first["version"], first["command"], first["outcome"], first["error"]) == (
        1,
        "run",
        "ok",
        None,
    )
    assert counts(first, "read", "new", "accepted", "failed", "deleted") == (21, 21, 21, 0, 0)
    assert first["canary"] == {"outcome": "passed"} and first["prune"]["enabled"] is True
    [mapping] = first["mappings"]
    assert mapping["exit_code"] == 0 and len(mapping["canary"]["records"]) == 3
    assert await anyio.Path(mapping["files"]["ledger"]).is_file()
    await emulator.settle()
    assert len(items_by_email(emulator.state())) == 21
    sent_first = len(writes(emulator.state()))
    assert sent_first == 21

    # The next night's export: one row changed, one added, one gone (1 of 21: under 10%).
    rows[3][2] = "Chief Engineer"
    gone = rows.pop(7)[1]
    rows.append(team_rows(1, start=100)[0])
    write_csv(project.source, rows)
    code, alerts, second = await project.reimport()
    assert code == 0 and alerts == "", alerts
    assert counts(second, "read", "unchanged", "new", "changed") == (21, 19, 1, 1)
    assert counts(second, "accepted", "updated", "deleted", "failed", "in_doubt") == (
        1,
        1,
        1,
        0,
        0,
    )
    assert second["prune"] == {"enabled": True, "planned": 1, "deleted": 1, "refused": []}
    await emulator.settle()
    state = emulator.state()
    assert sorted(r["method"] for r in writes(state)[sent_first:]) == ["DELETE", "PATCH", "POST"]
    items = items_by_email(state)
    assert len(items) == 21 and gone not in items and "person100@example.com" in items
    assert items["person3@example.com"][0]["fields"]["en"]["position"] == "Chief Engineer"

    # The log's last event is the same summary, and no token is in either.
    *_, last = project.log_events()
    assert last["event"] == "summary"
    assert {k: v for k, v in last.items() if k not in ("event", "level", "timestamp")} == second
    reports = project.root / "reports"
    for path in (reports / "last-run.json", reports / "migrator.log"):
        assert "w-token" not in path.read_text() and "r-token" not in path.read_text()

    # verify --json: the same schema's head, and what it read back.
    mapping_file = project.root / "mappings" / "team_members.toml"
    token_file = project.root / "secrets" / "butter-read-token"
    args = [MIGRATOR, "verify", str(mapping_file), "--source", str(project.source),
            "--read-token-file", str(token_file), "--json", *QUICK[:4]]  # fmt: skip
    done = await anyio.run_process(args, env=project.env, check=False)
    verified = orjson.loads(done.stdout)  # stdout holds the JSON object only
    assert done.returncode == verified["exit_code"] == 0, done.stderr.decode()
    assert (verified["command"], verified["outcome"]) == ("verify", "ok")
    assert verified["report"].endswith("team_members.verify.html")
    assert await anyio.Path(verified["report"]).is_file()
    # Logs are JSON (stderr is not a terminal): the last event is the same summary.
    last = orjson.loads(done.stderr.splitlines()[-1])
    assert last["event"] == "summary" and last["verify"] == verified["verify"]
    found = verified["verify"]["counts"]
    assert found["read"] == 21 and found["verified"] + found["verified_before"] == 21


async def test_a_run_while_the_previous_one_holds_the_lock(project, emulator):
    write_csv(project.source, team_rows(21))
    code, _, first = await project.reimport()
    assert code == 0
    ledger = Path(first["mappings"][0]["files"]["ledger"])
    write_csv(project.source, team_rows(22))  # one new record the locked run must not send
    before = len(emulator.state()["requests"])

    with CheckpointLedger(ledger):  # the previous run, still going
        code, alerts, summary = await project.reimport()
    # As the doc says: migrator exits 2, its summary names the lock, the script skips.
    table = exit_table(DOC.read_text())
    assert "ledger is in use by another run" in table[2] and "exits 0" in table[2]
    assert summary["exit_code"] == 2 and summary["error"]["kind"] == "ledger_locked"
    assert "in use by another migrator run" in summary["error"]["message"]
    assert summary["mappings"][0]["ran"] is False
    assert code == 0 and alerts == "", alerts
    assert (
        "skipped: the previous run still holds the ledger"
        in (project.root / "reports" / "migrator.log").read_text()
    )
    assert emulator.state()["requests"][before:] == []

    # Once it is released, the next run goes on.
    code, alerts, summary = await project.reimport()
    assert code == 0 and counts(summary, "new", "accepted") == (1, 1), alerts


async def test_a_shrunk_export_trips_the_prune_guard(project, emulator):
    write_csv(project.source, team_rows(21))
    code, _, _ = await project.reimport()
    assert code == 0
    await emulator.settle()
    write_csv(project.source, team_rows(3))  # 18 of 21 gone: the wrong export?
    before = len(emulator.state()["requests"])

    code, alerts, summary = await project.reimport()
    text = DOC.read_text()
    assert code == 1 and "the prune guard" in exit_table(text)[1]
    assert summary["exit_code"] == 1 and summary["outcome"] == "attention"
    assert counts(summary, "deleted", "failed", "unchanged") == (0, 0, 3)
    [refused] = summary["prune"]["refused"]
    # The doc quotes the summary's line for this very case: 18 of 21.
    quoted = re.search(r"says `Nothing was pruned: (.*?)`, the JSON summary", text, re.S)
    assert quoted and refused == f"team_members.toml: {flat(quoted[1])}"
    assert f"prune refused: {refused}" in alerts and "attention (exit 1)" in alerts
    await emulator.settle()
    state = emulator.state()
    assert [r for r in state["requests"][before:] if r["method"] == "DELETE"] == []
    assert len(items_by_email(state)) == 21


async def test_the_docs_name_every_exit_code_and_every_key(project, emulator):
    """Both docs' exit-code tables are EXIT_CODES; json-summary.md lists every key a
    (dry) run's summary has; the three schedulers call the script."""
    for doc in (DOC, SCHEMA_DOC):
        table = exit_table(doc.read_text())
        assert sorted(table) == sorted(EXIT_CODES), doc.name
        for code, (word, _) in EXIT_CODES.items():
            assert f"`{word}`" in table[code], (doc.name, code)

    write_csv(project.source, team_rows(2))
    code, _, summary = await project.reimport("--dry-run")
    assert code == 0 and summary["dry_run"] is True and counts(summary, "new") == (2,)
    assert summary["canary"] == {"outcome": "planned"} and writes(emulator.state()) == []
    schema = SCHEMA_DOC.read_text()
    sections = {
        "## The object (`run`)": set(summary),
        "### `mappings[]`": set(summary["mappings"][0]),
        "### `counts`": set(summary["totals"]),
    }
    for heading, keys in sections.items():
        table = schema.split(heading, 1)[1].split("\n#", 1)[0]
        documented = {
            name for cell in re.findall(r"^\| ([^|]+) \|", table, re.M)
            for name in re.findall(r"`([a-z_]+)`", cell)
        }  # fmt: skip
        assert documented == keys, heading

    text = DOC.read_text()
    assert "reimport.sh" in fenced(text, "cron", "reimport.sh")
    service = fenced(text, "ini", "ExecStart=")
    assert "Type=oneshot" in service and re.search(r"^ExecStart=\S+/reimport\.sh$", service, re.M)
    assert "OnCalendar=" in fenced(text, "ini", "[Timer]")
    workflow = fenced(text, "yaml", "schedule:")
    assert "run: ./reimport.sh" in workflow and "concurrency:" in workflow


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
async def test_systemd_takes_the_documented_units(project, tmp_path):
    """`systemd-analyze verify` of the doc's service and timer, pointed at the project:
    no unknown key, no bad value (it warns and goes on for those: any output fails)."""
    text = DOC.read_text()
    service = fenced(text, "ini", "ExecStart=").replace("/srv/migrator", str(project.root))
    units = tmp_path / "units"
    units.mkdir()
    (units / "migrator-reimport.service").write_text(service)
    (units / "migrator-reimport.timer").write_text(fenced(text, "ini", "[Timer]"))
    done = await anyio.run_process(
        ["systemd-analyze", "verify", "--man=no", *map(str, sorted(units.iterdir()))],
        check=False,
    )
    said = (done.stdout + done.stderr).decode()
    assert done.returncode == 0 and said == "", said
