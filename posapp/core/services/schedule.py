"""When to ask Antom again about a payment that is not final: a small pure object.

Every ``fast_interval`` seconds during the first ``fast_period`` after the payment was sent,
then the gap grows by ``factor`` per inquiry up to ``cap``. ``jitter`` (0..1) spreads a busy
till's inquiries so they do not all fire in the same second; the random source is injected,
so tests are deterministic and never sleep.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class PollSchedule:
    fast_interval: float = 2.0
    fast_period: float = 60.0
    factor: float = 1.5
    cap: float = 60.0
    jitter: float = 0.1
    rand: Callable[[], float] = field(default=random.random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.fast_interval <= 0 or self.cap < self.fast_interval or self.factor < 1:
            raise ValueError("PollSchedule needs 0 < fast_interval <= cap and factor >= 1")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter is a fraction in [0, 1)")

    def base_delay(self, elapsed: float, attempt: int) -> float:
        """The gap before the next inquiry, without jitter.

        ``elapsed``: seconds since the payment was first sent (or first seen unsettled);
        ``attempt``: inquiries already made after the fast period (0 for the first one).
        """
        if elapsed < self.fast_period:
            return self.fast_interval
        return min(self.cap, self.fast_interval * self.factor ** max(0, attempt + 1))

    def delay(self, elapsed: float, attempt: int) -> float:
        base = self.base_delay(elapsed, attempt)
        if not self.jitter:
            return base
        # Spread within [base * (1 - jitter), base]: never later than the schedule says.
        return base * (1 - self.jitter * self.rand())

    def next_at(self, first_seen: datetime, now: datetime, attempt: int) -> datetime:
        elapsed = max(0.0, (now - first_seen).total_seconds())
        return now + timedelta(seconds=self.delay(elapsed, attempt))


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many times a request that may be retried under the same id is sent again at once.

    Used for pay/capture/refund answers that say "retry the same request" (U without a final
    state, rate limiting, 5xx); after ``attempts`` the payment goes to the poller instead.
    """

    attempts: int = 3
    base: float = 1.0
    cap: float = 4.0

    def delays(self) -> list[float]:
        return [min(self.cap, self.base * 2**i) for i in range(self.attempts)]
