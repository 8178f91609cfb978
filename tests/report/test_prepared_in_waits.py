"""A paced run prepares its report while it waits on the limiter (start-up, issue 14)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from migrator.engine import RunOptions
from migrator.report import template as page_template
from migrator.site import runner


def jobs(**options: object) -> list[runner.Job]:
    return [runner.Job(mapping=None, source=Path("x.csv"), options=RunOptions(**options))]  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_a_paced_run_takes_the_report_steps_a_second_apart_from_the_first():
    loop = asyncio.get_running_loop()
    start = loop.time()
    handles = runner._prepare_report_in_waits(jobs(rate=200))
    try:
        delays = [round(h.when() - start) for h in handles]
        assert delays == [1, 2, 3]
    finally:
        for h in handles:
            h.cancel()


@pytest.mark.anyio
@pytest.mark.parametrize("options", [{"rate": 100_000}, {"rate": 5, "dry_run": True}])
async def test_an_unpaced_run_or_a_dry_run_takes_none(options):
    assert runner._prepare_report_in_waits(jobs(**options)) == []


def test_the_steps_leave_the_template_compiled():
    page_template.template.cache_clear()
    for step in page_template.warm_steps():
        step()
    assert page_template.template.cache_info().currsize == 1
    compiled = page_template.template()
    assert page_template.template() is compiled  # the page at the end uses this one


def test_a_failing_step_is_left_for_the_page_to_report():
    tried = []

    def broken() -> None:
        tried.append("step")
        raise RuntimeError("no jinja2 today")

    assert runner._quietly(broken) is None  # the run goes on; the page tries again
    assert tried == ["step"]
