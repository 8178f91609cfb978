"""The run report: one self-contained HTML page per run, dry run or verify (``page.py``),
beside the run's other reports; jinja2 loads only when a page is written."""

from migrator.report.page import MappingReport, render, write_report
from migrator.report.paths import report_path
from migrator.report.template import warm_steps

__all__ = ["MappingReport", "render", "report_path", "warm_steps", "write_report"]
