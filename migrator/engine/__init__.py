"""The engine: plan each record against the ledger, then send it with a worker pool (or,
in a dry run, write what would be sent). One pipeline for both: ``pipeline.py``."""

from migrator.engine.counts import MediaCounts, PlanCounts, RunStats, SendCounts
from migrator.engine.dates import DatesRefused
from migrator.engine.edits import EditCheck, EditPolicy, Edits
from migrator.engine.json_summary import run_counts, summary_data
from migrator.engine.options import RunOptions, default_paths
from migrator.engine.plan import Compiled, Planned, mapping_target_key, plan_items, target_key
from migrator.engine.prune import PruneGuard, PrunePlan
from migrator.engine.refs import RefResolver
from migrator.engine.report import JsonlWriter, ReasonCounts, failure_line, reason_key, tally
from migrator.engine.run import (
    CanaryCheck,
    CanaryFailed,
    CanaryReport,
    compiled_mapping,
    dry_run,
    plan_migration,
    run_migration,
)
from migrator.engine.settle import Settled, SettleWindow, Verdict, settle
from migrator.engine.slugs import SlugHolders, as_sent
from migrator.engine.trace import Change, Changes, FieldChange, Sample, Timeline
from migrator.lazy import lazy_front

# The end-of-run summary loads rich's tables: imported when first asked for, after the
# run (or, in a paced run, in its waits: site.runner).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from migrator.engine.summary import print_summary, summary_rows

__getattr__, __dir__ = lazy_front(
    __name__, {"migrator.engine.summary": ["print_summary", "summary_rows"]}
)

__all__ = [
    "CanaryCheck",
    "CanaryFailed",
    "CanaryReport",
    "Change",
    "Changes",
    "Compiled",
    "DatesRefused",
    "EditCheck",
    "EditPolicy",
    "Edits",
    "FieldChange",
    "JsonlWriter",
    "MediaCounts",
    "PlanCounts",
    "Planned",
    "PruneGuard",
    "PrunePlan",
    "ReasonCounts",
    "RefResolver",
    "RunOptions",
    "RunStats",
    "Sample",
    "SendCounts",
    "SettleWindow",
    "Settled",
    "SlugHolders",
    "Timeline",
    "Verdict",
    "as_sent",
    "compiled_mapping",
    "default_paths",
    "dry_run",
    "failure_line",
    "mapping_target_key",
    "plan_items",
    "plan_migration",
    "print_summary",
    "reason_key",
    "run_counts",
    "run_migration",
    "settle",
    "summary_data",
    "summary_rows",
    "tally",
    "target_key",
]
