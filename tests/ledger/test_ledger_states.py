"""State transitions, classify, batching visibility, runs, schema checks."""

import threading
from datetime import UTC
from pathlib import Path

import pytest

import migrator.ledger
from migrator.errors import ConfigError
from migrator.ledger import CheckpointLedger, LedgerState

T = "collection:team_members"


def begin(ledger: CheckpointLedger, identity: str, payload_hash: str = "h1", **kw) -> None:
    ledger.begin(
        kw.pop("target", T),
        identity,
        payload_hash=payload_hash,
        slug=kw.pop("slug", f"slug-{identity}"),
        lookup=kw.pop("lookup", ("email", f"{identity}@example.com")),
        source=kw.pop("source", "team.csv:2"),
    )


def test_public_api():
    assert set(migrator.ledger.__all__) >= {"CheckpointLedger", "LedgerEntry", "LedgerState"}
    for name in migrator.ledger.__all__:
        assert hasattr(migrator.ledger, name)


def test_a_record_goes_in_flight_then_accepted_then_unchanged_or_changed(ledger_path: Path):
    with CheckpointLedger(ledger_path) as ledger:
        assert ledger.get(T, "alice") is None
        assert ledger.classify(T, "alice", "h1") == "new"

        begin(ledger, "alice")
        entry = ledger.get(T, "alice")
        assert entry is not None
        assert entry.state is LedgerState.IN_FLIGHT and entry.attempts == 1
        assert entry.slug == "slug-alice" and entry.lookup == ("email", "alice@example.com")
        assert entry.source == "team.csv:2" and entry.payload_hash == "h1"
        assert entry.first_seen.tzinfo == UTC
        assert ledger.classify(T, "alice", "h1") == "in_flight"

        ledger.mark_accepted(T, "alice", payload_hash="h1", butter_id="item-7")
        assert ledger.classify(T, "alice", "h1") == "unchanged"
        assert ledger.classify(T, "alice", "h2") == "changed"
        # The same identity under another target is another record.
        assert ledger.classify("collection:other", "alice", "h1") == "new"

        begin(ledger, "alice", "h2")
        entry = ledger.get(T, "alice")
        assert entry is not None and entry.attempts == 2 and entry.butter_id == "item-7"
        ledger.mark_accepted(T, "alice", payload_hash="h2")  # no id in the answer: kept
        entry = ledger.get(T, "alice")
        assert entry is not None and entry.butter_id == "item-7"
        assert entry.updated_at >= entry.first_seen


def test_failed_records_and_their_reasons(ledger_path: Path):
    with CheckpointLedger(ledger_path) as ledger:
        begin(ledger, "bob")
        ledger.mark_failed(T, "bob", "rejected by ButterCMS: title is required")
        entry = ledger.get(T, "bob")
        assert entry is not None and entry.state is LedgerState.FAILED
        assert entry.reason == "rejected by ButterCMS: title is required"
        assert ledger.classify(T, "bob", "h1") == "failed"
        assert [e.identity for e in ledger.failed()] == ["bob"]

        # A retry that succeeds clears the reason.
        begin(ledger, "bob")
        ledger.mark_accepted(T, "bob", payload_hash="h1")
        entry = ledger.get(T, "bob")
        assert entry is not None and entry.reason is None and entry.attempts == 2

        # A record can fail without ever being sent (migrator's own checks).
        ledger.mark_failed("post", "p1", "no slug", source="wp.xml:120")
        entry = ledger.get("post", "p1")
        assert entry is not None and entry.attempts == 0 and entry.source == "wp.xml:120"


def test_plan_never_touches_a_record_already_in_butter(ledger_path: Path):
    with CheckpointLedger(ledger_path) as ledger:
        kw = {"payload_hash": "h9", "slug": "s", "lookup": None, "source": "a.csv:3"}
        ledger.plan(T, "new-one", **kw)
        assert ledger.get(T, "new-one").state is LedgerState.PLANNED  # type: ignore[union-attr]
        assert ledger.classify(T, "new-one", "h9") == "new"

        begin(ledger, "done")
        ledger.mark_accepted(T, "done", payload_hash="h1")
        ledger.plan(T, "done", **kw)
        entry = ledger.get(T, "done")
        assert entry is not None and entry.state is LedgerState.ACCEPTED
        assert entry.payload_hash == "h1"

        # On an in-flight row, plan() is the caller saying "that request was not applied".
        begin(ledger, "aborted")
        ledger.plan(T, "aborted", **kw)
        assert ledger.get(T, "aborted").state is LedgerState.PLANNED  # type: ignore[union-attr]


def test_accepting_a_record_that_never_began_is_a_bug(ledger_path: Path):
    with CheckpointLedger(ledger_path) as ledger, pytest.raises(LookupError, match="begin"):
        ledger.mark_accepted(T, "ghost", payload_hash="h1")


def test_set_butter_id_and_entries_filters(ledger_path: Path):
    with CheckpointLedger(ledger_path) as ledger:
        begin(ledger, "a")
        begin(ledger, "b")
        begin(ledger, "x", target="post")
        ledger.mark_accepted(T, "a", payload_hash="h1")
        ledger.set_butter_id(T, "a", "item-1")
        assert ledger.get(T, "a").butter_id == "item-1"  # type: ignore[union-attr]
        assert [e.identity for e in ledger.entries(target=T)] == ["a", "b"]
        assert [e.identity for e in ledger.entries(state="in_flight")] == ["b", "x"]
        in_flight = ledger.entries(state=LedgerState.IN_FLIGHT)
        assert [(e.target, e.identity) for e in in_flight] == [(T, "b"), ("post", "x")]
        assert [e.identity for e in ledger.entries(target="post", state="accepted")] == []
        counts = ledger.counts()
        assert counts["accepted"] == 1 and counts["in_flight"] == 2 and counts["failed"] == 0
        assert set(counts) == {s.value for s in LedgerState}


def test_marks_are_batched_but_begin_commits_them(ledger_path: Path):
    with CheckpointLedger(ledger_path, batch_size=1000, max_delay=3600) as ledger:
        begin(ledger, "a")
        begin(ledger, "b")
        ledger.mark_accepted(T, "a", payload_hash="h1")
        # This connection sees its own pending mark; another one does not yet.
        assert ledger.classify(T, "a", "h1") == "unchanged"
        with CheckpointLedger(ledger_path, readonly=True) as reader:
            assert reader.get(T, "a").state is LedgerState.IN_FLIGHT  # type: ignore[union-attr]
            begin(ledger, "c")  # begin commits, and the pending mark with it
            assert reader.get(T, "a").state is LedgerState.ACCEPTED  # type: ignore[union-attr]
            assert reader.get(T, "c").state is LedgerState.IN_FLIGHT  # type: ignore[union-attr]
            ledger.mark_failed(T, "b", "boom")
            assert reader.classify(T, "b", "h1") == "in_flight"
            ledger.flush()
            assert reader.classify(T, "b", "h1") == "failed"


def test_a_full_batch_or_an_old_one_is_committed(ledger_path: Path):
    with CheckpointLedger(ledger_path, batch_size=3, max_delay=3600) as ledger:
        for name in "abc":
            begin(ledger, name)
        with CheckpointLedger(ledger_path, readonly=True) as reader:
            ledger.mark_accepted(T, "a", payload_hash="h1")
            ledger.mark_accepted(T, "b", payload_hash="h1")
            assert reader.counts()["accepted"] == 0
            ledger.mark_accepted(T, "c", payload_hash="h1")
            assert reader.counts()["accepted"] == 3
    with CheckpointLedger(ledger_path, batch_size=1000, max_delay=0.0) as ledger:
        with CheckpointLedger(ledger_path, readonly=True) as reader:
            ledger.mark_failed(T, "a", "late")
            assert reader.classify(T, "a", "h1") == "failed"


def test_close_commits_pending_marks_even_after_an_error(ledger_path: Path):
    with pytest.raises(RuntimeError):
        with CheckpointLedger(ledger_path, batch_size=1000, max_delay=3600) as ledger:
            begin(ledger, "a")
            ledger.mark_accepted(T, "a", payload_hash="h1")
            raise RuntimeError("the engine blew up")
    assert ledger.closed
    with CheckpointLedger(ledger_path) as ledger:
        assert ledger.classify(T, "a", "h1") == "unchanged"


def test_runs_are_remembered(ledger_path: Path):
    with CheckpointLedger(ledger_path) as ledger:
        assert ledger.last_run() is None
        first = ledger.start_run(mapping_path="mappings/team.toml", source_path="team.csv")
        begin(ledger, "a")
        ledger.mark_accepted(T, "a", payload_hash="h1")
        ledger.finish_run(first, exit_code=0)
        second = ledger.start_run(mapping_path=Path("mappings/team.toml"))
        assert second > first
        run = ledger.last_run()
        assert run is not None and run.run_id == second and run.finished_at is None
        ledger.finish_run(second, exit_code=1, counts={"accepted": 0, "failed": 2})
    with CheckpointLedger(ledger_path, readonly=True) as reader:
        run = reader.last_run()
        assert run is not None and run.exit_code == 1 and run.finished_at is not None
        assert run.counts == {"accepted": 0, "failed": 2}
        assert run.mapping == "mappings/team.toml" and run.source is None


def test_a_run_with_variables_is_finished_under_its_own_id(ledger_path: Path):
    # The variables' rows come after the run's: its id is the run's row, not theirs.
    with CheckpointLedger(ledger_path) as ledger:
        run_id = ledger.start_run(mapping_path="m.toml", variables={"a": "1", "b": "2"})
        ledger.finish_run(run_id, exit_code=3)
        run = ledger.last_run()
        assert run is not None and run.run_id == run_id and run.exit_code == 3
        assert run.finished_at is not None


def test_a_runs_variables_are_remembered_but_never_a_secret(ledger_path: Path):
    from migrator.log import register_secret

    register_secret("w-registered-9f3k")
    with CheckpointLedger(ledger_path) as ledger:
        assert ledger.variables() == {}  # a ledger no run remembered variables in
        ledger.start_run(variables={"media_host": "https://old.example.com", "x": "1"})
        ledger.start_run(
            variables={
                "media_host": "https://media.example.com",
                "api_token": "abc123",  # its name says token
                "feed": "https://h.example/?auth_token=zz9zz",  # a token in a URL
                "header": "Bearer abcdef123",
                "other": "w-registered-9f3k",  # a token the process registered
            }
        )
    with CheckpointLedger(ledger_path, readonly=True) as reader:
        assert reader.variables() == {
            "media_host": "https://media.example.com",  # the last run's; "x" is gone
            "api_token": None,
            "feed": None,
            "header": None,
            "other": None,
        }
    raw = b"".join(p.read_bytes() for p in ledger_path.parent.glob(ledger_path.name + "*"))
    for secret in (b"abc123", b"zz9zz", b"abcdef123", b"w-registered-9f3k"):
        assert secret not in raw


def test_reopening_keeps_everything(ledger_path: Path):
    with CheckpointLedger(ledger_path) as ledger:
        begin(ledger, "a")
        ledger.mark_accepted(T, "a", payload_hash="h1")
    with CheckpointLedger(ledger_path) as ledger:
        assert ledger.classify(T, "a", "h1") == "unchanged"
        entry = ledger.get(T, "a")
        assert entry is not None and entry.lookup == ("email", "a@example.com")


def test_a_file_that_is_not_a_ledger_is_refused(tmp_path: Path):
    junk = tmp_path / "mapping.toml"
    junk.write_text('[target]\nkind = "post"\n' * 50)
    with pytest.raises(ConfigError, match="not a migrator ledger"):
        CheckpointLedger(junk)
    # The lock was let go: the refusal did not leave the file locked.
    with pytest.raises(ConfigError, match="not a migrator ledger"):
        CheckpointLedger(junk)


def test_a_ledger_from_a_newer_migrator_is_refused(ledger_path: Path):
    import sqlite3

    with CheckpointLedger(ledger_path):
        pass
    conn = sqlite3.connect(ledger_path)
    conn.execute("UPDATE schema_version SET version = 99")
    conn.commit()
    conn.close()
    with pytest.raises(ConfigError, match=r"schema version 99.*upgrade migrator"):
        CheckpointLedger(ledger_path)


def test_missing_directory_and_missing_ledger_are_config_errors(tmp_path: Path):
    with pytest.raises(ConfigError, match="does not exist"):
        CheckpointLedger(tmp_path / "nowhere" / "x.ledger.sqlite")
    missing = tmp_path / "x.ledger.sqlite"
    with pytest.raises(ConfigError, match=r"no ledger at .*x\.ledger\.sqlite; run `migrator run`"):
        CheckpointLedger(missing, readonly=True)
    assert not missing.exists()


def test_readonly_ledgers_refuse_writes(ledger_path: Path):
    with CheckpointLedger(ledger_path):
        pass
    with CheckpointLedger(ledger_path, readonly=True) as reader, pytest.raises(ValueError):
        reader.mark_failed(T, "a", "nope")


def test_flush_from_worker_threads_while_marking(ledger_path: Path):
    errors: list[BaseException] = []
    with CheckpointLedger(ledger_path, batch_size=50) as ledger:
        stop = threading.Event()

        def flusher() -> None:
            try:
                while not stop.is_set():
                    ledger.flush()
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        thread = threading.Thread(target=flusher)
        thread.start()
        try:
            for i in range(2000):
                begin(ledger, f"r{i}")
                ledger.mark_accepted(T, f"r{i}", payload_hash="h1")
        finally:
            stop.set()
            thread.join()
        assert not errors
        assert ledger.counts()["accepted"] == 2000
