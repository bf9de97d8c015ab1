"""Payment leases: one till at a time settles a given payment, another takes it over when
that till is gone, and nothing is sent twice.

Two service stacks on one journal (one SQLite file, or one PostgreSQL schema) against one
sandbox (the ``tills`` fixture of the two-tills test). Each stack opens its own journal, hence
its own leases (its own holder, and on PostgreSQL its own lease connection): as two
processes would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable

import psycopg
import pytest

from posapp.core.domain import EventKind, Payment, PaymentStatus
from posapp.core.ids import new_request_id
from posapp.core.journal.leases import (
    LEASE_TTL_MS,
    FileLeases,
    PgLeases,
    SqliteLeases,
    leases_for,
)
from posapp.core.services.poller import PaymentBusy
from tests.journal_backends import PG_URL

from .conftest import MAGIC_SLOW, fresh, journal_approval, pay
from .test_two_tills import Till
from .test_two_tills import tills as tills  # the fixture: two stacks, one journal, one sandbox

WITHIN = 30.0


def _until(what: str, done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WITHIN
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {WITHIN:.0f} s: {what}")
        time.sleep(0.01)


class Inquiries:
    """Counts each till's inquiries per payment and the most made at once for one payment."""

    def __init__(self, *tills: Till) -> None:
        self.lock = threading.Lock()
        self.by_till: Counter[tuple[str, int]] = Counter()
        self.now: Counter[int] = Counter()
        self.most_at_once = 0
        self.hooks: dict[str, Callable[[Payment], None]] = {}
        for till in tills:
            self._wrap(till)

    def _wrap(self, till: Till) -> None:
        settler = till.backend.settler
        real = settler.inquire

        def inquire(payment: Payment):  # type: ignore[no-untyped-def]
            with self.lock:
                self.by_till[(till.name, payment.id)] += 1
                self.now[payment.id] += 1
                self.most_at_once = max(self.most_at_once, self.now[payment.id])
            try:
                hook = self.hooks.get(till.name)
                if hook is not None:
                    hook(payment)
                return real(payment)
            finally:
                with self.lock:
                    self.now[payment.id] -= 1

        settler.inquire = inquire  # type: ignore[method-assign]


def _pending(till: Till, n: int) -> list[Payment]:
    # the sandbox holds a MAGIC_SLOW payment in process for 999 s (its CVV)
    out = [pay(till.backend, MAGIC_SLOW, minor=1000 + k, cvv="999").payment for k in range(n)]
    assert all(p.status is PaymentStatus.PENDING for p in out)
    return out


def test_a_payment_one_till_is_inquiring_is_left_alone_by_the_other(
    tills: tuple[Till, Till],
) -> None:
    a, b = tills
    payments = _pending(a, 3)
    seen = Inquiries(a, b)
    inside, go_on = threading.Event(), threading.Event()
    first = payments[0].id

    def hold_first(payment: Payment) -> None:
        if payment.id == first:  # till A sits in this inquiry until B has had its pass
            inside.set()
            assert go_on.wait(WITHIN)

    seen.hooks["A"] = hold_first
    a.backend.poller.watch(first)
    worker = threading.Thread(target=a.backend.poller.poll_once)
    worker.start()
    try:
        assert inside.wait(WITHIN)
        b.backend.poller.poll_once()  # everything is due for B: it asks about the other two
    finally:
        go_on.set()
        worker.join(WITHIN)
    assert seen.by_till[("B", first)] == 0
    assert b.backend.poller.leased_elsewhere >= 1
    assert all(seen.by_till[("B", p.id)] == 1 for p in payments[1:])
    assert seen.most_at_once == 1
    # both lease sets are empty again: the next turn is anybody's
    assert a.backend.poller.leases.held() == frozenset()
    assert b.backend.poller.leases.held() == frozenset()


def test_both_tills_polling_the_same_payments_inquire_each_one_at_a_time(
    tills: tuple[Till, Till],
) -> None:
    a, b = tills
    payments = _pending(a, 6)
    seen = Inquiries(a, b)
    for till in (a, b):
        till.backend.poller.start()
    try:
        for _ in range(3):  # three rounds, each making every payment due on both tills
            before = sum(seen.by_till.values())
            for p in payments:
                a.backend.poller.watch(p.id)
                b.backend.poller.watch(p.id)
            _until("a round of inquiries", lambda n=before: sum(seen.by_till.values()) >= n + 6)
    finally:
        for till in (a, b):
            till.backend.poller.stop()
    assert seen.most_at_once == 1
    assert {pid for (_till, pid) in seen.by_till} == {p.id for p in payments}


def test_a_dead_till_s_payment_is_taken_over_and_its_capture_sent_once(
    tills: tuple[Till, Till],
) -> None:
    """Till A journals a capture and dies holding the payment's lease (its lease connection
    or its process is gone): till B's poller leaves it while the lease is held, takes it
    over as soon as it is free, and sends the capture exactly once."""
    a, b = tills
    p = pay(a.backend).payment
    assert p.status is PaymentStatus.AUTHORISED
    capture_id = new_request_id("CAP")
    journal_approval(a.backend, "capture", p, capture_id)
    a.backend.repo.record_capture_intent(p.id, capture_id, operator="m", terminal_id="TILL-A")
    leases = a.backend.poller.leases
    assert leases.try_acquire(p.id)  # A is "in the middle" of settling it
    b.backend.poller.watch(p.id)
    b.backend.poller.poll_once()
    assert fresh(b.backend, p).status is PaymentStatus.CAPTURE_PENDING  # left to A
    assert b.backend.poller.leased_elsewhere == 1
    _till_dies(a, leases)
    b.backend.poller.watch(p.id)
    b.backend.poller.poll_once()
    assert fresh(b.backend, p).status is PaymentStatus.CAPTURED
    sends = [
        e
        for e in b.backend.repo.events_of_kind_for_payment(p.id, EventKind.REQUEST_SENT)
        if e.request_id == capture_id and e.api == "capture"
    ]
    assert len(sends) == 1  # journaled before the wire: one send
    sandbox = a.backend.sandbox
    assert sandbox is not None
    entry = sandbox.ledger().order(p.reference_order_id)
    assert (entry.captured, entry.held) == (p.amount.minor, 0)  # captured once, not twice


def _till_dies(till: Till, leases: object) -> None:
    if isinstance(leases, PgLeases):
        pid = leases.backend_pid
        assert pid is not None
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            # the server ends that backend a moment later, and its locks with it
            gone = "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = %s"
            _until(
                "the lease connection ended",
                lambda: bool(admin.execute(gone, (pid,)).fetchone()[0]),
            )  # type: ignore[index]
        return
    if isinstance(leases, FileLeases):
        leases.close()  # what the kernel does to a process's open files when it dies
        return
    assert isinstance(leases, SqliteLeases)
    # a dead process of this machine: its lease row names a pid that no longer runs
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead = f"{leases.holder.split('/')[0]}/{int(gone.stdout)}/dead"
    with leases.journal.write() as db:
        db.conn.execute("UPDATE payment_leases SET holder = ?", (dead,))


def test_the_sending_path_waits_for_a_poller_s_lease_and_no_longer(
    tills: tuple[Till, Till],
) -> None:
    a, b = tills
    p = pay(a.backend).payment
    held = a.backend.poller.leases
    assert held.try_acquire(p.id)
    in_flight = b.backend.checkout.in_flight
    in_flight.wait = 0.2  # type: ignore[attr-defined]
    with pytest.raises(PaymentBusy):
        in_flight.add(p.id)
    assert p.id not in in_flight
    released = threading.Timer(0.1, held.release, args=(p.id,))
    released.start()
    in_flight.wait = WITHIN  # type: ignore[attr-defined]
    in_flight.add(p.id)  # taken as soon as A gives it back
    released.join()
    assert p.id in b.backend.poller.leases.held()
    assert not held.try_acquire(p.id)  # now B's, until the send is over
    in_flight.discard(p.id)
    assert held.try_acquire(p.id)
    held.release(p.id)


def test_sqlite_leases_expire_and_a_live_holder_keeps_its_own(tmp_path: object) -> None:
    from pathlib import Path

    from posapp.core.journal.repository import JournalRepository

    assert isinstance(tmp_path, Path)
    first = JournalRepository.open(tmp_path / "journal.sqlite3")
    second = JournalRepository.open(tmp_path / "journal.sqlite3")
    try:
        assert leases_for(first.journal) is leases_for(first.journal)  # one per open journal
        assert leases_for(first.journal) is not leases_for(second.journal)
        # the lease rows (where the OS has no open-file-description locks)
        mine, theirs = SqliteLeases(first.journal), SqliteLeases(second.journal)
        assert mine.try_acquire(7)
        assert not mine.try_acquire(7)  # not twice in one process either
        assert not theirs.try_acquire(7)  # a live holder of this machine
        with first.journal.write() as db:  # its expiry passed (a hung process)
            db.conn.execute(
                "UPDATE payment_leases SET expires_ms = ?",
                (int(time.time() * 1000) - 1,),
            )
        assert theirs.try_acquire(7)
        mine.release(7)  # not the holder any more: gives nothing back
        assert not mine.try_acquire(7)
        theirs.release(7)
        assert mine.try_acquire(7)
        mine.release(7)
        assert LEASE_TTL_MS >= 60_000  # longer than one settle step
    finally:
        first.close()
        second.close()


def test_lease_holders_name_this_process() -> None:
    assert f"/{os.getpid()}/" in SqliteLeases(object()).holder


_HOLDER = """
import sys
from pathlib import Path
from posapp.core.journal.leases import FileLeases
leases = FileLeases(Path(sys.argv[1]))
assert leases.try_acquire(7)
print("held", flush=True)
sys.stdin.read()  # until killed
"""


@pytest.mark.skipif(not FileLeases.supported(), reason="no open-file-description locks here")
def test_a_killed_process_s_file_leases_are_free_at_once(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    path = tmp_path / "journal.sqlite3.leases"
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    here, also_here = FileLeases(path), FileLeases(path)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        assert not here.try_acquire(7)  # another process holds it
        assert here.try_acquire(8)
        assert not also_here.try_acquire(8)  # a second open file in one process: excluded too
        child.kill()  # SIGKILL: no clean-up of its own
        child.wait(WITHIN)
        assert here.try_acquire(7)  # the kernel freed it with the process
        here.close()
        assert also_here.try_acquire(8)  # closing the file gave its leases back
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(WITHIN)
        here.close()
        also_here.close()
