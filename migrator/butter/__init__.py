"""The ButterCMS API client and its error classes."""

from migrator.butter.client import DEFAULT_BASE_URL, ButterClient, CallCounter
from migrator.butter.errors import (
    Ambiguous,
    ApiError,
    AuthFailed,
    FatalError,
    NotSent,
    QuotaExhausted,
    Rejected,
    RetriableError,
    ServerError,
    Throttled,
    Unreachable,
    error_for_response,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "Ambiguous",
    "ApiError",
    "AuthFailed",
    "ButterClient",
    "CallCounter",
    "FatalError",
    "NotSent",
    "QuotaExhausted",
    "Rejected",
    "RetriableError",
    "ServerError",
    "Throttled",
    "Unreachable",
    "error_for_response",
]
