"""What the mapping stage hands to the engine: one ready-to-send body per record."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any

import orjson

from migrator.records import Location


@dataclass(frozen=True)
class RefHook:
    """A reference the engine must resolve before sending (a hook; see ``ref`` in mappings).

    The body holds the field's empty value meanwhile. The engine looks up the items
    of ``collection`` whose ``match_field`` equals each of ``keys`` and puts their ids
    at ``body["fields"][field]`` (``body["fields"][locale][field]`` when ``locale``).
    """

    field: str
    locale: str | None
    collection: str
    match_field: str
    keys: tuple[str, ...]
    many: bool


# Not frozen: one is built per record, and a frozen __init__ pays object.__setattr__
# for each of its dozen fields. Read-only all the same (dataclasses.replace to change;
# hashable as when frozen).
@dataclass(slots=True, unsafe_hash=True)
class Payload:
    """One record, mapped: ``body`` is exactly the JSON to POST.

    ``kind`` is ``page`` (POST /v2/pages/), ``collection`` (/v2/content/) or ``post``
    (/v2/posts/); ``target`` the page type or collection key (None for posts);
    ``slug`` the page or post slug (None for collection items); ``locale`` set
    means single-locale form, sent as ``?locale=``; ``lookup`` is
    ``(field, value)`` for finding a collection item by reading back.
    ``hash`` is a sha256 of the body, stable across runs and processes; treat
    ``body`` as read-only. With ``refs`` the hash covers them too (their keys are not in
    the body until the engine resolves them, and a changed reference is a change).
    """

    kind: str
    target: str | None
    identity: str
    slug: str | None
    body: dict[str, Any]
    locale: str | None
    lookup: tuple[str, str] | None
    source: Location
    refs: tuple[RefHook, ...] = ()
    # For people, not for Butter: links left unmapped, inline images Butter won't copy
    # (migrator.mapping.Note), and how many URLs were rewritten. Not hashed.
    notes: tuple[Any, ...] = field(default=(), compare=False)
    links_rewritten: int = field(default=0, compare=False)
    hash: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        hashed = self.body
        if self.refs:
            hashed = {"body": self.body, "refs": [dataclasses.astuple(r) for r in self.refs]}
        self.hash = body_hash(hashed)


def body_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()
