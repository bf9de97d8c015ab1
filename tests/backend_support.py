"""Helpers shared by the tests that drive a real services stack (tests/core/services, tests/e2e)."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

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


ROOT = Path(__file__).resolve().parents[1]

# A second process on the same journal: it journals a new payment and settles an existing
# one, as another window of the till would (its own connection, its own Python).
_OTHER_PROCESS = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from posapp.core.cards import MaskedCard
from posapp.core.domain import CaptureMode, NewPayment, PaymentStatus, PaymentUpdate
from posapp.core.journal.audit import JournalKey
from posapp.core.journal.repository import JournalRepository
from posapp.core.money import Money

secret, created = sys.stdin.read().split()  # the install's journal key, as the till has it
key = JournalKey(bytes.fromhex(secret), int(created))
repo = JournalRepository.open(sys.argv[2], create=False, key=key)  # a file or a URL
who = {"operator": "window-2", "terminal_id": "TILL-01"}
if sys.argv[3] != "-":
    p = repo.payment_by_request_id(sys.argv[3])
    repo.transition(p.id, PaymentStatus.AUTHORISED, update=PaymentUpdate(
        payment_id="2026OTHERWINDOW", result_code="SUCCESS", result_status="S"), **who)
new = repo.record_intent(NewPayment(
    reference_order_id="ORD-OTHER", payment_request_id="REQ-OTHER-1",
    amount=Money(700, "SGD"), capture_mode=CaptureMode.AUTOMATIC,
    card=MaskedCard("VISA", "405469", "0768"), **who))
print(new.id)
repo.close()
"""


def _where(backend: Backend) -> str:
    """The backend's journal as the other process opens it: its file, or its server's URL
    (the test server's: no password in it)."""
    store = backend.repo.journal
    conninfo = getattr(store, "conninfo", None)
    return str(conninfo) if conninfo else str(store.path)


def other_process(backend: Backend, settle: str = "-") -> int:
    """Run the second process to its end; the local id of the payment it created."""
    key = backend.repo.key
    assert key is not None
    done = subprocess.run(
        [sys.executable, "-c", _OTHER_PROCESS, str(ROOT), _where(backend), settle],
        input=f"{key.secret.hex()} {key.created_ms}",
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return int(done.stdout.strip())
