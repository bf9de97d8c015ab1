"""The poller: schedule, bounded concurrency, journaled observations, start/stop, callbacks."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from posapp.app import Backend
from posapp.core.clock import FakeClock
from posapp.core.domain import EventKind, Payment, PaymentStatus
from posapp.core.services.changes import Change, ChangeKind
from posapp.core.services.poller import Poller
from posapp.core.services.schedule import PollSchedule

from .conftest import MAGIC_SLOW, fresh, make_backend, pay, with_settings


def _inquiries(backend: Backend, p: Payment) -> int:
    return sum(
        1
        for e in backend.repo.events_for_payment(p.id)
        if e.kind is EventKind.RESPONSE_RECEIVED and e.api == "inquiryPayment"
    )


def test_every_two_seconds_then_backing_off(data_dir: Path) -> None:
    clock = FakeClock(datetime.now(UTC))
    backend = make_backend(data_dir, with_settings(notify_listener=False), clock=clock)
    try:
        p = pay(backend, MAGIC_SLOW, cvv="999").payment  # stays PROCESSING for 999 s
        poller = backend.poller
        poller.poll_once()
        assert _inquiries(backend, p) == 1
        poller.poll_once()  # not due yet: the clock did not move
        assert _inquiries(backend, p) == 1
        seen = 1
        for _ in range(29):  # the first minute: every 2 s
            clock.advance(2)
            poller.poll_once()
            seen += 1
            assert _inquiries(backend, p) == seen
        clock.advance(2)
        poller.poll_once()  # past the first minute: the gap grows
        seen += 1
        clock.advance(2)
        poller.poll_once()
        assert _inquiries(backend, p) == seen
        assert fresh(backend, p).status is PaymentStatus.PENDING
        # past the payment's expiry (+ margin) it is left to recovery
        clock.advance(timedelta(minutes=30))
        before = _inquiries(backend, p)
        poller.poll_once()
        assert _inquiries(backend, p) == before
    finally:
        backend.close()


def test_bounded_concurrency(polled_backend: Backend) -> None:
    backend = polled_backend
    payments = [pay(backend, MAGIC_SLOW, cvv="999", minor=100 + i).payment for i in range(9)]
    backend.sandbox.faults.add("*/inquiryPayment", "latency", seconds=0.2)
    active = 0
    peak = 0
    lock = threading.Lock()
    real = backend.client.inquiry_payment

    def counting(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        try:
            return real(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            with lock:
                active -= 1

    backend.client.inquiry_payment = counting  # type: ignore[method-assign]
    poller = Poller(
        backend.repo,
        backend.settler,
        backend.clock,
        concurrency=3,
        schedule=PollSchedule(jitter=0),
    )
    poller.start()  # the pool only exists while running
    try:
        for p in payments:
            poller.watch(p)
        deadline = time.monotonic() + 10
        while poller.inquiries < 9 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        poller.stop()
    assert poller.inquiries >= 9
    assert 2 <= peak <= 3


def test_runs_in_the_background_and_reports_changes(polled_backend: Backend) -> None:
    backend = polled_backend
    changed: list[Payment] = []
    got = threading.Event()

    def on_change(change: Change) -> None:
        payment = change.payment
        assert payment is not None and change.kind is ChangeKind.UPDATED
        changed.append(payment)
        if payment.status is PaymentStatus.AUTHORISED:
            got.set()

    unsubscribe = backend.changes.subscribe(on_change)
    p = pay(backend, MAGIC_SLOW, cvv="001").payment  # settles after 1 s
    changed.clear()
    backend.poller.start()
    try:
        assert got.wait(10)
    finally:
        backend.poller.stop()
        unsubscribe()
    assert not backend.poller.running
    assert [c.id for c in changed if c.status is PaymentStatus.AUTHORISED] == [p.id]
