"""What an emulator run looks like: the account (content model, tokens), the faults to inject,
and how realistic (how much harsher than a kind emulator) Butter's behaviour is.

``EmulatorConfig`` and ``Realism`` are frozen once built. ``Faults`` stays mutable on purpose: a
test switches a fault on half way through a run (``emu.faults.error_rate = 0.5``) to see how a
client copes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from migrator.errors import ConfigError
from migrator.model import ContentModel

if TYPE_CHECKING:
    from migrator.netguard import NetPolicy

DUPLICATE_SLUG_POLICIES = ("fail", "overwrite")
MEDIA_MAX_BYTES = 25 * 1024 * 1024
MEDIA_TIMEOUT = 15.0
CAP_KINDS = ("pages", "collection_items", "posts")
# What a post's `published` does: kept, silently replaced by Butter's own date, or a 400.
POST_DATES = ("honour", "ignore", "refuse")


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
class Realism:
    """Where the real Butter is harsher than a kind emulator (butter-api.md, "Where the real
    Butter is harsher than a kind emulator"), one switch each, all off by default.
    ``Realism.realistic()`` turns every one on with Butter-like values (``REALISTIC``);
    keyword arguments override single values, e.g. scaled down for tests.
    """

    # Each write (and, with late_deletes, each delete) waits its own delay drawn uniformly
    # from (min, max) seconds, so writes complete out of order; replaces ``delay``.
    # Source: "typically appears within seconds"; Butter's migration script sleeps 20 s;
    # "nothing promises that writes are applied in the order they were accepted".
    apply_delay: tuple[float, float] | None = None
    # DELETE answers 204 at once but the soft delete happens in the background queue, after
    # the same delay: a read right after the 204 still finds the item.
    # Source: "deletes are also processed in the background (soft delete)".
    late_deletes: bool = False
    # Seconds a GET answer (200 or 404) is served from a cache keyed by the full URL,
    # stale even after a write, with ``Age`` and ``X-Cache: HIT``; 0 = no cache.
    # Source: the recorded /v2/content/ reads carry "X-Cache: MISS, HIT" and Age 1171 / 2233
    # (buttercms-python-vcr--test_content_field_get.json, --test_content_field_all_filtered.json).
    read_cache_ttl: float = 0.0
    # Query parameters the Read API does not know are left out of the cache key, so a
    # cache-buster parameter (``?nocache=123``) does not bypass the cache. [undocumented]
    cache_ignores_query_params: bool = False
    # ``preview=1`` reads are cached like any other (off: they bypass the cache). Whether
    # preview bypasses Butter's cache is [undocumented]; the pessimistic answer is "no".
    cache_preview: bool = False
    # 403 {"detail": ...} for a collection filter on a field that does not exist or that
    # Butter does not filter on, for an invalid collection ``order``, and for a ``*`` page read
    # that matches pages of several types ("Multiple pages found").
    # Source: "Butter answers 403 for an invalid collection filter or order, and for a *
    # page read that matches several pages"; Butter's status table: "403 Forbidden ...
    # invalid collection filter/order".
    strict_reads: bool = False
    # In an account with more than one locale, a single-locale page create without
    # ``?locale=`` is accepted (202) and then fails in the background.
    # Source: a single-locale page create "must specify the locale via this query param".
    require_locale: bool = False
    # Each locale version of a page has its own status: a ``?locale=es`` write with
    # ``status`` changes only the es version; reads with ``locale=`` see that version's
    # ``published`` (and a draft version needs ``preview=1``).
    # Source: "Publishing status is managed per locale: each locale version is published
    # independently."
    status_per_locale: bool = False
    # A collection item created without ``status`` is a draft (off: published), invisible
    # to reads without ``preview=1``. Source: "Collection items default to draft when no
    # status is sent."
    items_draft_by_default: bool = False
    # ``PATCH /v2/posts/<slug>/`` with another ``slug`` moves the post to the new slug
    # (off: the slug is ignored). Source: "Post slugs can change through PATCH
    # /v2/posts/<slug>/ (the docs' own example does it)."
    post_slug_renames: bool = False
    # A post's ``published`` (the publication date): "honour" keeps the date sent;
    # "ignore" keeps Butter's own (the time the write is applied, as without one), saying
    # nothing; "refuse" answers 400 {"published": [...]} to a create or update carrying it.
    # Source: the Write API documents no date field for posts (its Read API returns
    # `published`); scheduling fields on create "result in validation errors"; whether a
    # past `published` is honoured is [undocumented].
    post_dates: str = "honour"

    def __post_init__(self) -> None:
        if self.post_dates not in POST_DATES:
            raise ConfigError(
                f"realism.post_dates must be one of {POST_DATES}, got {self.post_dates!r}"
            )
        if self.apply_delay is not None:
            low, high = self.apply_delay
            if not 0 <= low <= high:
                raise ConfigError(
                    f"realism.apply_delay must be (min, max) with 0 <= min <= max, "
                    f"got {self.apply_delay}"
                )
            object.__setattr__(self, "apply_delay", (float(low), float(high)))
        if self.read_cache_ttl < 0:
            raise ConfigError(
                f"realism.read_cache_ttl must not be negative, got {self.read_cache_ttl}"
            )

    @classmethod
    def realistic(cls, **overrides: Any) -> Realism:
        """Every switch on with Butter-like values (``REALISTIC``), then ``overrides``."""
        return replace(REALISTIC, **overrides)

    @property
    def on(self) -> list[str]:
        """The names of the switches that are on."""
        off = (None, False, 0.0, "honour")
        return [f.name for f in fields(self) if getattr(self, f.name) not in off]


REALISTIC = Realism(
    # Seconds to tens of seconds: Butter's own migration script waits 20 s.
    apply_delay=(2.0, 30.0),
    late_deletes=True,
    # The recordings show answers 20-37 minutes old when nothing changed; Butter says a
    # write invalidates, but not when. Five minutes stands in for "late or never for this
    # URL" and still lets a rehearsal that waits it out finish.
    read_cache_ttl=300.0,
    cache_ignores_query_params=True,
    cache_preview=True,
    strict_reads=True,
    require_locale=True,
    status_per_locale=True,
    items_draft_by_default=True,
    post_slug_renames=True,
    # The one answer Butter's docs give for date fields on create is a validation error;
    # it also costs the most (a 400, then the post again without it) and shows whether a
    # mapping that requires its dates stops. An ignoring Butter is caught by the canary.
    post_dates="refuse",
)


@dataclass(frozen=True)
class EmulatorConfig:
    model: ContentModel
    write_token: str = "w-token"
    read_token: str = "r-token"
    # Seconds between a 202 and the background apply; Butter takes "seconds". The same for
    # every write, so writes apply in the order they were accepted (see Realism.apply_delay).
    delay: float = 0.0
    # Seeds the one random.Random behind every random fault, so a failing run can be replayed.
    seed: int = 0
    faults: Faults = field(default_factory=Faults)
    realism: Realism = field(default_factory=Realism)
    # Butter leaves a duplicate page or post slug undocumented: fail the write, or overwrite.
    duplicate_slugs: str = "fail"
    # URLs that receive every page, post and collection item event.
    webhooks: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    port: int = 0
    # Media downloads, as Butter's from the public internet: addresses of this machine and
    # its networks are refused unless allowed (all of them but cloud metadata, or the host
    # names and CIDRs listed: ``migrator.netguard``); a download stops at
    # ``media_max_bytes`` and after ``media_timeout`` seconds, failing the item.
    media_allow_private: bool = False
    media_allow_hosts: tuple[str, ...] = ()
    media_max_bytes: int = MEDIA_MAX_BYTES
    media_timeout: float = MEDIA_TIMEOUT
    # The account's blog URL: a post's ``url`` and its link in the feeds, ``{slug}``
    # replaced (``https://example.com/blog/{slug}``; a base URL gets ``/{slug}``). Empty:
    # an account without one, as recorded: lists give ``/<slug>``, a single post null.
    blog_url: str = ""
    # A stand-in for an old site's uploads: GET /_emulator/media/<name> answers a small
    # PNG of its own for every name, and the emulator may download from its own host.
    sample_media: bool = False

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
        object.__setattr__(self, "media_allow_hosts", tuple(self.media_allow_hosts))
        self.media_policy  # noqa: B018  (checks media_allow_hosts)
        if self.media_max_bytes < 1:
            raise ConfigError(f"media_max_bytes must be positive, got {self.media_max_bytes}")
        if not self.media_timeout > 0:
            raise ConfigError(f"media_timeout must be positive, got {self.media_timeout}")
        object.__setattr__(self, "webhooks", tuple(self.webhooks))
        if self.blog_url.count("{slug}") > 1 or any(c.isspace() for c in self.blog_url):
            raise ConfigError(
                f"blog_url: expected a URL with at most one {{slug}} and no spaces, "
                f"got {self.blog_url!r}"
            )

    @property
    def media_policy(self) -> NetPolicy:
        from migrator.netguard import NetPolicy  # aiohttp: not for `migrator emulator --help`

        allowed = self.media_allow_hosts + ((self.host,) if self.sample_media else ())
        return NetPolicy(allow_private=self.media_allow_private, allowed=allowed)
