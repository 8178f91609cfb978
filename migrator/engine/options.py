"""Run options: typed, defaulted, checked when built, frozen afterwards."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from migrator.butter import RetryPolicy
from migrator.engine.prune import Confirm, PruneGuard
from migrator.errors import ConfigError
from migrator.netguard import NetPolicy, is_loopback_url


@dataclass(frozen=True)
class RunOptions:
    """How a run goes. The files default to the working directory; ``beside(mapping)``
    puts them next to a mapping file, as the command line does."""

    ledger_path: Path = Path("migrator.ledger.sqlite")
    failures_path: Path = Path("migrator.failures.jsonl")
    preview_path: Path = Path("migrator.preview.jsonl")
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
    # How long Butter may take to apply a write and its read cache to catch up: a read-back
    # miss counts as "absent" (and the create is sent again) only from an answer generated
    # this long after the send. Recorded Butter reads were up to 37 min old, but reads with
    # a query parameter of their own get past a cache keyed by the URL.
    settle_timeout: float = 300.0
    retry_failed: bool = False
    # Update a changed record without reading it first, replacing edits made in Butter
    # (by default such a record is not updated and is reported: ``edits.py``).
    overwrite_edits: bool = False
    # The canary: the first this many creates and updates are sent, read back once Butter
    # applied them and compared, before the rest; a wrong one stops the run (0: none).
    canary: int = 0
    # Bind the ledger again to this target (the same account under a rotated token).
    rebind: bool = False
    # Delete from ButterCMS the posts and collection items gone from the source.
    prune: bool = False
    # The prune guard (``prune.py``): deletes allowed without asking (None: up to 10% of
    # what the ledger holds, none from an empty source); --yes allows any number.
    max_delete: int | None = None
    allow_all_deletes: bool = False
    # Asked when the guard objects (the CLI asks at a terminal); None: refuse.
    confirm_prune: Confirm | None = None
    dry_run: bool = False
    show_progress: bool = True
    # --check-media: before planning, ask every media URL the run would send (Butter
    # fails an item whose media it cannot fetch, after the 202). Requests per second to
    # the media hosts, requests in flight, seconds per request.
    check_media: bool = False
    media_rate: float = 10.0
    media_concurrency: int = 8
    media_timeout: float = 10.0
    # Media URLs leading to this machine or its networks (loopback, private, link-local,
    # metadata...) are refused unless the target is the local emulator (a rehearsal), or
    # --allow-private-media, or they are on --allow-media-host (names or CIDRs).
    media_allow_private: bool = False
    media_allow_hosts: tuple[str, ...] = ()

    @property
    def warnings_path(self) -> Path:
        """Beside the failures file: links not mapped, inline images Butter won't copy."""
        name = self.failures_path.name
        stem = name.removesuffix(".jsonl").removesuffix(".failures")
        return self.failures_path.with_name(f"{stem}.warnings.jsonl")

    def beside(self, mapping_path: Path, ledger: Path | None = None) -> RunOptions:
        """These options with the ledger (``ledger``, else ``<mapping>.ledger.sqlite``)
        and the reports beside it."""
        ledger_path, failures_path, preview_path = default_paths(mapping_path, ledger)
        return dataclasses.replace(
            self, ledger_path=ledger_path, failures_path=failures_path, preview_path=preview_path
        )

    def media_policy(self, base_url: str | None) -> NetPolicy:
        """Where the media check may go, for a run against ``base_url`` (None: unknown,
        treated as the real Butter). Against the local emulator the media are likely
        local too, and nothing leaves the machine's own reach that the user did not set up."""
        rehearsal = base_url is not None and is_loopback_url(base_url)
        return NetPolicy(
            allow_private=self.media_allow_private or rehearsal, allowed=self.media_allow_hosts
        )

    @property
    def retry_policy(self) -> RetryPolicy:
        """The policy every request to ButterCMS in this run follows."""
        return RetryPolicy(
            rate=self.rate,
            max_attempts=self.max_attempts,
            max_throttles=self.max_throttles,
            backoff_base=self.backoff_base,
            backoff_cap=self.backoff_cap,
        )

    @property
    def prune_guard(self) -> PruneGuard:
        return PruneGuard(self.max_delete, self.allow_all_deletes, self.confirm_prune)

    def __post_init__(self) -> None:
        if self.max_delete is not None and self.max_delete < 0:
            raise ConfigError("--max-delete cannot be negative")
        if self.canary < 0:
            raise ConfigError("--canary cannot be negative")
        if self.concurrency < 1:
            raise ConfigError("--concurrency must be at least 1")
        if not self.rate > 0:
            raise ConfigError("--rate must be a positive number of writes per second")
        if self.max_attempts < 1:
            raise ConfigError("--max-attempts must be at least 1")
        self.retry_policy  # noqa: B018  (checks the retry limits)
        if self.settle_delay < 0 or self.settle_timeout < 0:
            raise ConfigError("--settle-delay and --settle-timeout cannot be negative")
        if not (self.media_rate > 0 and self.media_timeout > 0 and self.media_concurrency >= 1):
            raise ConfigError("--media-rate and --media-timeout must be positive numbers")
        object.__setattr__(self, "media_allow_hosts", tuple(self.media_allow_hosts))
        self.media_policy(None)  # checks --allow-media-host


def default_paths(mapping_path: Path, ledger: Path | None) -> tuple[Path, Path, Path]:
    """Ledger beside the mapping by default; the reports beside the ledger."""
    ledger = ledger or mapping_path.with_suffix(".ledger.sqlite")
    stem = ledger.name.removesuffix(".sqlite").removesuffix(".ledger")
    return (
        ledger,
        ledger.with_name(f"{stem}.failures.jsonl"),
        ledger.with_name(f"{stem}.preview.jsonl"),
    )
