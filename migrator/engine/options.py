"""Run options: typed, defaulted, checked when built, frozen afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from migrator.errors import ConfigError


@dataclass(frozen=True)
class RunOptions:
    ledger_path: Path
    failures_path: Path
    preview_path: Path
    concurrency: int = 4
    # Writes per second. Butter's own bulk guide paces one write every 200 ms.
    rate: float = 5.0
    # Attempts per record for retriable errors (5xx, timeouts, connection refused).
    max_attempts: int = 6
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    # Throttle answers tolerated per record before it counts as failed.
    max_throttles: int = 20
    # How long Butter may take to apply a 202 before a read-back can be trusted.
    # Butter's own migration example waits 20 s.
    settle_delay: float = 20.0
    retry_failed: bool = False
    # Delete from ButterCMS the posts and collection items gone from the source.
    prune: bool = False
    dry_run: bool = False
    show_progress: bool = True
    # --check-media: before planning, ask every media URL the run would send (Butter
    # fails an item whose media it cannot fetch, after the 202). Requests per second to
    # the media hosts, requests in flight, seconds per request.
    check_media: bool = False
    media_rate: float = 10.0
    media_concurrency: int = 8
    media_timeout: float = 10.0

    @property
    def warnings_path(self) -> Path:
        """Beside the failures file: links not mapped, inline images Butter won't copy."""
        name = self.failures_path.name
        stem = name.removesuffix(".jsonl").removesuffix(".failures")
        return self.failures_path.with_name(f"{stem}.warnings.jsonl")

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ConfigError("--concurrency must be at least 1")
        if not self.rate > 0:
            raise ConfigError("--rate must be a positive number of writes per second")
        if self.max_attempts < 1:
            raise ConfigError("--max-attempts must be at least 1")
        if self.settle_delay < 0:
            raise ConfigError("--settle-delay cannot be negative")
        if not (self.media_rate > 0 and self.media_timeout > 0 and self.media_concurrency >= 1):
            raise ConfigError("--media-rate and --media-timeout must be positive numbers")


def default_paths(mapping_path: Path, ledger: Path | None) -> tuple[Path, Path, Path]:
    """Ledger beside the mapping by default; the reports beside the ledger."""
    ledger = ledger or mapping_path.with_suffix(".ledger.sqlite")
    stem = ledger.name.removesuffix(".sqlite").removesuffix(".ledger")
    return (
        ledger,
        ledger.with_name(f"{stem}.failures.jsonl"),
        ledger.with_name(f"{stem}.preview.jsonl"),
    )
