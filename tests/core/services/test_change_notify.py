"""Live across machines: on PostgreSQL a commit made through another connection reaches this
feed's subscribers through LISTEN/NOTIFY, not the follower's fallback; a listener whose
connection is killed connects again and catches up; no change is missed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import psycopg
import pytest

from posapp.core.cards import MaskedCard
from posapp.core.domain import CaptureMode, NewPayment, Payment, PaymentStatus, PaymentUpdate
from posapp.core.journal.location import parse_location
from posapp.core.journal.pg import PgChangeListener, PgJournal, change_channel
from posapp.core.journal.repository import JournalRepository
from posapp.core.money import Money
from posapp.core.services.changes import (
    FOLLOW_INTERVAL,
    NOTIFY_FALLBACK_INTERVAL,
    Change,
    ChangeFeed,
)
from tests.journal_backends import BACKENDS, PG_URL, fresh_schema, schema_url

SERVER = [b for b in BACKENDS if b != "sqlite"]
WITHIN = 20.0  # seconds; the fallback is made 30 s in these tests, so it cannot be the path
SLOW_FALLBACK = 30.0


@dataclass
class Pair:
    here: JournalRepository  # this station: the feed reads through it
    there: JournalRepository  # another station: writes through its own connections
    schema: str


@pytest.fixture(params=SERVER)
def pair(request: pytest.FixtureRequest) -> Iterator[Pair]:
    with fresh_schema() as schema:
        location = parse_location(schema_url(schema))
        here = JournalRepository.open(location)
        there = JournalRepository.open(location)
        try:
            yield Pair(here, there, schema)
        finally:
            there.close()
            here.close()


@dataclass
class Seen:
    lock: threading.Lock = field(default_factory=threading.Lock)
    versions: dict[int, int] = field(default_factory=dict)
    count: int = 0
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def __call__(self, change: Change) -> None:
        if change.payment is None:
            return
        with self.arrived:
            self.count += 1
            known = self.versions.get(change.payment.id, 0)
            assert change.payment.version > known  # each version once, in order
            self.versions[change.payment.id] = change.payment.version
            self.arrived.notify_all()

    def wait_for(self, payment: Payment) -> None:
        with self.arrived:
            ok = self.arrived.wait_for(
                lambda: self.versions.get(payment.id, 0) >= payment.version, WITHIN
            )
        assert ok, f"payment {payment.id} v{payment.version} not announced"


def _intent(repo: JournalRepository, n: int) -> Payment:
    return repo.record_intent(
        NewPayment(
            reference_order_id=f"ORD-{n}",
            payment_request_id=f"REQ-{n}",
            amount=Money(100 + n, "SGD"),
            capture_mode=CaptureMode.MANUAL,
            card=MaskedCard("VISA", "405469", "0768"),
            operator="cashier",
            terminal_id="TILL-02",
        )
    )


def _sent(repo: JournalRepository, payment: Payment) -> Payment:
    return repo.transition(
        payment.id,
        PaymentStatus.PENDING,
        operator="cashier",
        terminal_id="TILL-02",
        update=PaymentUpdate(),
        reason="sent",
        expected_version=payment.version,
    )


def _listening(feed: ChangeFeed, times: int) -> None:
    done = threading.Event()
    for _ in range(int(WITHIN / 0.01)):
        if feed.listens >= times:
            done.set()
            break
        done.wait(0.01)
    assert done.is_set(), "the listener did not connect"


def test_the_channel_is_the_journal_s_and_the_fallback_is_bounded() -> None:
    assert change_channel("public") == change_channel("public")
    assert change_channel("public") != change_channel("t_abc")
    assert len(change_channel("x" * 63)) < 64  # a channel is a name: at most 63 bytes
    assert NOTIFY_FALLBACK_INTERVAL <= 5.0  # a lost notification delays a change by <= 5 s
    assert FOLLOW_INTERVAL <= NOTIFY_FALLBACK_INTERVAL


def test_a_commit_elsewhere_reaches_subscribers_through_notify(pair: Pair) -> None:
    feed = ChangeFeed()
    seen = Seen()
    feed.subscribe(seen)
    feed.follow(pair.here, interval=SLOW_FALLBACK)  # the listener is found from the journal
    try:
        assert feed.listening
        _listening(feed, 1)
        first = _intent(pair.there, 1)
        seen.wait_for(first)
        moved = _sent(pair.there, first)
        seen.wait_for(moved)
    finally:
        feed.stop()
    assert not feed.listening
    # both arrived through a notification; the follower never looked
    assert feed.delivered["notify"] == 2
    assert feed.delivered["follow"] == 0
    assert seen.versions == {first.id: moved.version}


def test_a_rolled_back_write_announces_nothing(pair: Pair) -> None:
    listener = pair.here.journal.change_listener()  # type: ignore[attr-defined]
    assert isinstance(listener, PgChangeListener)
    listener.connect()
    try:
        with pytest.raises(RuntimeError), pair.there.transaction():
            _intent(pair.there, 1)
            raise RuntimeError("the till changed its mind")
        committed = _intent(pair.there, 2)
        assert listener.wait(WITHIN)  # the committed one only
        assert listener.notifications == 1
        assert committed.id > 0
    finally:
        listener.close()


def test_a_killed_listener_connects_again_and_catches_up_with_nothing_missed(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = pair.here.journal
    assert isinstance(journal, PgJournal)
    listener = journal.change_listener()
    real_connect = listener.connect
    trying, go_on = threading.Event(), threading.Event()
    connects: list[int] = []

    def gated_connect() -> None:
        connects.append(1)
        if len(connects) > 1:  # a reconnect: held back until the test has written
            trying.set()
            assert go_on.wait(WITHIN)
        real_connect()

    monkeypatch.setattr(listener, "connect", gated_connect)
    feed = ChangeFeed()
    seen = Seen()
    feed.subscribe(seen)
    feed.follow(pair.here, interval=SLOW_FALLBACK, notices=listener)
    written: list[Payment] = []
    try:
        _listening(feed, 1)
        written.append(_intent(pair.there, 1))
        seen.wait_for(written[-1])
        pid = listener.backend_pid
        assert pid is not None
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        assert trying.wait(WITHIN)  # the listener saw its connection go and tries again
        # while it is away: announced to nobody
        written.extend(_intent(pair.there, n) for n in range(2, 12))
        moved = _sent(pair.there, written[1])
        go_on.set()
        for p in [*written[2:], moved]:
            seen.wait_for(p)
        _listening(feed, 2)
        # and live again afterwards
        written.append(_intent(pair.there, 12))
        seen.wait_for(written[-1])
    finally:
        go_on.set()
        feed.stop()
    assert feed.listens == 2
    # ten new payments (one of them moved too), each announced once at its newest version
    assert feed.delivered["relisten"] == 10
    assert feed.delivered["notify"] == 2
    assert feed.delivered["follow"] == 0
    expected = {p.id: p.version for p in written}
    expected[moved.id] = moved.version
    assert seen.versions == expected  # no change missed, none announced twice
