"""Journal fixtures: a real journal (an SQLite file under tmp_path, and where the test run
has a PostgreSQL server, a fresh schema of its database) and a clock that moves on demand.

``repo`` and ``journal_location`` run each test on both back-ends (tests/journal_backends.py).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from posapp.core.cards import MaskedCard
from posapp.core.clock import Clock, FakeClock
from posapp.core.domain import CaptureMode, NewPayment, Payment, PaymentStatus, PaymentUpdate
from posapp.core.journal.location import JournalLocation, parse_location
from posapp.core.journal.repository import JournalRepository
from posapp.core.money import Money
from tests.journal_backends import BACKENDS, PG_URL, fresh_schema, schema_url

__all__ = ["BACKENDS", "PG_URL"]

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


@pytest.fixture(params=BACKENDS)
def journal_location(
    request: pytest.FixtureRequest, journal_path: Path
) -> Iterator[JournalLocation]:
    """Where a test's journal lives: a file, or a schema of its own on the test server."""
    if request.param == "sqlite":
        yield parse_location(journal_path)
        return
    with fresh_schema() as schema:
        yield parse_location(schema_url(schema))


@pytest.fixture
def repo(journal_location: JournalLocation, clock: FakeClock) -> Iterator[JournalRepository]:
    repository = JournalRepository.open(journal_location, clock=clock)
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
