"""The ButterCMS API client and its error classes."""

from migrator.butter.client import DEFAULT_BASE_URL, ButterClient, CallCounter, update_body
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

__all__ = [
    "DEFAULT_BASE_URL",
    "Ambiguous",
    "ApiError",
    "AuthFailed",
    "ButterClient",
    "CallCounter",
    "FatalError",
    "NotFound",
    "NotSent",
    "QuotaExhausted",
    "Rejected",
    "RetriableError",
    "ServerError",
    "Throttled",
    "Unreachable",
    "error_for_response",
    "update_body",
]
