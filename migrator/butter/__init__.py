"""The ButterCMS API client, its error classes and the one retry policy."""

from migrator.butter.client import (
    DEFAULT_BASE_URL,
    ButterClient,
    CallCounter,
    item_path,
    update_body,
)
from migrator.butter.errors import (
    Ambiguous,
    ApiError,
    AuthFailed,
    FatalError,
    NotFound,
    NotSent,
    QuotaExhausted,
    Rejected,
    RetriableError,
    ServerError,
    Throttled,
    Unreachable,
    error_for_response,
)
from migrator.butter.retry import (
    GaveUp,
    PauseGate,
    Retrier,
    RetryCounts,
    RetryPolicy,
    Stopped,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "Ambiguous",
    "ApiError",
    "AuthFailed",
    "ButterClient",
    "CallCounter",
    "FatalError",
    "GaveUp",
    "NotFound",
    "NotSent",
    "PauseGate",
    "QuotaExhausted",
    "Rejected",
    "RetriableError",
    "Retrier",
    "RetryCounts",
    "RetryPolicy",
    "ServerError",
    "Stopped",
    "Throttled",
    "Unreachable",
    "error_for_response",
    "item_path",
    "update_body",
]
