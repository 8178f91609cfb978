"""One slug, one record: Butter keeps one post per slug (one page per slug and page type)
and fails the others in its background, after a 202. So a slug is claimed here, before
sending, by the first record that has it, against the records of this run and those the
ledger says Butter already holds. A later record with a taken slug is invalid, naming the
holder, or with ``[target] unique_slugs = "suffix"`` gets ``-2``, ``-3``... as WordPress
does. The claims live on disk (``SeenKeys``): memory stays flat however large the export.
"""

from __future__ import annotations

import dataclasses
import re

from migrator.errors import RecordError
from migrator.ledger import LedgerEntry, LedgerState, LedgerView
from migrator.mapping import Payload
from migrator.seen import SeenKeys

# Ledger states whose slug Butter may hold: applied, or maybe applied.
_HOLDING = frozenset({LedgerState.ACCEPTED, LedgerState.VERIFIED, LedgerState.IN_FLIGHT})


def holds_slug(entry: LedgerEntry) -> bool:
    """Whether Butter has (or may have) this record under ``entry.slug``."""
    if entry.slug is None or entry.state == LedgerState.DELETED:
        return False
    return entry.accepted_hash is not None or entry.state in _HOLDING


class SlugClaims:
    def __init__(self, ledger: LedgerView, claims: SeenKeys, *, suffix: bool) -> None:
        self.ledger = ledger
        self.claims = claims
        self.suffix = suffix
        self.loaded: set[str] = set()  # targets whose ledger slugs are claimed (a few)

    def claim(self, target: str, payload: Payload, entry: LedgerEntry | None) -> Payload:
        """``payload``, with its slug made unique when asked; RecordError if it is taken."""
        slug = payload.slug
        if not slug:
            return payload
        self._load(target)
        if entry is not None and entry.accepted_hash is not None and entry.slug:
            # In Butter already, under the slug it was sent with (a slug cannot change):
            # a numbered one stays its own.
            if self.suffix and entry.slug != slug and _numbered(entry.slug, slug):
                return _with_slug(payload, entry.slug)
            return payload
        holder = self._take(target, slug, payload)
        if holder is None or holder[0] == payload.identity:
            return payload
        if not self.suffix:
            raise RecordError(
                f"slug {slug!r} is taken by record {holder[0]!r} ({holder[1] or 'ledger'}): "
                f"Butter keeps one {_what(target)} per slug and would drop this one. Give it "
                'another slug, or set [target] unique_slugs = "suffix" to number them '
                f"as WordPress does ('{slug}-2', '{slug}-3')",
                file=payload.source.file,
                line=payload.source.line,
                identity=payload.identity,
                field="slug",
            )
        return _with_slug(payload, self._numbered(target, slug, payload))

    def _numbered(self, target: str, slug: str, payload: Payload) -> str:
        """The first free ``slug-N`` (N ≥ 2), or the one this record holds already."""
        counter = _key(target, slug) + "\x00next"
        n = int(self.claims.get(counter) or 2)
        while True:
            candidate = f"{slug}-{n}"
            holder = self._take(target, candidate, payload)
            if holder is None or holder[0] == payload.identity:
                break
            n += 1
        self.claims.put(counter, str(n + 1))
        return candidate

    def _take(self, target: str, slug: str, payload: Payload) -> tuple[str, str] | None:
        """Claim ``slug`` for ``payload`` unless it is held: then (identity, source) of
        its holder. One SQLite statement when it is free, the common case."""
        loc = payload.source
        where = f"{loc.file}:{loc.line}" if loc.line is not None else str(loc)
        found = self.claims.first_seen(_key(target, slug), f"{payload.identity}\x00{where}")
        if found is None:
            return None
        identity, _, source = found.partition("\x00")
        return identity, source

    def _load(self, target: str) -> None:
        """Claim, for their records, the slugs Butter holds according to the ledger."""
        if target in self.loaded:
            return
        self.loaded.add(target)
        for entry in self.ledger.entries(target):
            if entry.slug and holds_slug(entry):
                value = f"{entry.identity}\x00{entry.source or ''}"
                self.claims.first_seen(_key(target, entry.slug), value)


def _key(target: str, slug: str) -> str:
    return f"slug\x00{target}\x00{slug}"


def _numbered(candidate: str, base: str) -> bool:
    return re.fullmatch(re.escape(base) + r"-[0-9]+", candidate) is not None


def _with_slug(payload: Payload, slug: str) -> Payload:
    return dataclasses.replace(payload, slug=slug, body={**payload.body, "slug": slug})


def _what(target: str) -> str:
    return "post" if target == "post" else f"page of type {target.partition(':')[2]!r}"


def as_sent(payload: Payload, entry: LedgerEntry, *, suffix: bool) -> Payload:
    """``payload`` under the numbered slug a ``unique_slugs = "suffix"`` run sent it with."""
    if suffix and payload.slug and entry.slug and _numbered(entry.slug, payload.slug):
        return _with_slug(payload, entry.slug)
    return payload


class SlugHolders:
    """For verify: which other record of the ledger has a record's slug. Built on first
    use from the ledger (on disk); keeps two holders per slug, enough to name the other."""

    def __init__(self, ledger: LedgerView) -> None:
        self.ledger = ledger
        self.claims = SeenKeys()
        self.loaded: set[str] = set()

    def close(self) -> None:
        self.claims.close()

    def other(self, target: str, slug: str, identity: str) -> tuple[str, str] | None:
        """(identity, source) of another record sent with ``slug``, or None."""
        if target not in self.loaded:
            self.loaded.add(target)
            for entry in self.ledger.entries(target):
                if entry.slug and holds_slug(entry):
                    value = f"{entry.identity}\x00{entry.source or ''}"
                    key = _key(target, entry.slug)
                    if self.claims.first_seen(key, value) is not None:
                        self.claims.first_seen(key + "\x00second", value)
        for key in (_key(target, slug), _key(target, slug) + "\x00second"):
            found = self.claims.get(key)
            if found is not None:
                holder, _, source = found.partition("\x00")
                if holder != identity:
                    return holder, source
        return None
