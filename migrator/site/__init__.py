"""A whole site: several mappings in the order their references need, a second pass for
cycles, verify afterwards, one exit code (``migrator run`` is this and printing)."""

from migrator.lazy import lazy_front

TYPE_CHECKING = False
if TYPE_CHECKING:
    from migrator.site.order import referenced_collections, run_order
    from migrator.site.runner import (
        Butter,
        Job,
        SiteEvents,
        SiteResult,
        load_site,
        run_site,
        site_jobs,
    )
    from migrator.site.summary import site_summary

# Not for type checkers: they read the imports above (a module __getattr__ would let
# any misspelt name pass).
if not TYPE_CHECKING:
    # Names load on first use: `migrator run --help` imports command.py, not the engine.
    __getattr__, __dir__ = lazy_front(
        __name__,
        {
            "migrator.site.order": ["referenced_collections", "run_order"],
            "migrator.site.runner": [
                "Butter",
                "Job",
                "SiteEvents",
                "SiteResult",
                "load_site",
                "run_site",
                "site_jobs",
            ],
            "migrator.site.summary": ["site_summary"],
        },
    )

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
    "site_summary",
]
