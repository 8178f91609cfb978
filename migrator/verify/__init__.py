"""Verify: read migrated records back through the Read API and compare with what was sent."""

from migrator.verify.compare import diff_fields, diff_post
from migrator.verify.run import VerifyStats, verify_migration, verify_paths

__all__ = ["VerifyStats", "diff_fields", "diff_post", "verify_migration", "verify_paths"]
