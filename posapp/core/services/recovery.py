"""Recovery at start-up: everything not final is asked about again before the till opens.

- An INTENT may never have left (the till died between journaling and sending): it is
  inquired by its paymentRequestId; if Antom does not know it AND its expiry (plus a
  margin) has passed, it becomes NOT_SENT; before that it stays open and is asked about
  again (the request may still arrive). It is NOT re-sent: the card data is gone, and a
  new attempt is the cashier's decision.
- PENDING / NEEDS_3DS payments are inquired and moved to what Antom says.
- CAPTURE_PENDING / CANCEL_PENDING: the capture (same captureRequestId) or the cancel is
  re-sent when Antom never saw it; both are idempotent.
- Refunds not final: inquiryRefund; re-sent under the same refundRequestId if unknown.
- NOT_SENT payments of the last hour are asked once more: should a request have arrived
  after all, the payment takes the state Antom gives it.
- Holds past their 7-day window become RELEASED.

Antom being unreachable is not an error here: what cannot be settled now stays as it is and
the poller keeps trying.

Several tills on one journal: each payment is recovered under its lease (``journal.leases``);
one that another till holds is being settled there right now, and is left to it (counted in
``leased_elsewhere``; this till's poller asks about it once it is free).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from posapp.core.clock import Clock
from posapp.core.domain import EventKind, Payment, PaymentStatus
from posapp.core.journal.leases import Leases, leases_for
from posapp.core.journal.repository import (
    MAX_PAGE_SIZE,
    JournalRepository,
    PageRequest,
    PaymentFilter,
)
from posapp.core.services.checkout import InFlight
from posapp.core.services.settle import SYSTEM, Observation, Settler

log = logging.getLogger(__name__)

# NOT_SENT payments this recent are asked about once more at each start (cheap insurance).
RECHECK_NOT_SENT = timedelta(hours=1)


@dataclass(slots=True)
class RecoveryReport:
    checked: int = 0
    changed: list[Observation] = field(default_factory=list)
    unresolved: int = 0  # still unknown (Antom unreachable or still processing)
    refunds_checked: int = 0
    released: int = 0
    leased_elsewhere: int = 0  # being settled by another till: left to it

    def summary(self) -> str:
        return (
            f"recovery: {self.checked} payments checked, {len(self.changed)} updated, "
            f"{self.unresolved} still open, {self.refunds_checked} refunds checked, "
            f"{self.released} holds released"
        )


class Recovery:
    def __init__(
        self,
        repo: JournalRepository,
        settler: Settler,
        clock: Clock,
        *,
        recheck_not_sent: timedelta = RECHECK_NOT_SENT,
        in_flight: InFlight | None = None,
        leases: Leases | None = None,
    ) -> None:
        self.repo = repo
        self.settler = settler
        self.clock = clock
        self.recheck_not_sent = recheck_not_sent
        # recovery runs in the background while the till already takes payments: what this
        # till has on the wire, or started after recovery began, is not a crash's leftover
        self.in_flight = in_flight or InFlight()
        self.leases = leases if leases is not None else leases_for(repo.journal)

    def run(self, progress: Callable[[int, int], None] | None = None) -> RecoveryReport:
        report = RecoveryReport()
        now = self.clock.now()
        work = [
            p
            for p in self.repo.payments_needing_settlement()
            if p.created_at <= now and not self.in_flight.holds(p)
        ]
        recent_not_sent = self._recent_not_sent(now - self.recheck_not_sent)
        total = len(work) + len(recent_not_sent)
        done = 0
        for payment in [*work, *recent_not_sent]:
            if self.in_flight.holds(payment):
                continue
            if not self.leases.try_acquire(payment.id):
                report.leased_elsewhere += 1
                continue
            try:
                # read under the lease: another till may have settled it a moment ago
                current = self.repo.get_payment(payment.id) or payment
                if self.in_flight.holds(current):
                    continue
                seen = self.settler.settle_payment(current, not_found_means_not_sent=True)
            except Exception:
                log.exception("recovery of %s failed", payment.payment_request_id)
                seen = Observation(payment, payment.status, "error")
            finally:
                self.leases.release(payment.id)
            report.checked += 1
            if seen.changed:
                report.changed.append(seen)
            if seen.payment.status.needs_settlement:
                report.unresolved += 1
            done += 1
            if progress is not None:
                progress(done, total)
        for refund in self.repo.refunds_needing_settlement():
            if refund.payment in self.in_flight or refund.created_at > now:
                continue
            if not self.leases.try_acquire(refund.payment):
                report.leased_elsewhere += 1
                continue
            try:
                latest = self.repo.get_refund(refund.refund_request_id) or refund
                if not latest.status.is_final:
                    self.settler.settle_refund(latest)
            except Exception:
                log.exception("recovery of refund %s failed", refund.refund_request_id)
            finally:
                self.leases.release(refund.payment)
            report.refunds_checked += 1
        try:
            report.released = len(self.settler.release_expired_holds())
        except Exception:
            log.exception("releasing expired holds failed")
        self.repo.record_event(
            EventKind.NOTE,
            operator=SYSTEM,
            terminal_id=self.settler.terminal_id,
            detail={"note": report.summary()},
        )
        log.info("%s", report.summary())
        return report

    def _recent_not_sent(self, since: datetime) -> list[Payment]:
        found: list[Payment] = []
        request: PageRequest | None = PageRequest(size=MAX_PAGE_SIZE)
        query = PaymentFilter(statuses=frozenset({PaymentStatus.NOT_SENT}), created_from=since)
        while request is not None:
            page = self.repo.list_payments(query, request)
            found.extend(p for p in page.rows if p.status is PaymentStatus.NOT_SENT)
            request = page.older()
        return found
