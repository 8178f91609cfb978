"""Where the page goes: beside the ledger, as the failures and preview files are."""

from __future__ import annotations

from pathlib import Path

SUFFIXES = {"run": "report", "dry run": "preview", "verify": "verify"}


def report_path(ledgers: list[Path], kind: str) -> Path:
    """``<ledger stem>.report.html`` (a dry run's ``.preview.html``, verify's
    ``.verify.html``, so none replaces another's); several mappings: ``site.*.html`` in
    the first one's folder."""
    suffix = SUFFIXES[kind]
    first = ledgers[0]
    stem = first.name.removesuffix(".sqlite").removesuffix(".ledger")
    if len(ledgers) > 1:
        stem = "site"
    return first.with_name(f"{stem}.{suffix}.html")
