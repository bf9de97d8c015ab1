"""The change feed: announced once by the services, fanned out thread-safely, and fed from the
audit log for changes another process made to the same journal file."""

from __future__ import annotations

import threading
from pathlib import Path

from posapp.app import Backend
from posapp.core.domain import CaptureMode, NewPayment, Payment, PaymentStatus
from posapp.core.journal.repository import JournalRepository
from posapp.core.money import Money
from posapp.core.services.changes import Change, ChangeFeed, ChangeKind
from tests.backend_support import other_process

from .conftest import MAGIC_SLOW, VISA_OK, pay


def _intent(repo: JournalRepository, n: int) -> Payment:
    from posapp.core.cards import MaskedCard

    return repo.record_intent(
        NewPayment(
            reference_order_id=f"ORD-{n}",
            payment_request_id=f"REQ-{n}",
            amount=Money(100 + n, "SGD"),
            capture_mode=CaptureMode.MANUAL,
            card=MaskedCard("VISA", "405469", "0768"),
            operator="cashier",
            terminal_id="TILL-01",
        )
    )


def test_subscribers_get_each_change_from_any_thread_and_a_failing_one_harms_none(
    tmp_path: Path,
) -> None:
    repo = JournalRepository.open(tmp_path / "journal.sqlite3")
    payments = [_intent(repo, n) for n in range(40)]
    feed = ChangeFeed()
    got: list[Change] = []
    lock = threading.Lock()

    def broken(_change: Change) -> None:
        raise RuntimeError("a screen's bug")

    def record(change: Change) -> None:
        with lock:
            got.append(change)

    feed.subscribe(broken)
    unsubscribe = feed.subscribe(record)
    threads = [
        threading.Thread(target=lambda ps=payments[i::4]: [feed.announce(p) for p in ps])
        for i in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    feed.announce_till()
    assert sorted(c.payment_id for c in got if c.payment_id is not None) == [p.id for p in payments]
    assert [c.kind for c in got].count(ChangeKind.TILL) == 1
    unsubscribe()
    feed.announce(payments[0])
    assert len(got) == 41  # unsubscribed: nothing more
    repo.close()


def test_services_announce_a_payment_once_per_change(backend: Backend) -> None:
    got: list[Change] = []
    backend.changes.subscribe(got.append)
    result = pay(backend, VISA_OK)
    kinds = [(c.kind, c.payment.status) for c in got if c.payment is not None]
    # the intent before the wire, then each state it went through, in order
    assert kinds[0] == (ChangeKind.CREATED, PaymentStatus.INTENT)
    assert kinds[-1] == (ChangeKind.UPDATED, result.payment.status)
    versions = [c.payment.version for c in got if c.payment is not None]
    assert versions == sorted(set(versions))  # each version once, never repeated
    # the audit log holds these changes too; following it does not announce them again
    backend.changes.attach(backend.repo)
    before = len(got)
    assert backend.changes.catch_up() == []
    pay(backend, VISA_OK)
    assert backend.changes.catch_up() == []
    assert len(got) > before


def test_another_process_s_changes_are_announced_from_the_audit_log(backend: Backend) -> None:
    feed = backend.changes
    pending = pay(backend, MAGIC_SLOW, cvv="999").payment  # the sandbox holds it for 999 s
    assert pending.status is PaymentStatus.PENDING
    feed.attach(backend.repo)
    got: list[Change] = []
    feed.subscribe(got.append)
    created = other_process(backend, pending.payment_request_id)
    announced = feed.catch_up()
    assert announced == got  # delivered to the subscribers as they were found
    by_id = {c.payment_id: c for c in announced}
    assert set(by_id) == {pending.id, created}
    settled = by_id[pending.id].payment
    assert settled is not None and settled.status is PaymentStatus.AUTHORISED
    assert settled.payment_id == "2026OTHERWINDOW"
    assert all(c.kind is ChangeKind.UPDATED for c in announced)
    assert feed.catch_up() == []  # each change once


def test_the_follower_thread_announces_other_processes_changes_by_itself(
    backend: Backend,
) -> None:
    feed = backend.changes
    arrived = threading.Event()
    seen: list[int] = []

    def on_change(change: Change) -> None:
        if change.payment is not None and change.payment.reference_order_id == "ORD-OTHER":
            seen.append(change.payment.id)
            arrived.set()

    feed.subscribe(on_change)
    feed.follow(backend.repo, interval=0.05)
    try:
        assert feed.following
        created = other_process(backend)
        assert arrived.wait(30)
    finally:
        feed.stop()
    assert seen == [created]
    assert not feed.following


def test_started_till_follows_the_journal_and_stops_with_it(backend: Backend) -> None:
    backend.start(recover=False)
    assert backend.changes.following
    backend.close()
    assert not backend.changes.following
