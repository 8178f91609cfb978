"""migrator: async bulk content migration into ButterCMS.

The Python API does what the command line does (docs/python-api.md)::

    import migrator

    mapping = migrator.load_mapping("mappings/team_members.toml")
    options = migrator.RunOptions(rate=5).beside(mapping.path)
    plan = migrator.dry_run(mapping, source, options)            # nothing is sent
    stats = await migrator.run_migration(mapping, source, options, base_url=..., write_token=...)

    jobs = migrator.site_jobs(migrator.load_site(paths, {}), options=migrator.RunOptions())
    result = await migrator.run_site(jobs, migrator.Butter(base_url, write, read), verify=True)

Names are imported on first use, so ``migrator --help`` does not load the engine.
"""

from __future__ import annotations

import importlib

# Not ``typing.TYPE_CHECKING``: importing typing costs milliseconds before the command line
# can take over Ctrl-C (``__main__.py``); type checkers treat this name the same way.
TYPE_CHECKING = False

# public name → the module that defines it
_EXPORTS: dict[str, str] = {
    # errors: one root, MigratorError
    "MigratorError": "migrator.errors",
    "ConfigError": "migrator.errors",
    "MappingError": "migrator.errors",
    "SourceError": "migrator.errors",
    "RecordError": "migrator.errors",
    # the content model and records
    "ContentModel": "migrator.model",
    "load_content_model": "migrator.model",
    "Record": "migrator.records",
    "Location": "migrator.records",
    # sources and mappings
    "Source": "migrator.sources",
    "open_source": "migrator.sources",
    "Mapping": "migrator.mapping",
    "Payload": "migrator.mapping",
    "load_mapping": "migrator.mapping",
    # one mapping: plan or run
    "RunOptions": "migrator.engine",
    "RunStats": "migrator.engine",
    "dry_run": "migrator.engine",
    "plan_migration": "migrator.engine",
    "run_migration": "migrator.engine",
    # a whole site
    "Butter": "migrator.site",
    "Job": "migrator.site",
    "SiteResult": "migrator.site",
    "load_site": "migrator.site",
    "site_jobs": "migrator.site",
    "run_site": "migrator.site",
    # afterwards
    "VerifyStats": "migrator.verify",
    "verify_migration": "migrator.verify",
    "CheckpointLedger": "migrator.ledger",
    "LedgerEntry": "migrator.ledger",
    "LedgerState": "migrator.ledger",
    # rehearsals
    "EmulatorConfig": "migrator.emulator",
    "run_emulator": "migrator.emulator",
}

# Spelled out for linters and readers; a test checks it against _EXPORTS.
__all__ = [
    "Butter",
    "CheckpointLedger",
    "ConfigError",
    "ContentModel",
    "EmulatorConfig",
    "Job",
    "LedgerEntry",
    "LedgerState",
    "Location",
    "Mapping",
    "MappingError",
    "MigratorError",
    "Payload",
    "Record",
    "RecordError",
    "RunOptions",
    "RunStats",
    "SiteResult",
    "Source",
    "SourceError",
    "VerifyStats",
    "dry_run",
    "load_content_model",
    "load_mapping",
    "load_site",
    "open_source",
    "plan_migration",
    "run_emulator",
    "run_migration",
    "run_site",
    "site_jobs",
    "verify_migration",
]


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'migrator' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once imported, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:  # what type checkers and editors see
    from migrator.emulator import EmulatorConfig, run_emulator
    from migrator.engine import RunOptions, RunStats, dry_run, plan_migration, run_migration
    from migrator.errors import (
        ConfigError,
        MappingError,
        MigratorError,
        RecordError,
        SourceError,
    )
    from migrator.ledger import CheckpointLedger, LedgerEntry, LedgerState
    from migrator.mapping import Mapping, Payload, load_mapping
    from migrator.model import ContentModel, load_content_model
    from migrator.records import Location, Record
    from migrator.site import Butter, Job, SiteResult, load_site, run_site, site_jobs
    from migrator.sources import Source, open_source
    from migrator.verify import VerifyStats, verify_migration
