"""The mapping variables a run used, for `migrator verify`: without them (a ``--var
media_host=...`` the run had) every record that uses one would look changed."""

from __future__ import annotations

from pathlib import Path

from migrator.ledger import CheckpointLedger
from migrator.log import redact_text
from migrator.mapping import Mapping, load_mapping


def with_run_variables(
    loaded: Mapping, given: dict[str, str], ledger_path: Path
) -> tuple[Mapping, list[str]]:
    """``loaded`` (with ``given``, the ``--var`` values) loaded again with the variables
    its last run used (remembered in the ledger) where ``given`` does not name them, and
    what to tell the user: a variable given here that differs from the run's makes the
    records that use it look changed."""
    remembered: dict[str, str | None] = {}
    if ledger_path.exists():
        with CheckpointLedger(ledger_path, readonly=True) as ledger:
            remembered = ledger.variables()
    use, notes = dict(given), []
    for name, value in sorted(remembered.items()):
        if name not in loaded.variables:
            continue  # the mapping no longer declares it
        if value is None:
            if name not in given:
                notes.append(
                    f"--var {name}: the run's value was not kept (it looks like a secret); "
                    "give it again if records use it, or they look changed"
                )
        elif name not in given:
            if loaded.variables[name] != value:
                use[name] = value
                notes.append(f"--var {name}={value}: the run's (remembered in its ledger)")
        elif given[name] != value:
            notes.append(
                f"--var {name}={given[name]} differs from the run's {name}={value}: the "
                "records that use it will look changed (leave it out to use the run's)"
            )
    if use != given:
        loaded = load_mapping(loaded.path, variables=use)
    return loaded, [redact_text(n) for n in notes]
