"""The dry run's sink: each request the run would make, written to the preview file,
and the API calls it would cost (Butter bills every call, reads included)."""

from __future__ import annotations

from migrator.butter import CallCounter, item_path, update_body
from migrator.engine.edits import EditPolicy, owned_body
from migrator.engine.pipeline import SENDABLE
from migrator.engine.plan import LedgerView, Planned, split_target
from migrator.engine.report import JsonlWriter
from migrator.mapping import Payload
from migrator.records import JsonObject

CREATE_PATHS = {"page": "/v2/pages/", "collection": "/v2/content/", "post": "/v2/posts/"}
READ_FIRST = "not updated if edited in ButterCMS since migrator sent it (--overwrite-edits)"
# Deletions listed in the summary; the preview file has them all.
SHOWN_DELETES = 20


class PreviewSink:
    def __init__(
        self,
        preview: JsonlWriter,
        ledger: LedgerView,
        edits: EditPolicy | None = None,
        *,
        check_edits: bool = False,
    ):
        """``check_edits``: the real run reads each changed record first (unless
        ``edits.overwrite``), to keep edits made in Butter."""
        self.preview = preview
        self.ledger = ledger
        self.edits = edits or EditPolicy()
        self.check_edits = check_edits and not self.edits.overwrite
        self.calls = CallCounter()  # what the real run would spend
        self.edit_checks = 0  # changed records the real run reads first
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
            if self.check_edits and self.ledger.last_sent(entry.target, entry.identity):
                # Read first: edited in Butter since migrator sent it? Then not updated.
                # (A collection item's read learns its id too.)
                reads += _reads_to_check(p, multi_locale=self.edits.multi_locale)
                if p.kind == "collection" and not entry.butter_id:
                    reads -= 1  # the id is learnt by the same read
                self.edit_checks += 1
                line["read_first"] = READ_FIRST
            policy = self.edits
            body = owned_body(
                p.kind, update_body(p.kind, p.body), policy.owned, policy.multi_locale
            )
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


def _reads_to_check(payload: Payload, *, multi_locale: bool) -> int:
    """Reads the edit check makes: one, or one per locale of a multi-locale record."""
    if payload.kind == "post" or payload.locale or not multi_locale:
        return 1
    fields = payload.body.get("fields")
    fields = fields[0] if isinstance(fields, list) and fields else fields
    return max(1, len(fields)) if isinstance(fields, dict) else 1


def shown_path(kind: str, name: str | None, *, slug: str | None, item_id: str | None) -> str:
    # "<id>": learnt by reading back when the real run gets there.
    return "/v2/" + item_path(kind, name, slug=slug, item_id=item_id).replace("%3Cid%3E", "<id>")
