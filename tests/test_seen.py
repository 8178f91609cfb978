"""The on-disk key set: duplicates found with where they were first seen, memory flat, and
nothing left on disk when the process is killed mid-way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from migrator.seen import SeenKeys


def test_a_key_seen_twice_answers_where_it_was_first_seen():
    with SeenKeys() as seen:
        assert seen.first_seen("a", "team.csv:2") is None
        assert seen.first_seen("b", "team.csv:3") is None
        assert seen.first_seen("a", "team.csv:9") == "team.csv:2"
        assert "b" in seen and "c" not in seen
        seen.put("c", "x")
        assert seen.get("c") == "x" and seen.get("d") is None


def test_the_first_keys_kept_in_memory_answer_as_those_on_disk():
    statements: list[str] = []
    with SeenKeys(memory_keys=4) as seen:
        seen._db.set_trace_callback(statements.append)
        assert [seen.first_seen(k, n) for n, k in enumerate("abc", 2)] == [None] * 3
        assert seen.first_seen("b", 9) == "3" and "a" in seen and "z" not in seen
        seen.put("c", "x")
        assert seen.first_seen("d", 5) is None  # the fourth: memory is full
        assert statements == []  # nothing asked of SQLite for the first four keys
        assert seen.first_seen("e", 11) is None and seen.first_seen("e", 12) == "11"
        assert [s.split()[0] for s in statements] == ["INSERT", "INSERT", "SELECT"]
        assert seen.first_seen("a", 10) == "2" and seen.get("c") == "x"
        seen.put("a", "y")
        seen.put("f", "z")  # on disk, as memory is full
        assert seen.get("a") == "y" and seen.get("f") == "z" and seen.get("q") is None
        assert "d" in seen and "e" in seen and "f" in seen and "g" not in seen


KILLED_MID_WAY = """
import os, signal
from migrator.seen import SeenKeys
from migrator.sources.wordpress.media import AttachmentIndex
seen, media = SeenKeys(), AttachmentIndex()
for i in range(300_000):  # past the 4 MiB page cache: pages spill to the temporary file
    seen.first_seen(f"key-{i}", f"big.csv:{i}")
for i in range(20_000):
    media.add(str(i), url=f"https://x.test/{i}", alt="", title="", caption="", parent=str(i % 7))
print("spilled", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_run_leaves_no_file_behind(tmp_path):
    # Both scratch stores spill past their cache; SIGKILL runs no cleanup at all.
    env = {**os.environ, "TMPDIR": str(tmp_path), "SQLITE_TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", KILLED_MID_WAY], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert "spilled" in done.stdout
    assert list(tmp_path.iterdir()) == []
