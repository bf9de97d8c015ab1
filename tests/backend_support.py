"""Helpers shared by the tests that drive a real services stack (tests/core/services, tests/e2e)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from posapp.app import Backend
from posapp.core.domain import Payment
from posapp.core.services.settle import NOT_SENT_MARGIN, PAYMENT_EXPIRY

# Far enough ahead that Antom's "not found" proves a payment of "now" was never sent.
PAST_NOT_SENT_PROOF = PAYMENT_EXPIRY + NOT_SENT_MARGIN + timedelta(minutes=1)


class MovableClock:
    """The system clock plus an offset a test moves forward: "twenty minutes later" without
    sleeping (the embedded sandbox keeps its own clock)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


def later(backend: Backend, delta: timedelta = PAST_NOT_SENT_PROOF) -> None:
    """Move a backend built with a MovableClock forward (past the NOT_SENT proof moment)."""
    clock = backend.clock
    assert isinstance(clock, MovableClock), "build the backend with clock=MovableClock()"
    clock.advance(delta)


def drain(backend: Backend, timeout: float = 20.0) -> list[Payment]:
    """Poller passes, everything due at once, until nothing is unsettled (or timeout);
    the payments still open when it gave up."""
    deadline = time.monotonic() + timeout
    while True:
        open_ = backend.repo.payments_needing_settlement()
        refunds = backend.repo.refunds_needing_settlement()
        if not open_ and not refunds:
            return []
        if time.monotonic() > deadline:
            return open_
        for p in open_:
            backend.poller.watch(p)
        for r in refunds:
            backend.poller._tracks.pop(("refund", r.refund_request_id), None)
        backend.poller.poll_once()
        time.sleep(0.05)


def fresh(backend: Backend, payment: Payment) -> Payment:
    """The payment as the journal has it now."""
    found = backend.repo.get_payment(payment.id)
    assert found is not None
    return found
