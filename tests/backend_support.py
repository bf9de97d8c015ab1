"""Helpers shared by the tests that drive a real services stack (tests/core/services, tests/e2e)."""

from __future__ import annotations

import time

from posapp.app import Backend
from posapp.core.domain import Payment


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
