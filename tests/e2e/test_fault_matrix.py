"""Fault matrix: every sandbox fault on every money-moving call, and slow settlement.

For each case the fault stays on while the operation runs (the client's own retries meet it
too), then it is cleared and the poller settles. What the cashier saw in between must never
be a failure that did not happen, and the end state must be the truth: a request the
sandbox committed is never lost, one it never saw never charges, a capture / refund / cancel
whose answer was lost is completed under the same request id, and the journal agrees with
the sandbox's ledger. The matrix runs once with the journal in an SQLite file and once on
the test run's PostgreSQL server (where tests/run.sh provides one).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from posapp.app import Backend
from posapp.core.domain import OperationStatus, PaymentStatus
from posapp.core.money import Money
from posapp.core.services.checkout import CheckoutOutcome
from posapp.sandbox import FaultKind
from posapp.sandbox.ledger import LedgerEntry
from tests.journal_backends import BACKENDS

from .agreement import compare
from .stack import approve, drain, fresh, journal_on, later, make_backend, pay

# Faults after which the sandbox HAS committed the change (only the answer is bad or late).
COMMITTED = {
    FaultKind.RESET_AFTER: {},
    FaultKind.GARBLED_BODY: {},
    FaultKind.BAD_SIGNATURE: {},
    FaultKind.MISSING_SIGNATURE: {},
    FaultKind.LATENCY: {"seconds": 1.0},  # longer than the client's timeout below
}
# Faults after which nothing happened at the sandbox.
NOT_COMMITTED = {
    FaultKind.RESET_BEFORE: {},
    FaultKind.HTTP_ERROR: {"status": 503},
}
ALL = {**COMMITTED, **NOT_COMMITTED}
CLIENT_TIMEOUT = 0.5
LAND_WITHIN = 30.0  # seconds a delayed request may take to reach the ledger (generous)


@pytest.fixture(scope="module", params=BACKENDS)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    """One till for the whole matrix, its journal an SQLite file or a PostgreSQL database."""
    data = tmp_path_factory.mktemp("faults")
    with journal_on(request.param, data) as journal:
        b = make_backend(data, timeout=CLIENT_TIMEOUT, journal=journal)
        try:
            yield b
        finally:
            agreement = compare(b.repo, b.sandbox.ledger())
            b.close()
            assert agreement.ok, agreement.problems


@pytest.fixture(autouse=True)
def _clear_faults(backend: Backend) -> Iterator[None]:
    backend.sandbox.faults.clear()
    yield
    backend.sandbox.faults.clear()


def _fault(backend: Backend, api: str, kind: FaultKind) -> None:
    backend.sandbox.faults.add(f"*/{api}", kind, **ALL[kind])  # type: ignore[arg-type]


def _clear(
    backend: Backend,
    kind: FaultKind,
    reference: str = "",
    committed: Callable[[LedgerEntry], bool] | None = None,
) -> None:
    """Clear the faults; after a fault the sandbox committed through, wait until its ledger
    shows the change (a delayed request is still being handled: let it land first, as it
    would long before a real till's next inquiry). This also proves the commit happened."""
    backend.sandbox.faults.clear()
    if committed is None or kind not in COMMITTED:
        return
    deadline = time.monotonic() + LAND_WITHIN
    while not committed(backend.sandbox.ledger().order(reference)):
        assert time.monotonic() < deadline, f"{kind}: the sandbox never committed {reference}"
        time.sleep(0.02)


def _agree(backend: Backend, reference: str) -> None:
    ledger = backend.sandbox.ledger()
    agreement = compare(backend.repo, ledger)
    problems = [p for p in agreement.problems if p.startswith(reference)]
    assert not problems, problems


@pytest.mark.parametrize("kind", list(ALL), ids=str)
def test_pay(backend: Backend, kind: FaultKind) -> None:
    _fault(backend, "pay", kind)
    result = pay(backend)
    assert result.outcome is CheckoutOutcome.PENDING  # never "declined"
    _clear(backend, kind, result.payment.reference_order_id, lambda e: e.payments == 1)
    later(backend)  # "not found" proves "never sent" only past the payment's expiry
    assert drain(backend) == []
    final = fresh(backend, result.payment).status
    assert final is (PaymentStatus.AUTHORISED if kind in COMMITTED else PaymentStatus.NOT_SENT)
    _agree(backend, result.payment.reference_order_id)


@pytest.mark.parametrize("kind", list(ALL), ids=str)
def test_capture(backend: Backend, kind: FaultKind) -> None:
    p = pay(backend).payment
    _fault(backend, "capture", kind)
    result = backend.backoffice.capture(p, approve(backend))
    assert result.ok is None and result.payment.status is PaymentStatus.CAPTURE_PENDING
    _clear(backend, kind, p.reference_order_id, lambda e: e.captured == p.amount.minor)
    assert drain(backend) == []
    assert fresh(backend, p).status is PaymentStatus.CAPTURED
    captures = backend.repo.captures_for(p.id)
    assert [c.status for c in captures] == [OperationStatus.SUCCEEDED]  # one id, completed
    _agree(backend, p.reference_order_id)


@pytest.mark.parametrize("kind", list(ALL), ids=str)
def test_refund(backend: Backend, kind: FaultKind) -> None:
    p = pay(backend).payment
    backend.backoffice.capture(p, approve(backend))
    _fault(backend, "refund", kind)
    result = backend.backoffice.refund(p, Money(500, "SGD"), approve(backend))
    assert result.ok is None
    _clear(backend, kind, p.reference_order_id, lambda e: e.refunded == 500)
    assert drain(backend) == []
    assert [r.status for r in backend.repo.refunds_for(p.id)] == [OperationStatus.SUCCEEDED]
    assert fresh(backend, p).status is PaymentStatus.PARTIALLY_REFUNDED
    _agree(backend, p.reference_order_id)


@pytest.mark.parametrize("kind", list(ALL), ids=str)
def test_cancel(backend: Backend, kind: FaultKind) -> None:
    p = pay(backend).payment
    _fault(backend, "cancel", kind)
    result = backend.backoffice.cancel(p, approve(backend))
    assert result.ok is None and result.payment.status is PaymentStatus.CANCEL_PENDING
    _clear(backend, kind, p.reference_order_id, lambda e: e.cancelled == p.amount.minor)
    assert drain(backend) == []
    assert fresh(backend, p).status is PaymentStatus.CANCELLED
    _agree(backend, p.reference_order_id)


@pytest.mark.parametrize("kind", list(ALL), ids=str)
def test_inquiries_failing_while_a_slow_payment_settles(backend: Backend, kind: FaultKind) -> None:
    result = pay(backend, "4000020000000901", cvv="000")  # PROCESSING for 3 s, then SUCCESS
    assert result.outcome is CheckoutOutcome.PENDING
    _fault(backend, "inquiryPayment", kind)
    backend.sandbox.clock.advance(timedelta(seconds=5))
    backend.poller.watch(result.payment)
    backend.poller.poll_once()
    assert fresh(backend, result.payment).status is PaymentStatus.PENDING  # nothing believed
    _clear(backend, kind)  # an inquiry commits nothing: no delayed change to wait for
    assert drain(backend) == []
    assert fresh(backend, result.payment).status is PaymentStatus.AUTHORISED
    _agree(backend, result.payment.reference_order_id)


@pytest.mark.parametrize(
    ("pan", "final"),
    [
        ("4000020000000901", PaymentStatus.AUTHORISED),  # slow, then approved
        ("4000020000000919", PaymentStatus.DECLINED),  # slow, then declined
    ],
)
def test_slow_authorisations(backend: Backend, pan: str, final: PaymentStatus) -> None:
    result = pay(backend, pan, cvv="000")
    assert result.outcome is CheckoutOutcome.PENDING
    backend.sandbox.clock.advance(timedelta(seconds=5))
    assert drain(backend) == []
    assert fresh(backend, result.payment).status is final
    _agree(backend, result.payment.reference_order_id)


def test_slow_capture_and_slow_refund(backend: Backend) -> None:
    p = pay(backend, "4000020000001008").payment  # capture in process for 5 s
    assert backend.backoffice.capture(p, approve(backend)).ok is None
    backend.sandbox.clock.advance(timedelta(seconds=6))
    assert drain(backend) == []
    assert fresh(backend, p).status is PaymentStatus.CAPTURED
    q = pay(backend, "4000020000001206").payment  # refund in process for 5 s
    backend.backoffice.capture(q, approve(backend))
    assert backend.backoffice.refund(q, Money(1250, "SGD"), approve(backend)).ok is None
    backend.sandbox.clock.advance(timedelta(seconds=6))
    assert drain(backend) == []
    assert fresh(backend, q).status is PaymentStatus.REFUNDED
    _agree(backend, p.reference_order_id)
    _agree(backend, q.reference_order_id)
