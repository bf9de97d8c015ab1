"""The real services stack for e2e tests (training backend on the embedded sandbox)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from posapp.app import Backend, build_backend
from posapp.config import Settings
from posapp.core.antom.retry import RetryPolicy, no_jitter
from posapp.core.journal.location import JournalLocation, parse_location
from posapp.core.money import Money
from posapp.core.services.checkout import CheckoutRequest, CheckoutResult
from posapp.core.services.pin import TRAINING_PIN, Approval
from posapp.core.services.schedule import PollSchedule
from posapp.core.services.validation import read_card
from posapp.paths import app_dirs
from tests.backend_support import MovableClock
from tests.backend_support import drain as drain  # the tests import these from here
from tests.backend_support import fresh as fresh
from tests.backend_support import later as later
from tests.journal_backends import fresh_schema, schema_url

VISA_OK = "4054695723100768"
CVV = "737"


def make_backend(
    data: Path,
    *,
    listener: bool = False,
    timeout: float = 3.0,
    journal: JournalLocation | None = None,
) -> Backend:
    """A training till on ``data``; its journal there (SQLite) or at ``journal``."""
    backend = build_backend(
        app_dirs(data),
        replace(Settings(), notify_listener=listener),
        client_timeout=timeout,
        client_retry=RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, jitter=no_jitter),
        poll_schedule=PollSchedule(jitter=0),
        pin_cost=2**10,
        clock=MovableClock(),
        sandbox_in_process=True,  # the tests add faults and read the ledger directly
        journal=journal,
    )
    backend.poller.intent_grace = timedelta(0)
    backend.poller.not_found_grace = timedelta(0)
    return backend


@contextmanager
def journal_on(backend_name: str, data: Path) -> Iterator[JournalLocation]:
    """The journal of a test on ``backend_name`` (tests.journal_backends.BACKENDS): the data
    folder's SQLite file, or a fresh schema on the test run's PostgreSQL server."""
    if backend_name == "sqlite":
        yield JournalLocation(path=app_dirs(data).journal)
        return
    with fresh_schema() as schema:
        yield parse_location(schema_url(schema))


def pay(
    backend: Backend, pan: str = VISA_OK, minor: int = 1250, *, cvv: str = CVV, hold: bool = True
) -> CheckoutResult:
    checkout = backend.checkout
    return checkout.pay(
        CheckoutRequest(
            amount=Money(minor, backend.settings.currency),
            reference_order_id=checkout.new_reference(),
            description="fault matrix",
            card=read_card(pan, "12/40", cvv, date.today()),
            hold=hold,
        ),
        confirm_duplicate=True,
    )


def approve(backend: Backend) -> Approval:
    return backend.backoffice.approve(TRAINING_PIN)
