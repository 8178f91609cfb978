"""The engine: plan each record against the ledger, then submit with a worker pool."""

from migrator.engine.options import RunOptions, default_paths
from migrator.engine.plan import Planned, plan_items
from migrator.engine.report import RunStats
from migrator.engine.run import dry_run, run_migration

__all__ = [
    "Planned",
    "RunOptions",
    "RunStats",
    "default_paths",
    "dry_run",
    "plan_items",
    "run_migration",
]
