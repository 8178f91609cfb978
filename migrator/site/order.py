"""Several mappings in one run: referenced collections first.

A mapping whose fields reference items of collection ``C`` (``ref = "..."``) runs after
the mappings that fill ``C``, so the ids it needs exist when it writes. Otherwise the
order given is kept. A cycle (A references B's items and B references A's) is run in
the given order; what could not be resolved is patched in by a second pass afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence

from migrator.mapping import Mapping


def referenced_collections(mapping: Mapping) -> set[str]:
    """The collections whose items ``mapping``'s reference fields point at."""
    target = mapping.target
    if target.kind == "post":
        return set()
    fields = mapping.model.fields_of(target.kind, target.name or "") or {}
    specs = [mapping.fields, *mapping.locales.values()]
    return {
        fields[name].ref_target or ""
        for spec in specs
        for name, value in spec.items()
        if value.ref is not None and name in fields
    }


def filled_collection(mapping: Mapping) -> str | None:
    return mapping.target.name if mapping.target.kind == "collection" else None


def run_order(mappings: Sequence[Mapping]) -> list[Mapping]:
    """``mappings`` ordered so that each runs after those filling what it references."""
    pending = list(mappings)
    ordered: list[Mapping] = []
    while pending:
        for m in pending:
            needs = referenced_collections(m)
            # Waits only for mappings still to run that fill what it needs (not itself).
            if not any(filled_collection(other) in needs for other in pending if other is not m):
                break
        else:
            m = pending[0]  # a cycle: keep the given order; the second pass patches
        pending.remove(m)
        ordered.append(m)
    return ordered
