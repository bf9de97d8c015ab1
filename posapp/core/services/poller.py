"""The poller: asks Antom about every payment whose outcome is not known until it is.

Every unsettled payment (INTENT left by another window or a crash, PENDING, NEEDS_3DS,
CAPTURE_PENDING, CANCEL_PENDING) and every unsettled refund is inquired on ``PollSchedule``
(every 2 s for the first minute, then backing off to a cap), with at most ``concurrency``
inquiries in flight. A payment stops being polled once it is final, or a margin after
the moment Antom's "not found" proves it never sent (its expiry plus a margin:
``settle.not_sent_provable_at``); recovery at the next start asks again. Every observation
is journaled by the Settler, which announces every change on the till's change feed.

``poll_once()`` does one pass synchronously (tests, recovery); ``start()`` runs passes on a
background thread until ``stop()``; ``watch()`` makes a payment due at once.

Several tills on one journal: a payment is settled under its lease (``journal.leases``), one
process at a time; a payment leased by another till is left to it for this pass and asked
about again once it is free (the holder gave it back, or died and lost it). The paths that
send (back office, batch capture) hold the same lease while their request is on the wire,
through ``LeasedInFlight``, so no poller inquires, re-sends or concludes meanwhile.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from posapp.core.clock import Clock
from posapp.core.domain import DomainError, Payment, PaymentStatus, Refund
from posapp.core.journal.errors import JournalError
from posapp.core.journal.leases import Leases, leases_for
from posapp.core.journal.repository import JournalRepository
from posapp.core.services.checkout import InFlight
from posapp.core.services.schedule import PollSchedule
from posapp.core.services.settle import (
    Observation,
    Settler,
    not_found_grace_passed,
    not_sent_provable_at,
)

log = logging.getLogger(__name__)

# An INTENT younger than this may be on the wire from another window: leave it alone.
INTENT_GRACE = timedelta(minutes=2)
# Asking before this is pointless (and NOT_SENT needs the payment's expiry past anyway:
# settle.not_sent_provable_at).
NOT_FOUND_GRACE = timedelta(seconds=30)
# Keep asking this long after "not found" became proof of "never sent".
EXPIRY_MARGIN = timedelta(minutes=5)
HOLDS_CHECK_EVERY = timedelta(minutes=1)
# How long a path about to send waits for a payment's lease held by a poller elsewhere: that
# poller holds it for one inquiry (bounded by the client's timeout, 10 s) and what follows.
SEND_LEASE_WAIT = 30.0


class PaymentBusy(DomainError):
    """Another till is settling this payment right now; the request was not sent."""

    def __init__(self, payment: int) -> None:
        super().__init__(
            f"payment {payment} is leased by another till",
            user_message="Another till is checking this payment right now; try again shortly.",
        )


@dataclass
class LeasedInFlight(InFlight):
    """``InFlight`` that also takes a payment's lease while this process sends for it.

    Adding a local payment id takes its lease, waiting up to ``wait`` seconds for a poller
    elsewhere to finish its inquiry (``PaymentBusy`` if it does not); discarding gives it
    back. Adding an id already in flight here is a no-op, as for ``InFlight``. A
    paymentRequestId (a new payment, before its intent is written) takes no lease: no
    poller touches an INTENT that young (``INTENT_GRACE``).
    """

    leases: Leases | None = None
    wait: float = SEND_LEASE_WAIT
    _leased: set[int] = field(default_factory=set)

    def add(self, key: int | str) -> None:
        if isinstance(key, int) and self.leases is not None:
            with self._lock:
                if key in self._ids:
                    return
            if not self.leases.acquire(key, wait=self.wait):
                raise PaymentBusy(key)
            with self._lock:
                self._leased.add(key)
        super().add(key)

    def discard(self, key: int | str) -> None:
        super().discard(key)
        if isinstance(key, int) and self.leases is not None:
            with self._lock:
                mine = key in self._leased
                self._leased.discard(key)
            if mine:
                self.leases.release(key)


@dataclass(slots=True)
class _Track:
    first_seen: datetime
    next_at: datetime
    attempts: int = 0  # inquiries made after the fast period


class Poller:
    """Background settlement of unknown outcomes; start/stop."""

    def __init__(
        self,
        repo: JournalRepository,
        settler: Settler,
        clock: Clock,
        *,
        schedule: PollSchedule | None = None,
        concurrency: int = 4,
        in_flight: InFlight | None = None,
        on_error: Callable[[Exception], None] | None = None,
        intent_grace: timedelta = INTENT_GRACE,
        not_found_grace: timedelta = NOT_FOUND_GRACE,
        idle_wait: float = 5.0,
        leases: Leases | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.repo = repo
        self.settler = settler
        self.clock = clock
        self.schedule = schedule or PollSchedule()
        self.concurrency = concurrency
        self.in_flight = in_flight or InFlight()
        self.intent_grace = intent_grace
        self.not_found_grace = not_found_grace
        self.idle_wait = idle_wait
        self.leases = leases if leases is not None else leases_for(repo.journal)
        self.leased_elsewhere = 0  # due payments left to another till's lease
        self._on_error = on_error
        self._tracks: dict[tuple[str, int | str], _Track] = {}
        self._tracks_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._last_holds_check: datetime | None = None
        self._pass_lock = threading.Lock()
        self.passes = 0
        self.inquiries = 0

    # -- life cycle -----------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="posapp-poll")
        self._thread = threading.Thread(target=self._run, name="posapp-poller", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the inquiries in flight have finished (each is bounded by the client's
        timeout); nothing is left half-journaled."""
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        self.stop()

    def watch(self, payment: Payment | int) -> None:
        """Make ``payment`` due now (after checkout leaves it PENDING, a notification...)."""
        pid = payment if isinstance(payment, int) else payment.id
        now = self.clock.now()
        with self._tracks_lock:
            track = self._tracks.get(("payment", pid))
            if track is None:
                self._tracks[("payment", pid)] = _Track(first_seen=now, next_at=now)
            else:
                track.next_at = now
        self._wake.set()

    def unsettled(self) -> int:
        """How many payments are still being settled (for the status bar)."""
        return len(self.repo.payments_needing_settlement())

    # -- the loop -------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except JournalError as exc:
                log.error("poller: the journal cannot be used: %s", exc)
                self._report(exc)
            except Exception as exc:
                log.exception("poller pass failed")
                self._report(exc)
            self._wake.wait(self._seconds_to_next())
            self._wake.clear()

    def _report(self, exc: Exception) -> None:
        if self._on_error is not None:
            try:
                self._on_error(exc)
            except Exception:
                log.exception("poller error callback failed")

    def _seconds_to_next(self) -> float:
        now = self.clock.now()
        with self._tracks_lock:
            upcoming = [t.next_at for t in self._tracks.values()]
        if not upcoming:
            return self.idle_wait
        gap = (min(upcoming) - now).total_seconds()
        return max(0.05, min(self.idle_wait, gap))

    # -- one pass -------------------------------------------------------------------------
    def poll_once(self) -> list[Observation]:
        """Inquire everything that is due now; return what was seen."""
        with self._pass_lock:
            return self._pass()

    def _pass(self) -> list[Observation]:
        now = self.clock.now()
        self.passes += 1
        due_payments: list[Payment] = []
        live: set[tuple[str, int | str]] = set()
        for payment in self.repo.payments_needing_settlement():
            if self.in_flight.holds(payment):
                continue
            if (
                payment.status is PaymentStatus.INTENT
                and now - payment.created_at < self.intent_grace
            ):
                continue
            if self._expired(payment, now):
                continue
            key: tuple[str, int | str] = ("payment", payment.id)
            live.add(key)
            if self._due(key, now):
                due_payments.append(payment)
        due_refunds: list[Refund] = []
        for refund in self.repo.refunds_needing_settlement():
            if refund.payment in self.in_flight:
                continue
            rkey: tuple[str, int | str] = ("refund", refund.refund_request_id)
            live.add(rkey)
            if self._due(rkey, now):
                due_refunds.append(refund)
        with self._tracks_lock:
            for stale in set(self._tracks) - live:
                if stale[0] == "payment" and stale in self._tracks:
                    # keep a fresh watch() until its payment shows up in the work list
                    if self._tracks[stale].first_seen >= now - timedelta(seconds=1):
                        continue
                del self._tracks[stale]
        observations = self._run_all(due_payments, due_refunds, now)
        if self._last_holds_check is None or now - self._last_holds_check >= HOLDS_CHECK_EVERY:
            self._last_holds_check = now
            for released in self.settler.release_expired_holds():
                observations.append(Observation(released, PaymentStatus.AUTHORISED, "released"))
        return observations

    def _expired(self, payment: Payment, now: datetime) -> bool:
        if payment.status not in (
            PaymentStatus.INTENT,
            PaymentStatus.PENDING,
            PaymentStatus.NEEDS_3DS,
        ):
            return False
        # past the moment "not found" proves "never sent", and a margin to ask once more
        return now > not_sent_provable_at(payment) + EXPIRY_MARGIN

    def _due(self, key: tuple[str, int | str], now: datetime) -> bool:
        with self._tracks_lock:
            track = self._tracks.get(key)
            if track is None:
                self._tracks[key] = _Track(first_seen=now, next_at=now)
                return True
            return track.next_at <= now

    def _reschedule(self, key: tuple[str, int | str], now: datetime) -> None:
        with self._tracks_lock:
            track = self._tracks.get(key)
            if track is None:
                return
            elapsed = (now - track.first_seen).total_seconds()
            track.next_at = self.schedule.next_at(track.first_seen, now, track.attempts)
            if elapsed >= self.schedule.fast_period:
                track.attempts += 1

    def _run_all(
        self, payments: list[Payment], refunds: list[Refund], now: datetime
    ) -> list[Observation]:
        jobs: list[Callable[[], Observation | None]] = []
        for payment in payments:
            jobs.append(lambda p=payment: self._settle_payment(p, now))  # type: ignore[misc]
        for refund in refunds:
            jobs.append(lambda r=refund: self._settle_refund(r, now))  # type: ignore[misc]
        if not jobs:
            return []
        pool = self._pool
        if pool is None or len(jobs) == 1:
            results = [job() for job in jobs]
        else:
            results = list(pool.map(lambda job: job(), jobs))
        return [r for r in results if r is not None]

    def _settle_payment(self, payment: Payment, now: datetime) -> Observation | None:
        key: tuple[str, int | str] = ("payment", payment.id)
        if not self.leases.try_acquire(payment.id):
            self.leased_elsewhere += 1  # the holder settles it; ask again at the next turn
            self._reschedule(key, now)
            return None
        try:
            return self._settle_leased(payment, now, key)
        finally:
            self.leases.release(payment.id)

    def _settle_leased(
        self, payment: Payment, now: datetime, key: tuple[str, int | str]
    ) -> Observation | None:
        try:
            # re-read: another window, a notification or the previous pass may have moved it
            current = self.repo.get_payment(payment.id) or payment
            if not current.status.needs_settlement or self.in_flight.holds(current):
                return None
            self.inquiries += 1
            observation = self.settler.settle_payment(
                current,
                not_found_means_not_sent=not_found_grace_passed(current, now, self.not_found_grace),
            )
        except JournalError:
            raise
        except Exception as exc:
            log.exception("settling payment %s failed", payment.payment_request_id)
            self._report(exc)
            self._reschedule(key, now)
            return None
        self._reschedule(key, now)
        return observation

    def _settle_refund(self, refund: Refund, now: datetime) -> Observation | None:
        key: tuple[str, int | str] = ("refund", refund.refund_request_id)
        if not self.leases.try_acquire(refund.payment):
            self.leased_elsewhere += 1
            self._reschedule(key, now)
            return None
        try:
            current = self.repo.get_refund(refund.refund_request_id) or refund
            if not current.status.is_final:
                self.inquiries += 1
                self.settler.settle_refund(current)
        except JournalError:
            raise
        except Exception as exc:
            log.exception("settling refund %s failed", refund.refund_request_id)
            self._report(exc)
        finally:
            self.leases.release(refund.payment)
        self._reschedule(key, now)
        payment = self.repo.get_payment(refund.payment)
        if payment is None:
            return None
        return Observation(payment, payment.status, f"refund {refund.refund_request_id}")
