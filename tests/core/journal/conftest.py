"""Journal fixtures: a real journal file under tmp_path and a clock that moves on demand."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from posapp.core.cards import MaskedCard
from posapp.core.clock import Clock, FakeClock
from posapp.core.domain import CaptureMode, NewPayment, Payment, PaymentStatus, PaymentUpdate
from posapp.core.journal.repository import JournalRepository
from posapp.core.money import Money

OP = {"operator": "alice", "terminal_id": "TILL-01"}
VISA = MaskedCard("VISA", "405469", "0768")
MC = MaskedCard("MASTERCARD", "516277", "4622")

_ids = itertools.count(1)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "journal.sqlite3"


@pytest.fixture
def repo(journal_path: Path, clock: FakeClock) -> Iterator[JournalRepository]:
    repository = JournalRepository.open(journal_path, clock=clock)
    yield repository
    repository.close()


def new_payment(
    *,
    ref: str | None = None,
    amount: int = 1250,
    currency: str = "USD",
    card: MaskedCard = VISA,
    mode: CaptureMode = CaptureMode.MANUAL,
) -> NewPayment:
    n = next(_ids)
    return NewPayment(
        reference_order_id=ref or f"ORD-{n:06d}",
        payment_request_id=f"PR-{n:06d}",
        amount=Money(amount, currency),
        capture_mode=mode,
        card=card,
        **OP,
    )


def authorised(repo: JournalRepository, clock: Clock, **kwargs: object) -> Payment:
    p = repo.record_intent(new_payment(**kwargs))  # type: ignore[arg-type]
    return repo.transition(
        p.id,
        PaymentStatus.AUTHORISED,
        update=PaymentUpdate(
            payment_id=f"ANT{p.payment_request_id}", authorised_at=clock.now(), result_status="S"
        ),
        **OP,
    )
