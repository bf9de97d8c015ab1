"""Capture every hold of a day: bounded concurrency, Antom's rate limit honoured, resumable.

A run is journaled first (``capture_batches``: which holds it covers). Before anything is
sent for a hold, one journal transaction records what a single capture records, for a chunk
of holds at once (one disk sync, not one a hold): the manager approval of that capture
(MAC'd, naming its captureRequestId and amount), the capture intent (the payment ->
CAPTURE_PENDING, so no other path can capture it again), the item's captureRequestId and
the request about to leave. Then workers send them.

At most ``concurrency`` requests are on the wire at once (a gate held only around the
exchange with Antom, so journaling one answer overlaps the next request), and at most twice
that many holds are journaled and not yet answered. An answer ``REQUEST_TRAFFIC_EXCEED_LIMIT``
(Antom's "too many requests"), ``UNKNOWN_EXCEPTION`` or no answer at all leaves the capture
unsettled: the worker waits and re-sends it under the **same** captureRequestId (Antom
performs it once whatever the number of sends). A rate-limit answer also pauses every worker
(a shared gate): the wait doubles with each limit in a row, from ``base_delay`` up to
``max_delay``, drawn between half and all of that from a ``random.Random`` seeded per run, so
tills do not retry in step and a test sees the same waits; a success shrinks it again. After
``max_sends`` sends the capture is left to the poller, which settles it by inquiry (and
re-sends it, same id, only if Antom never saw it).

Cancel stops the run from journaling further holds; those already journaled are finished
(the poller would send them anyway). A crash leaves the run RUNNING: ``resume`` re-sends the
journaled captures that are not final (same ids, their approvals are journaled) and, with a
new manager approval, captures the holds it never reached.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum

from posapp.core.antom.errors import AntomError
from posapp.core.antom.messages import Api, CaptureRequest, CaptureResponse
from posapp.core.clock import Clock
from posapp.core.domain import Capture, DomainError, OperationStatus, Payment
from posapp.core.ids import new_request_id
from posapp.core.journal.day_close import CaptureBatch, EndOfDayStore
from posapp.core.journal.repository import JournalRepository
from posapp.core.services.changes import Change
from posapp.core.services.checkout import InFlight
from posapp.core.services.pin import Approval, PinError, PinManager
from posapp.core.services.settle import Settler

log = logging.getLogger(__name__)

RATE_LIMITED = "REQUEST_TRAFFIC_EXCEED_LIMIT"
RESEND_CODES = frozenset({RATE_LIMITED, "UNKNOWN_EXCEPTION", None})


class ItemOutcome(StrEnum):
    CAPTURED = "captured"
    REFUSED = "refused"  # Antom refused (F) or the journal did (no longer held)
    PENDING = "pending"  # left to the poller: still not known after max_sends
    SKIPPED = "skipped"  # cancelled before it started: nothing journaled, still held


@dataclass(frozen=True, slots=True)
class ItemResult:
    payment: int
    outcome: ItemOutcome
    sends: int = 0
    result_code: str | None = None


@dataclass(frozen=True, slots=True)
class BatchProgress:
    """Delivered after each hold: ``done`` of ``total`` finished, time left estimated."""

    batch: int
    done: int
    total: int
    item: ItemResult
    seconds_left: float | None
    rate_limited: int  # rate-limit answers so far


@dataclass(frozen=True, slots=True)
class BatchReport:
    batch: int
    results: tuple[ItemResult, ...]
    cancelled: bool
    rate_limited: int

    def count(self, outcome: ItemOutcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)


@dataclass(slots=True)
class Backoff:
    """The shared gate: after a rate limit nobody sends before ``resume_at``."""

    rng: random.Random
    base_delay: float = 0.2
    max_delay: float = 5.0
    monotonic: Callable[[], float] = time.monotonic
    _streak: int = 0
    _resume_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def limited(self) -> float:
        """Note a rate-limit answer; the pause everybody now waits (seconds)."""
        with self._lock:
            self._streak += 1
            raw = min(self.max_delay, self.base_delay * 2.0 ** (self._streak - 1))
            delay = raw * (0.5 + self.rng.random() / 2)
            self._resume_at = max(self._resume_at, self.monotonic() + delay)
            return delay

    def succeeded(self) -> None:
        with self._lock:
            self._streak = max(0, self._streak - 1)

    def wait_needed(self) -> float:
        with self._lock:
            return max(0.0, self._resume_at - self.monotonic())


@dataclass(slots=True)
class BatchCaptureService:
    """Captures many holds with one manager approval; see the module docstring."""

    repo: JournalRepository
    settler: Settler
    pins: PinManager
    clock: Clock
    terminal_id: str
    in_flight: InFlight = field(default_factory=InFlight)
    concurrency: int = 8
    max_sends: int = 6
    seed: int | None = None
    base_delay: float = 0.2
    max_delay: float = 5.0
    sleep: Callable[[float], None] | None = None  # None: an interruptible wait
    monotonic: Callable[[], float] = time.monotonic
    on_pending: Callable[[Payment], None] | None = None
    # Where the batch settler's changes go (the services' one change feed). They are held
    # back while an answer's transaction is open and announced once it has committed, so a
    # screen that reads the payment on hearing of it reads what was committed.
    announce: Callable[[Payment], None] | None = None
    _held: threading.local = field(default_factory=threading.local)

    def __post_init__(self) -> None:
        self.settler.changes.subscribe(self._on_change)

    def _on_change(self, change: Change) -> None:
        payment = change.payment
        if payment is None:
            return
        held: list[Payment] | None = getattr(self._held, "payments", None)
        if held is not None:
            held.append(payment)
        elif self.announce is not None:
            self.announce(payment)

    def _apply(self, capture: Capture, response: CaptureResponse, manager: str) -> None:
        """The answer and the capture's new state in one transaction (one disk sync)."""
        self._held.payments = []
        try:
            with self.repo.transaction():
                self.settler.apply_capture(capture, response, operator=manager)
        finally:
            held, self._held.payments = self._held.payments, None
        if self.announce is not None:
            for payment in held:
                self.announce(payment)

    @property
    def store(self) -> EndOfDayStore:
        return EndOfDayStore(self.repo)

    # -- starting and resuming ----------------------------------------------------------
    def start(
        self,
        payments: Sequence[int],
        pin: str,
        *,
        manager: str = "manager",
        cancel: threading.Event | None = None,
        progress: Callable[[BatchProgress], None] | None = None,
    ) -> BatchReport:
        """Journal a run over ``payments`` and capture them (PinError when refused)."""
        approval = self.pins.approve(pin, manager, uses=max(1, len(payments)))
        batch = self.store.create_batch(
            payments, manager=manager, terminal_id=self.terminal_id, at=self.clock.now()
        )
        return self._run(batch, approval, manager, cancel, progress)

    def unfinished(self) -> CaptureBatch | None:
        return self.store.unfinished_batch()

    def resume(
        self,
        batch: int,
        pin: str | None,
        *,
        manager: str = "manager",
        cancel: threading.Event | None = None,
        progress: Callable[[BatchProgress], None] | None = None,
    ) -> BatchReport:
        """Carry on an interrupted run. Without a PIN only the journaled captures are
        re-sent; the holds it never reached are skipped (still held)."""
        found = self.store.batch(batch)
        if found is None:
            raise ValueError(f"no capture batch {batch}")
        untouched = sum(1 for i in found.items if i.capture_request_id is None)
        approval = None
        if pin is not None and untouched:
            approval = self.pins.approve(pin, manager, uses=untouched)
        return self._run(batch, approval, manager, cancel, progress)

    # -- the run ------------------------------------------------------------------------
    def _run(
        self,
        batch: int,
        approval: Approval | None,
        manager: str,
        cancel: threading.Event | None,
        progress: Callable[[BatchProgress], None] | None,
    ) -> BatchReport:
        found = self.store.batch(batch)
        assert found is not None
        stop = cancel or threading.Event()
        gate = Backoff(
            random.Random(self.seed if self.seed is not None else batch),
            self.base_delay,
            self.max_delay,
            self.monotonic,
        )
        run = _Run(len(found.items), self.monotonic(), batch, progress, self.monotonic)
        width = max(1, self.concurrency)

        def wait(seconds: float) -> None:
            if seconds <= 0:
                return
            if self.sleep is not None:
                self.sleep(seconds)
            else:
                stop.wait(seconds)  # a cancel cuts a back-off short

        # ``width`` requests on the wire at most (the network gate, held only around the
        # exchange with Antom), and at most twice that journaled and not yet answered: a slot
        # is taken before a hold is journaled and given back once its answer is applied and
        # reported. Journaling one answer overlaps the next exchange.
        slots = threading.Semaphore(width * 2)
        run.network = threading.Semaphore(width)

        def send(capture: Capture) -> None:
            # from its journaling to its answer the poller leaves the payment to this run
            self.in_flight.add(capture.payment)
            try:
                item = self._send(capture, manager, gate, wait, run)
            except Exception:  # one hold's failure must not end the run
                log.exception("batch capture of payment %s failed", capture.payment)
                item = ItemResult(capture.payment, ItemOutcome.PENDING)
            finally:
                self.in_flight.discard(capture.payment)
            run.finished(item)
            slots.release()

        resumed = [i for i in found.items if i.capture_request_id is not None]
        untouched = [i.payment for i in found.items if i.capture_request_id is None]
        with ThreadPoolExecutor(max_workers=width * 2, thread_name_prefix="posapp-batch") as pool:
            for item in resumed:  # journaled by an earlier run: same ids, no new approval
                slots.acquire()
                capture = self.repo.get_capture(item.capture_request_id or "")
                if capture is None:  # cannot happen: journaled in the id's transaction
                    run.finished(ItemResult(item.payment, ItemOutcome.REFUSED))
                    slots.release()
                    continue
                pool.submit(send, capture)
            while untouched and approval is not None and not stop.is_set():
                slots.acquire()
                taken = 1
                while taken < width and taken < len(untouched) and slots.acquire(blocking=False):
                    taken += 1
                if stop.is_set():
                    for _ in range(taken):
                        slots.release()
                    break
                chunk, untouched = untouched[:taken], untouched[taken:]
                # one journal transaction for the whole chunk: one disk sync, not one a hold
                for payment in chunk:
                    self.in_flight.add(payment)
                captures = self._journal_chunk(batch, chunk, approval, manager)
                for payment in chunk:
                    capture = captures.get(payment)
                    if capture is None:
                        self.in_flight.discard(payment)
                        run.finished(ItemResult(payment, ItemOutcome.REFUSED, 0, "NOT_HELD"))
                        slots.release()
                    else:
                        pool.submit(send, capture)
        for payment in untouched:
            run.finished(ItemResult(payment, ItemOutcome.SKIPPED))
        results = sorted(run.results, key=lambda r: r.payment)
        skipped = any(r.outcome is ItemOutcome.SKIPPED for r in results)
        if not skipped:
            self.store.finish_batch(batch, "FINISHED", self.clock.now())
        elif stop.is_set():
            self.store.finish_batch(batch, "CANCELLED", self.clock.now())
        return BatchReport(batch, tuple(results), skipped, run.limited)

    def _journal_chunk(
        self, batch: int, payments: Sequence[int], approval: Approval, manager: str
    ) -> dict[int, Capture]:
        """For each payment still held: the approval (MAC'd), the capture intent (payment ->
        CAPTURE_PENDING), the item's id and the request about to leave, all in one
        transaction. Payments no longer held (captured, cancelled, lapsed meanwhile) are left
        out."""
        captures: dict[int, Capture] = {}
        with self.repo.transaction():
            for payment in payments:
                capture = self._journal_intent(batch, payment, approval, manager)
                if capture is not None:
                    captures[payment] = capture
        return captures

    def _journal_intent(
        self, batch: int, payment: int, approval: Approval, manager: str
    ) -> Capture | None:
        p = self.repo.get_payment(payment)
        if p is None or not p.payment_id:
            return None
        request_id = new_request_id("CAP")
        try:
            self.pins.consume(approval)
        except PinError:
            return None
        try:
            with self.repo.transaction():
                self.repo.record_approval(
                    "capture",
                    p,
                    request_id,
                    p.amount,
                    manager=approval.manager,
                    terminal_id=self.terminal_id,
                    approved_at=approval.granted_at,
                )
                capture = self.repo.record_capture_intent(
                    p.id, request_id, operator=manager, terminal_id=self.terminal_id
                )
                self.store.assign(batch, p.id, request_id)
                self.settler.journal_request(
                    Api.CAPTURE,
                    CaptureRequest(request_id, p.payment_id, p.amount).to_body(),
                    payment=p.id,
                    request_id=request_id,
                    operator=manager,
                )
        except DomainError:
            return None
        return capture

    def _send(
        self,
        capture: Capture,
        manager: str,
        gate: Backoff,
        wait: Callable[[float], None],
        run: _Run,
    ) -> ItemResult:
        """Send one journaled capture until Antom answers for good (same id every time)."""
        sends = 0
        current = capture
        while True:
            if current.status.is_final and current.status is not OperationStatus.NOT_SENT:
                break
            if sends >= self.max_sends:
                break
            wait(gate.wait_needed())
            payment = self.repo.get_payment(current.payment)
            if payment is None or not payment.payment_id:
                break
            current = self._send_once(current, payment, manager, run.network, journaled=sends == 0)
            sends += 1
            if current.status is OperationStatus.SUCCEEDED:
                gate.succeeded()
                break
            if current.status is OperationStatus.FAILED:
                break
            if current.result_code not in RESEND_CODES:
                break  # e.g. CAPTURE_IN_PROCESS: Antom is on it; the poller follows it
            if current.result_code == RATE_LIMITED:
                run.rate_limited()
                wait(gate.limited())
        if current.status is OperationStatus.SUCCEEDED:
            return ItemResult(current.payment, ItemOutcome.CAPTURED, sends, current.result_code)
        if current.status in (OperationStatus.FAILED, OperationStatus.NOT_SENT):
            return ItemResult(current.payment, ItemOutcome.REFUSED, sends, current.result_code)
        if self.on_pending is not None:
            payment = self.repo.get_payment(current.payment)
            if payment is not None:
                self.on_pending(payment)
        return ItemResult(current.payment, ItemOutcome.PENDING, sends, current.result_code)

    def _send_once(
        self,
        capture: Capture,
        payment: Payment,
        manager: str,
        network: threading.Semaphore,
        *,
        journaled: bool,
    ) -> Capture:
        """One send. Its request was journaled with the intent (first send) or is journaled
        now (a resend); the answer is applied by the settler. Without a valid approval the
        settler refuses it, as for any capture."""
        settler = self.settler
        request_id = capture.capture_request_id
        if payment.payment_id is None or not settler.approved(
            "capture", payment, request_id, capture.amount
        ):
            return settler.send_capture(capture, payment, operator=manager)
        request = CaptureRequest(request_id, payment.payment_id, capture.amount)
        if not journaled or capture.status is not OperationStatus.INTENT:
            settler.journal_request(
                Api.CAPTURE,
                request.to_body(),
                payment=payment.id,
                request_id=request_id,
                operator=manager,
            )
        try:
            with network:
                response = settler.client.capture(request)
        except AntomError as exc:  # nothing verified came back: same id next time
            settler.journal_error(Api.CAPTURE, exc, payment=payment.id, request_id=request_id)
            return self.repo.get_capture(request_id) or capture
        self._apply(capture, response, manager)
        return self.repo.get_capture(request_id) or capture


@dataclass(slots=True)
class _Run:
    """A run's tally, shared by its workers: results, rate limits, progress in order."""

    total: int
    started: float
    batch: int
    progress: Callable[[BatchProgress], None] | None
    monotonic: Callable[[], float]
    results: list[ItemResult] = field(default_factory=list)
    limited: int = 0
    network: threading.Semaphore = field(default_factory=threading.Semaphore)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def rate_limited(self) -> None:
        with self._lock:
            self.limited += 1

    def finished(self, item: ItemResult) -> None:
        # under the lock: progress is reported one hold at a time, in order
        with self._lock:
            self.results.append(item)
            if self.progress is None:
                return
            done = len(self.results)
            elapsed = self.monotonic() - self.started
            left = elapsed / done * (self.total - done)
            self.progress(BatchProgress(self.batch, done, self.total, item, left, self.limited))
