"""A whole site in one call: several mappings, referenced collections first, a second pass
for the references a cycle left out, verify afterwards, one exit code.

``migrator run`` is this plus printing; a Python caller gets the same run::

    mappings = load_site([Path("mappings/team_members.toml")], {})
    jobs = site_jobs(mappings, options=RunOptions(rate=5))
    result = await run_site(jobs, Butter(base_url, write_token, read_token))
    result.exit_code
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Sequence
from collections.abc import Mapping as MappingOf
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from migrator.butter import DEFAULT_BASE_URL
from migrator.engine import (
    RunOptions,
    RunStats,
    mapping_target_key,
    plan_migration,
    run_migration,
)
from migrator.errors import ConfigError, MappingError, MigratorError
from migrator.log import get_logger
from migrator.mapping import Mapping, load_mapping
from migrator.report import report_path, warm_steps
from migrator.site.order import run_order
from migrator.verify import CanaryCheck, EditCheck, VerifyStats, verify_migration, verify_paths

log = get_logger("migrator.site")

# A run at this rate or below waits on its limiter most of the time (the send path manages
# ~2,000 writes/s unthrottled here): the report's set-up is done in those waits, a step a
# second from the first second on, so writing the page after the last record costs ~1 ms.
# Each step holds the loop for less than the limiter's burst (a tenth of a second's
# writes), which it then catches up. Faster runs do it at the end, as before.
PACED_RATE = 500.0


@dataclass(frozen=True)
class Butter:
    """Where a run sends: the API base (an emulator's, for a rehearsal) and the tokens."""

    base_url: str = DEFAULT_BASE_URL
    write_token: str | None = None
    read_token: str | None = None


@dataclass
class Job:
    """One mapping of the site, with what its run and its verify found."""

    mapping: Mapping
    source: Path
    options: RunOptions
    stats: RunStats | None = None  # None: not run (an earlier mapping stopped the site)
    # The second pass, which patched in the references a cycle left out (None: none ran).
    second_pass: RunStats | None = None
    verified: VerifyStats | None = None

    @property
    def name(self) -> str:
        return self.mapping.path.name

    @property
    def verified_path(self) -> Path:
        """Where verify reports what differs (``<mapping>.verify.jsonl``)."""
        return verify_paths(self.options.ledger_path)

    @property
    def passes(self) -> list[RunStats]:
        return [s for s in (self.stats, self.second_pass) if s is not None]

    @property
    def aborted(self) -> bool:
        return any(s.aborted for s in self.passes)

    @property
    def exit_code(self) -> int:
        if self.stats is None:
            return 0
        # The second pass read the whole source again: its code is the whole picture.
        code = self.passes[-1].exit_code
        if self.verified is not None:
            code = max(code, self.verified.exit_code)
        return code


@dataclass
class SiteResult:
    jobs: list[Job] = field(default_factory=list)
    report: Path | None = None  # the HTML run report (None: not written)

    @property
    def exit_code(self) -> int:
        """The worst of the mappings': 0 all accepted, 1 some records need attention,
        3 stopped (bad token, quota, unreachable), 130 interrupted."""
        return max((job.exit_code for job in self.jobs), default=0)

    @property
    def stopped(self) -> bool:
        return any(job.aborted for job in self.jobs)


class SiteEvents(Protocol):
    """What a caller is told as the site runs (the CLI prints summaries from these)."""

    def job_started(self, job: Job, n: int, total: int, *, second_pass: bool) -> None: ...

    def job_finished(self, job: Job, stats: RunStats) -> None:
        """``stats``: the pass that just ended (``job.stats`` or ``job.second_pass``)."""

    def job_verified(self, job: Job) -> None: ...


class Quiet:
    def job_started(self, job: Job, n: int, total: int, *, second_pass: bool) -> None:
        pass

    def job_finished(self, job: Job, stats: RunStats) -> None:
        pass

    def job_verified(self, job: Job) -> None:
        pass


def load_site(paths: Sequence[Path], variables: MappingOf[str, str]) -> list[Mapping]:
    """Every mapping checked, every problem of every one reported together. With several,
    each takes the variables it declares, and a variable none declares is an error."""
    several = len(paths) > 1
    loaded, problems = [], []
    for path in paths:
        try:
            loaded.append(load_mapping(path, variables=dict(variables), only_declared=several))
        except MappingError as exc:
            problems.extend(exc.problems)
    if problems:
        raise MappingError(problems)
    if several:
        declared = {name for m in loaded for name in m.variables}
        unknown = sorted(set(variables) - declared)
        if unknown:
            raise ConfigError(
                f"--var {', '.join(unknown)}: declared in no mapping's [vars] "
                f"(declared: {sorted(declared)})"
            )
    return loaded


def site_jobs(
    mappings: Sequence[Mapping],
    *,
    options: RunOptions,
    source: Path | None = None,
    ledger: Path | None = None,
    folder: Path | None = None,
) -> list[Job]:
    """The jobs in the order they must run. ``options`` apply to every mapping, each with
    its ledger and reports beside it (or in ``folder``); ``source``: one export for all,
    else each mapping's ``source.path``; ``ledger``: only with a single mapping."""
    if ledger is not None and len(mappings) > 1:
        raise ConfigError(
            "--ledger names one ledger: give it with a single mapping (each mapping keeps "
            "its own, beside it)"
        )
    jobs = []
    for mapping in run_order(mappings):
        source_path = source or mapping.default_source
        if source_path is None:
            raise ConfigError(
                f"{mapping.path}: no --source given and the mapping names no source.path"
            )
        where = folder / mapping.path.name if folder is not None else mapping.path
        jobs.append(Job(mapping, Path(source_path), options.beside(where, ledger)))
    return jobs


async def run_site(
    jobs: list[Job],
    butter: Butter | None = None,
    *,
    verify: bool = False,
    events: SiteEvents | None = None,
) -> SiteResult:
    """Run (or, with ``options.dry_run``, plan) each job in turn. A stopped run (a bad
    token, a spent quota, Ctrl-C) stops the ones after it too."""
    events = events or Quiet()
    warming = _prepare_report_in_waits(jobs)
    try:
        return await _run_jobs(jobs, butter, verify=verify, events=events)
    finally:
        for handle in warming:
            handle.cancel()


def _prepare_report_in_waits(jobs: list[Job]) -> list[asyncio.TimerHandle]:
    if not jobs or any(job.options.dry_run or job.options.rate > PACED_RATE for job in jobs):
        return []
    loop = asyncio.get_running_loop()
    return [loop.call_later(1.0 + n, _quietly, step) for n, step in enumerate(warm_steps())]


def _quietly(step: Callable[[], object]) -> None:
    try:
        step()
    except Exception:  # the page, written at the end, takes the step again and says why
        return


async def _run_jobs(
    jobs: list[Job], butter: Butter | None, *, verify: bool, events: SiteEvents
) -> SiteResult:
    result = SiteResult(jobs)
    for n, job in enumerate(jobs, 1):
        events.job_started(job, n, len(jobs), second_pass=False)
        job.stats = await _run_one(job, butter)
        events.job_finished(job, job.stats)
        if job.stats.aborted:
            break
    if len(jobs) > 1 and not result.stopped:
        # A cycle between mappings: the references a mapping could not find when it ran
        # exist now. Running it again sends nothing else (its records are unchanged).
        for n, job in enumerate(jobs, 1):
            if job.stats is not None and job.stats.sent.refs_unresolved and not result.stopped:
                events.job_started(job, n, len(jobs), second_pass=True)
                job.second_pass = await _run_one(job, butter)
                events.job_finished(job, job.second_pass)
    if verify:
        for job in jobs:
            if job.stats is not None and not job.aborted and not job.options.dry_run:
                job.verified = await _verify_one(job, butter)
                events.job_verified(job)
    result.report = write_site_report(jobs)
    return result


def write_site_report(jobs: list[Job]) -> Path | None:
    """The HTML report of the jobs that ran, beside their reports. A report that cannot
    be written is said in the log, and changes nothing of the run or its exit code (a
    scheduled re-import's alerting reads that code)."""
    ran = [job for job in jobs if job.stats is not None]
    if not ran:
        return None
    from migrator.report import MappingReport, write_report  # at the end: not to start a run

    dry = ran[0].options.dry_run
    kind = "dry run" if dry else "run"
    parts = [
        MappingReport(
            name=job.name,
            mapping_path=str(job.mapping.path),
            source=str(job.source),
            target=mapping_target_key(job.mapping),
            stats=job.stats,
            second_pass=job.second_pass,
            dry_run=dry,
            exit_code=job.exit_code,
            failures_path=job.options.failures_path,
            warnings_path=job.options.warnings_path,
            preview_path=job.options.preview_path,
            verify=job.verified.as_dict() if job.verified is not None else None,
            verify_path=job.verified_path if job.verified is not None else None,
        )
        for job in ran
    ]
    path = report_path([job.options.ledger_path for job in ran], kind)
    try:
        return write_report(path, parts, kind=kind)
    except (MigratorError, OSError) as exc:
        log.warning("run report not written", path=str(path), error=str(exc))
    except Exception as exc:  # a bug of the report's: the run it reports on still stands
        log.error("run report not written", path=str(path), error=repr(exc))
    return None


async def _run_one(job: Job, butter: Butter | None) -> RunStats:
    if job.options.dry_run:
        base_url = butter.base_url if butter is not None else None
        return await plan_migration(job.mapping, job.source, job.options, base_url=base_url)
    if butter is None or not butter.write_token:
        raise ConfigError(
            "no write token: set BUTTER_WRITE_TOKEN or pass --token-file "
            "(ButterCMS → Settings → API Tokens → Write API token)"
        )
    return await run_migration(
        job.mapping,
        job.source,
        job.options,
        base_url=butter.base_url,
        write_token=butter.write_token,
        read_token=butter.read_token,
        canary_check=CanaryCheck(job.mapping, job.options) if job.options.canary else None,
        edit_check=EditCheck(job.mapping, job.options),
    )


async def _verify_one(job: Job, butter: Butter | None) -> VerifyStats:
    butter = butter or Butter()
    options = dataclasses.replace(job.options, failures_path=job.verified_path)
    return await verify_migration(
        job.mapping, job.source, options, base_url=butter.base_url, read_token=butter.read_token
    )
