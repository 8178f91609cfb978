"""The spool a run keeps the export's records in between the link index (or --check-media)
and planning: what comes back is what went in, in order, as often as asked."""

from __future__ import annotations

import pytest

from migrator.errors import RecordError
from migrator.records import Location, Record, RecordWarning
from migrator.spool import Spool


def items() -> list[Record | RecordError]:
    site = {"link": "https://old.example.com", "title": "Old"}  # shared, as WXR's is
    out: list[Record | RecordError] = []
    for n in range(150):  # several batches
        data = {"post_id": str(n), "content": "x" * (n * 100), "site": site}
        warnings = (RecordWarning(f"featured image dropped: {n}", field="featured_image"),)
        out.append(Record(str(n), "post", data, Location("export.xml", n + 1), warnings))
    out.append(Record("big", "post", {"content": "é" * 3_000_000}, Location("export.xml", 999)))
    out.append(RecordError("duplicate post id 7", file="export.xml", line=40, identity="7"))
    return out


def test_records_come_back_as_written_batch_after_batch_and_as_often_as_asked():
    written = items()
    spool = Spool[Record | RecordError]()
    try:
        assert list(spool.spooled(written)) == written  # passed through on the way
        for _ in range(2):
            back = list(spool.replay())
            assert back[:-1] == written[:-1]
            warning = back[0].warnings[0]
            assert isinstance(warning, RecordWarning) and warning.field == "featured_image"
            error = back[-1]
            assert isinstance(error, RecordError) and str(error) == str(written[-1])
            assert (error.file, error.line, error.identity) == ("export.xml", 40, "7")
        raw = sum(len(r.data["content"].encode()) for r in written[:-1])
        assert raw < spool.size < raw * 1.05 + 50_000  # on disk: about what it holds
    finally:
        spool.close()


def test_one_replay_at_a_time():
    spool = Spool[Record | RecordError]()
    spool.write(items()[0])
    first = spool.replay()
    next(first)
    with pytest.raises(RuntimeError, match="already being replayed"):
        next(spool.replay())
    first.close()
    assert len(list(spool.replay())) == 1  # the first is done: the next may go
    spool.close()
