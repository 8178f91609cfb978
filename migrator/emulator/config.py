"""What an emulator run looks like: the account (content model, tokens) and the faults to inject.

``EmulatorConfig`` is frozen once built. ``Faults`` stays mutable on purpose: a test switches
a fault on half way through a run (``emu.faults.error_rate = 0.5``) to see how a client copes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from migrator.errors import ConfigError
from migrator.model import ContentModel

DUPLICATE_SLUG_POLICIES = ("fail", "overwrite")
CAP_KINDS = ("pages", "collection_items", "posts")


@dataclass
class Faults:
    """Limits and failures, all off by default. Rates are probabilities in [0, 1]."""

    # Butter's monthly plan quota: after this many API calls every call gets 429.
    monthly_quota: int | None = None
    # Calls allowed per rolling second before a short-lived 429 (a transient throttle).
    throttle_per_second: int | None = None
    # Share of API calls answered with a random 500/502/503 instead of being handled.
    error_rate: float = 0.0
    # Seconds added before every API answer.
    latency: float = 0.0
    # Share of writes whose connection is cut before the write is accepted (nothing applied).
    drop_before_rate: float = 0.0
    # Share of writes whose connection is cut after the write is accepted: the write happens,
    # yet the client never sees the 202. The case that makes naive retries duplicate content.
    drop_after_rate: float = 0.0
    # Plan caps that override or add to the content model's [limits].
    caps: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("error_rate", "drop_before_rate", "drop_after_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"faults.{name} must be between 0 and 1, got {value}")
        if self.latency < 0:
            raise ConfigError(f"faults.latency must not be negative, got {self.latency}")
        for name in ("monthly_quota", "throttle_per_second"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ConfigError(f"faults.{name} must not be negative, got {value}")
        for kind, cap in self.caps.items():
            if kind not in CAP_KINDS:
                raise ConfigError(f"faults.caps: unknown cap {kind!r} (one of {CAP_KINDS})")
            if cap < 0:
                raise ConfigError(f"faults.caps.{kind} must not be negative, got {cap}")


@dataclass(frozen=True)
class EmulatorConfig:
    model: ContentModel
    write_token: str = "w-token"
    read_token: str = "r-token"
    # Seconds between a 202 and the background apply; Butter takes "seconds".
    delay: float = 0.0
    # Seeds the one random.Random behind every random fault, so a failing run can be replayed.
    seed: int = 0
    faults: Faults = field(default_factory=Faults)
    # Butter leaves a duplicate page or post slug undocumented: fail the write, or overwrite.
    duplicate_slugs: str = "fail"
    # URLs that receive every page, post and collection item event.
    webhooks: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    port: int = 0

    def __post_init__(self) -> None:
        if self.duplicate_slugs not in DUPLICATE_SLUG_POLICIES:
            raise ConfigError(
                f"duplicate_slugs must be one of {DUPLICATE_SLUG_POLICIES}, "
                f"got {self.duplicate_slugs!r}"
            )
        if not self.write_token or not self.read_token:
            raise ConfigError("the emulator needs a write token and a read token")
        if self.write_token == self.read_token:
            raise ConfigError("the write token and the read token must differ, as at Butter")
        if self.delay < 0:
            raise ConfigError(f"delay must not be negative, got {self.delay}")
        object.__setattr__(self, "webhooks", tuple(self.webhooks))
