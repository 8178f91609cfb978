"""State files: what an emulator holds, saved to serve again later
(``migrator emulator --state FILE``, ``migrator demo --state FILE``).

One JSON object (orjson): ``format`` and ``version`` say what it is, ``page_types`` and
``collections`` what the content model must have to serve it, ``store`` is
``Store.dump()`` and ``pending`` the accepted writes not applied yet (restored, each waits
out what was left of its delay). Tokens are never saved: the emulator serving a state takes
its own. A file is written whole or not at all (a temporary file beside it, then renamed),
so a stop in the middle of a save leaves the previous state.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from migrator.emulator.apply import Job
from migrator.emulator.store import SINGLE_PAGES, StateContentError, Store
from migrator.errors import ConfigError
from migrator.model import ContentModel
from migrator.outputs import check_output

if TYPE_CHECKING:
    from migrator.emulator.server import Emulator

FORMAT = "migrator emulator state"
VERSION = 1
JOB_KEYS = ("kind", "action", "method", "path", "body", "locale", "target", "due_in")


@dataclass
class SavedState:
    store: Store
    # Accepted writes not applied yet, with the seconds each still had to wait.
    pending: list[tuple[Job, float]] = field(default_factory=list)


def read_state(path: Path) -> dict[str, Any] | None:
    """The state document in ``path``, or None when there is no file yet. Anything else
    than a state file of this format version is refused, naming the file."""
    if not path.exists() and not path.is_symlink():
        return None
    if path.is_dir():
        raise ConfigError("is a folder, not an emulator state file", file=path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read it: {exc.strerror}", file=path) from None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        data = None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ConfigError(
            f'not an emulator state file (one has "format": "{FORMAT}"; '
            "`migrator emulator --state FILE` writes them)",
            file=path,
        )
    if data.get("version") != VERSION:
        raise ConfigError(
            f"emulator state format version {data.get('version')!r}: this migrator reads "
            f"version {VERSION} only",
            file=path,
        )
    return data


def check_state_file(path: Path) -> None:
    """Refuse a path a state must not be saved to, before anything runs: a link, a folder
    that is missing, or a file that is not a state file (it would be overwritten)."""
    check_output(path)
    if not path.parent.is_dir():
        raise ConfigError(f"its folder {path.parent} does not exist", file=path)
    read_state(path)


def load_state(path: Path, model: ContentModel) -> SavedState | None:
    """The state saved in ``path`` (None: no file yet), checked against ``model``."""
    data = read_state(path)
    if data is None:
        return None
    for kind, known in (("page_types", model.page_types), ("collections", model.collections)):
        names = data.get(kind)
        if not isinstance(names, list):
            raise ConfigError("missing or not a list", file=path, key=kind)
        missing = [n for n in names if n not in known]
        if missing:
            noun = "page type" if kind == "page_types" else "collection"
            raise ConfigError(
                f"{noun} {missing[0]!r} of the saved state is not in the content model "
                f"{model.path}: start with the --model the state was saved with",
                file=path,
                key=kind,
            )
    store_data = data.get("store")
    if not isinstance(store_data, dict):
        raise ConfigError("missing or not an object", file=path, key="store")
    try:
        store = Store.restore(store_data)
    except StateContentError as exc:
        raise ConfigError(str(exc), file=path, key="store") from None
    saved = SavedState(store)
    pending = data.get("pending")
    if not isinstance(pending, list):
        raise ConfigError("missing or not a list", file=path, key="pending")
    for n, raw in enumerate(pending):
        if not isinstance(raw, dict) or sorted(raw) != sorted(JOB_KEYS):
            raise ConfigError(
                f"expected an object with {', '.join(JOB_KEYS)}", file=path, key=f"pending[{n}]"
            )
        job = Job(
            raw["kind"],
            raw["action"],
            raw["method"],
            raw["path"],
            raw["body"],
            raw["locale"],
            tuple(raw["target"]),
        )
        saved.pending.append((job, float(raw["due_in"])))
    return saved


def state_document(emu: Emulator) -> dict[str, Any]:
    store = emu.store
    return {
        "format": FORMAT,
        "version": VERSION,
        "saved_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "model": emu.config.model.path,
        "page_types": sorted(t for t in store.pages if t != SINGLE_PAGES),
        "collections": sorted(store.collections),
        "store": store.dump(),
        "pending": emu.worker.saved_jobs(),
    }


def summary(document: dict[str, Any]) -> dict[str, int]:
    """What a state holds, counted, for the lines the commands print."""
    store = document["store"]
    return {
        "pages": sum(len(p) for p in store["pages"].values()),
        "collection_items": sum(len(c) for c in store["collections"].values()),
        "posts": len(store["posts"]),
        "media": len(store["media"]),
        "failures": len(store["failures"]),
        "pending": len(document["pending"]),
    }


def describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items())


def write_state(path: Path, document: dict[str, Any]) -> None:
    """Write ``document`` to ``path`` whole: a temporary file beside it, synced, then
    renamed over it (a reader sees the old state or the new one, never half)."""
    check_output(path)
    body = orjson.dumps(document, option=orjson.OPT_INDENT_2)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        try:
            _write_all(fd, body)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ConfigError(f"cannot save the emulator state: {exc.strerror}", file=path) from None
    # The rename itself survives a crash once the folder is synced.
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _write_all(fd: int, body: bytes) -> None:
    view = memoryview(body)
    while view:
        view = view[os.write(fd, view) :]
