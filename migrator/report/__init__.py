"""The run report: one self-contained HTML page per run, dry run or verify (``page.py``),
beside the run's other reports; jinja2 loads only when a page is written."""

from migrator.lazy import lazy_front
from migrator.report.paths import report_path
from migrator.report.template import warm_steps

TYPE_CHECKING = False
if TYPE_CHECKING:
    from migrator.report.page import MappingReport, render, write_report

# The page's module (and the summary's rich tables it uses) loads when a page is written.
__getattr__, __dir__ = lazy_front(
    __name__, {"migrator.report.page": ["MappingReport", "render", "write_report"]}
)

__all__ = ["MappingReport", "render", "report_path", "warm_steps", "write_report"]
