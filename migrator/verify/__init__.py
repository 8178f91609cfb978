"""Verify: read migrated records back through the Read API and compare with what was sent."""

from migrator.verify.canary import CanaryCheck
from migrator.verify.compare import diff_fields, diff_post
from migrator.verify.edits import EditCheck
from migrator.verify.run import verify_migration
from migrator.verify.stats import VerifyStats, verify_paths
from migrator.verify.summary import print_verify_summary

__all__ = [
    "CanaryCheck",
    "EditCheck",
    "VerifyStats",
    "diff_fields",
    "diff_post",
    "print_verify_summary",
    "verify_migration",
    "verify_paths",
]
