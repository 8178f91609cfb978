"""A whole site: several mappings in the order their references need, a second pass for
cycles, verify afterwards, one exit code (``migrator run`` is this and printing)."""

from migrator.site.order import referenced_collections, run_order
from migrator.site.runner import Butter, Job, SiteEvents, SiteResult, load_site, run_site, site_jobs

__all__ = [
    "Butter",
    "Job",
    "SiteEvents",
    "SiteResult",
    "load_site",
    "referenced_collections",
    "run_order",
    "run_site",
    "site_jobs",
]
