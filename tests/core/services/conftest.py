"""A real services stack for tests: build_backend in training mode (the embedded sandbox on
loopback, a journal file under tmp_path), cheap PIN hashing, fast client retries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from posapp.app import Backend, build_backend
from posapp.config import Settings
from posapp.core.antom.retry import RetryPolicy, no_jitter
from posapp.core.cards import CardDetails
from posapp.core.domain import Payment
from posapp.core.journal.location import JournalLocation, parse_location
from posapp.core.money import Money
from posapp.core.services.checkout import CheckoutRequest, CheckoutResult
from posapp.core.services.pin import TRAINING_PIN
from posapp.core.services.schedule import PollSchedule
from posapp.core.services.validation import read_card
from posapp.paths import app_dirs
from tests.backend_support import MovableClock
from tests.backend_support import drain as drain  # the tests import these from here
from tests.backend_support import fresh as fresh
from tests.backend_support import later as later
from tests.journal_backends import BACKENDS, fresh_schema, schema_url

VISA_OK = "4054695723100768"
VISA_DECLINE = "4054692760174822"
MAGIC_3DS = "4000020000000604"
MAGIC_SLOW = "4000020000000901"
MAGIC_SLOW_DECLINE = "4000020000000919"
MAGIC_CAPTURE_SLOW = "4000020000001008"
MAGIC_REFUND_SLOW = "4000020000001206"
FAST_RETRY = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02, jitter=no_jitter)


def make_backend(
    data: Path, settings: Settings | None = None, *, timeout: float = 3.0, **kwargs: object
) -> Backend:
    kwargs.setdefault("clock", MovableClock())
    kwargs.setdefault("sandbox_in_process", True)  # tests reach into its clock and faults
    return build_backend(
        app_dirs(data),
        settings or Settings(),
        client_timeout=timeout,
        client_retry=FAST_RETRY,
        poll_schedule=PollSchedule(jitter=0),
        pin_cost=2**10,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture(params=BACKENDS)
def journal(request: pytest.FixtureRequest, data_dir: Path) -> Iterator[JournalLocation]:
    """The services' journal: the data folder's file, or a schema on the test server."""
    if request.param == "sqlite":
        yield JournalLocation(path=app_dirs(data_dir).journal)
        return
    with fresh_schema() as schema:
        yield parse_location(schema_url(schema))


@pytest.fixture
def backend(data_dir: Path, journal: JournalLocation) -> Iterator[Backend]:
    b = make_backend(data_dir, journal=journal)
    # tests drive the poller by hand; no grace for intents left by "another window"
    b.poller.intent_grace = timedelta(0)
    try:
        yield b
    finally:
        b.close()


def card(pan: str = VISA_OK, cvv: str = "123", today: date | None = None) -> CardDetails:
    return read_card(pan, "12/40", cvv, today or date.today(), first_name="Ann", last_name="Lee")


def pay(
    backend: Backend,
    pan: str = VISA_OK,
    minor: int = 1250,
    *,
    hold: bool = True,
    reference: str | None = None,
    cvv: str = "123",
    confirm: bool = True,
    three_ds: bool = False,
) -> CheckoutResult:
    checkout = backend.checkout
    return checkout.pay(
        CheckoutRequest(
            amount=Money(minor, backend.settings.currency),
            reference_order_id=reference or checkout.new_reference(),
            description="two coffees",
            card=card(pan, cvv),
            hold=hold,
            three_ds=three_ds,
        ),
        confirm_duplicate=confirm,
    )


def approval(backend: Backend, uses: int = 1):  # type: ignore[no-untyped-def]
    return backend.backoffice.approve(TRAINING_PIN, uses=uses)


def with_settings(**changes: object) -> Settings:
    return replace(Settings(), **changes)  # type: ignore[arg-type]


@pytest.fixture
def polled_backend(data_dir: Path, journal: JournalLocation) -> Iterator[Backend]:
    """No notification listener: only the poller can settle what checkout left open."""
    b = make_backend(data_dir, with_settings(notify_listener=False), journal=journal)
    b.poller.intent_grace = timedelta(0)
    try:
        yield b
    finally:
        b.close()


def journal_approval(
    backend: Backend,
    action: str,
    payment: Payment,
    request_id: str,
    amount: Money | None = None,
) -> None:
    """The manager approval the back office journals before an operation (for tests that
    journal an operation by hand, as a till that died right after journaling it)."""
    current = fresh(backend, payment)
    backend.repo.record_approval(
        action,
        current,
        request_id,
        amount or current.amount,
        manager="m",
        terminal_id="TILL-01",
        approved_at=backend.clock.now(),
    )
