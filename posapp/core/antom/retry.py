"""The retry policy as a small pure object: which outcomes are retried and after how long.

Only what cannot have done harm twice is retried: every retry resends the identical body with
the same request id (Antom de-duplicates on it). Transport errors, HTTP 429/5xx and the U codes
that ask for a resend (UNKNOWN_EXCEPTION, REQUEST_TRAFFIC_EXCEED_LIMIT) are retried a bounded
number of times; a bad signature, an unreadable answer or any final result never are.
Sleeping and jitter are injected, so tests run without waiting.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from posapp.core.antom.errors import AntomError, HttpStatusError, TransportError
from posapp.core.antom.messages import Action, Classification

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def full_jitter(delay: float) -> float:
    """A delay between half and all of ``delay`` so that tills do not retry in lockstep."""
    return delay * (0.5 + random.random() / 2)


def no_jitter(delay: float) -> float:
    return delay


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 3  # the first try included
    base_delay: float = 0.5
    max_delay: float = 4.0
    retry_statuses: frozenset[int] = RETRY_STATUSES
    jitter: Callable[[float], float] = field(default=full_jitter)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("delays cannot be negative")

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        raw = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return max(0.0, min(self.max_delay, self.jitter(raw)))

    def retryable_error(self, error: AntomError) -> bool:
        if isinstance(error, TransportError):
            return True
        return isinstance(error, HttpStatusError) and error.http_status in self.retry_statuses

    def after_error(self, attempt: int, error: AntomError) -> float | None:
        """The delay before the next attempt, or None to give up and raise ``error``."""
        if attempt >= self.max_attempts or not self.retryable_error(error):
            return None
        return self.delay(attempt)

    def after_result(self, attempt: int, classification: Classification) -> float | None:
        """The delay before resending after an answer, or None to return the answer."""
        if attempt >= self.max_attempts or classification.action is not Action.RETRY_SAME_ID:
            return None
        return self.delay(attempt)


NO_RETRY = RetryPolicy(max_attempts=1)
