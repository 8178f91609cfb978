"""The dry run's sink: each request the run would make, written to the preview file,
and the API calls it would cost (Butter bills every call, reads included)."""

from __future__ import annotations

from migrator.butter import CallCounter, item_path, update_body
from migrator.engine.pipeline import SENDABLE
from migrator.engine.plan import LedgerView, Planned, split_target
from migrator.engine.report import JsonlWriter
from migrator.records import JsonObject

CREATE_PATHS = {"page": "/v2/pages/", "collection": "/v2/content/", "post": "/v2/posts/"}
# Deletions listed in the summary; the preview file has them all.
SHOWN_DELETES = 20


class PreviewSink:
    def __init__(self, preview: JsonlWriter, ledger: LedgerView):
        self.preview = preview
        self.ledger = ledger
        self.calls = CallCounter()  # what the real run would spend
        self.planned_deletes: list[str] = []  # the first few, for the summary

    async def put(self, item: Planned) -> None:
        if item.action in SENDABLE:
            self.preview.write(self._write_line(item))
        elif item.action == "delete":
            self.preview.write(self._delete_line(item))

    def _write_line(self, item: Planned) -> JsonObject:
        p = item.payload
        assert p is not None
        query = f"?locale={p.locale}" if p.locale else ""
        reads = 0
        if p.refs:
            reads = sum(
                1
                for hook in p.refs
                for key in hook.keys
                if self.ledger.ref_id(hook.collection, hook.match_field, key) is None
            )
        if item.action == "update":
            entry = item.entry
            assert entry is not None
            item_id = entry.butter_id or ("<id>" if p.kind == "collection" else None)
            if p.kind == "collection" and not entry.butter_id:
                reads += 1  # the item id is learnt by reading back
            path = shown_path(p.kind, p.target, slug=entry.slug or p.slug, item_id=item_id)
            line = {"action": "update", "method": "PATCH", "path": path + query}
            body = update_body(p.kind, p.body)
        else:
            line = {
                "action": "create" if item.action == "send" else "read back, then create",
                "method": "POST",
                "path": CREATE_PATHS[p.kind] + query,
            }
            body = p.body
            if item.action == "settle":
                reads += 1
        self.calls.writes += 1
        self.calls.reads += reads
        return {**line, "identity": p.identity, "source": str(p.source), "body": body}

    def _delete_line(self, item: Planned) -> JsonObject:
        entry = item.entry
        assert entry is not None
        kind, name = split_target(entry.target)
        item_id = entry.butter_id or ("<id>" if kind == "collection" else None)
        if kind == "collection" and not entry.butter_id:
            self.calls.reads += 1
        self.calls.writes += 1
        path = shown_path(kind, name, slug=entry.slug, item_id=item_id)
        if len(self.planned_deletes) < SHOWN_DELETES:
            self.planned_deletes.append(f"{entry.target} {entry.identity} ({path})")
        return {
            "action": "delete (gone from the source)",
            "method": "DELETE",
            "path": path,
            "identity": entry.identity,
            "source": entry.source,
        }


def shown_path(kind: str, name: str | None, *, slug: str | None, item_id: str | None) -> str:
    # "<id>": learnt by reading back when the real run gets there.
    return "/v2/" + item_path(kind, name, slug=slug, item_id=item_id).replace("%3Cid%3E", "<id>")
