"""Verify: read migrated records back through the Read API and compare with what was sent."""

from migrator.lazy import lazy_front

TYPE_CHECKING = False
if TYPE_CHECKING:
    from migrator.verify.canary import CanaryCheck
    from migrator.verify.compare import diff_fields, diff_post, diff_published
    from migrator.verify.edits import EditCheck
    from migrator.verify.run import verify_migration
    from migrator.verify.stats import VerifyStats, verify_paths
    from migrator.verify.summary import (
        SUMMARY_VERSION,
        print_verify_summary,
        redacted,
        summary_head,
        verify_data,
        verify_summary,
    )

# Not for type checkers: they read the imports above (a module __getattr__ would let
# any misspelt name pass).
if not TYPE_CHECKING:
    # Names load on first use: `migrator verify --help` imports command.py, not the engine.
    __getattr__, __dir__ = lazy_front(
        __name__,
        {
            "migrator.verify.canary": ["CanaryCheck"],
            "migrator.verify.compare": ["diff_fields", "diff_post", "diff_published"],
            "migrator.verify.edits": ["EditCheck"],
            "migrator.verify.run": ["verify_migration"],
            "migrator.verify.stats": ["VerifyStats", "verify_paths"],
            "migrator.verify.summary": [
                "SUMMARY_VERSION",
                "print_verify_summary",
                "redacted",
                "summary_head",
                "redacted",
                "summary_head",
                "verify_data",
                "verify_summary",
            ],
        },
    )

__all__ = [
    "SUMMARY_VERSION",
    "CanaryCheck",
    "EditCheck",
    "VerifyStats",
    "diff_fields",
    "diff_post",
    "diff_published",
    "print_verify_summary",
    "redacted",
    "summary_head",
    "verify_data",
    "verify_migration",
    "verify_paths",
    "verify_summary",
]
