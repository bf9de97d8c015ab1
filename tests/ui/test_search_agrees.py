"""One search: the journal's SQL (the All tab) and the Python predicate (live inserts, the
Held tab) pick the same payments for the same text, over a real journal file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from posapp.core.cards import MaskedCard
from posapp.core.clock import FakeClock
from posapp.core.domain import CaptureMode, NewPayment, PaymentStatus, PaymentUpdate
from posapp.core.journal.repository import (
    MAX_PAGE_SIZE,
    JournalRepository,
    PageDirection,
    PageRequest,
    PaymentFilter,
)
from posapp.core.money import Money
from posapp.ui.models import payment_fields as pf
from posapp.ui.models.order_model import OrderQuery
from posapp.ui.models.orders_backend import JournalOrderSource

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
WHO = {"operator": "cashier", "terminal_id": "TILL-01"}
# (order reference, paymentRequestId, Antom paymentId or None, last 4, held?)
PAYMENTS = [
    ("ORD-Alpha-1", "REQ-k1", "2026PIDx1234", "1234", True),
    ("ord-alpha-2", "REQ-k2", "2026PIDy5678", "5678", False),
    ("Café-7", "REQ-k3", "2026PIDz0001", "0001", True),
    ("CAFÉ-8", "REQ-k4", None, "9012", False),
    ("X-1234-Z", "req-lower", "2026PIDw4321", "4321", True),
    ("INV-0042", "REQ-k6", "1234PIDv0042", "0042", True),
    ("inv-0043", "REQ-k7", "2026pidu0043", "1234", False),
]
QUERIES = [
    "ord",
    "ORD-ALPHA",
    "alpha",  # inside, not at the start
    "Café",
    "café",
    "CAFÉ",  # NOCASE folds ASCII only: É does not match é
    "1234",  # last 4 and the start of a paymentId, and inside a reference
    "0042",
    "2026PID",
    "2026pid",  # paymentId is case-sensitive
    "REQ-K",
    "req-",
    "  INV-004  ",
    "4321",
    "PIDw",
    "-",
]


@pytest.fixture
def repo(tmp_path: Path):
    clock = FakeClock(START)
    r = JournalRepository.open(tmp_path / "journal.sqlite3", clock=clock)
    for i, (ref, req, pid, last4, held) in enumerate(PAYMENTS):
        clock.advance(timedelta(minutes=1))
        p = r.record_intent(
            NewPayment(
                reference_order_id=ref,
                payment_request_id=req,
                amount=Money(100 + i, "SGD"),
                capture_mode=CaptureMode.MANUAL,
                card=MaskedCard("VISA", "405469", last4),
                **WHO,
            )
        )
        if pid is not None:
            update = PaymentUpdate(payment_id=pid, authorised_at=clock.now(), result_status="S")
            r.transition(p.id, PaymentStatus.AUTHORISED, update=update, **WHO)
            if not held:
                r.transition(p.id, PaymentStatus.CAPTURED, **WHO)
    yield r
    r.close()


@pytest.mark.parametrize("text", QUERIES)
def test_sql_and_python_search_pick_the_same_payments(repo: JournalRepository, text: str) -> None:
    everyone = repo.list_payments(None, PageRequest(PageDirection.FIRST, None, MAX_PAGE_SIZE)).rows
    assert len(everyone) == len(PAYMENTS)
    by_sql = repo.list_payments(
        PaymentFilter(text=text), PageRequest(PageDirection.FIRST, None, MAX_PAGE_SIZE)
    ).rows
    by_python = [p for p in everyone if pf.matches(p, OrderQuery(text=text))]
    assert [p.id for p in by_sql] == [p.id for p in by_python]
    # the Held tab (filtered in Python) shows the All tab's held rows for the same text
    source = JournalOrderSource(repo, lambda: START + timedelta(hours=1))
    held = source.window(OrderQuery(text=text, held=True), offset=0, limit=100, total=0)
    shown = {p.id for p in by_sql if p.status is PaymentStatus.AUTHORISED}
    assert {p.id for p in held} == shown


def test_the_queries_cover_each_arm(repo: JournalRepository) -> None:
    """Not a vacuous comparison: the queries hit every arm and miss where they should."""

    def refs(text: str) -> set[str]:
        page = repo.list_payments(PaymentFilter(text=text))
        return {p.reference_order_id for p in page.rows}

    assert refs("ORD-ALPHA") == {"ORD-Alpha-1", "ord-alpha-2"}
    assert refs("alpha") == set()
    assert refs("café") == {"Café-7"} and refs("CAFÉ") == {"CAFÉ-8"}  # É is not ASCII
    assert refs("1234") == {"ORD-Alpha-1", "inv-0043", "INV-0042"}  # last 4, paymentId
    assert refs("2026pid") == {"inv-0043"}
    assert refs("req-") == {"X-1234-Z"}
    assert refs("  INV-004  ") == {"INV-0042", "inv-0043"}
