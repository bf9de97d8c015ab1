"""What the back-office screens need from the journal and the services, in one adapter.

``JournalOrderSource`` answers the order model's queries with the journal repository's
keyset pages (and a position query for scroll-bar jumps); ``OrdersBackend`` adds the
timeline, live following of changes, receipts and the manager-approved actions. Every method
here may block: views call them only through the TaskRunner.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from posapp.core.domain import CAPTURE_WINDOW, Event, Payment, PaymentStatus
from posapp.core.journal.repository import (
    MAX_PAGE_SIZE,
    Cursor,
    HeldCursor,
    JournalRepository,
    PageDirection,
    PageRequest,
    PaymentFilter,
    to_ms,
)
from posapp.core.money import Money
from posapp.core.rules import cancel_refusal, capture_refusal, refund_refusal
from posapp.core.services.backoffice import BackOfficeService, OperationResult
from posapp.core.services.duplicates import DuplicateOrder, DuplicateService
from posapp.core.services.pin import Approval
from posapp.ui.models import payment_fields as pf
from posapp.ui.models.card_options_text import options_text, pay_body
from posapp.ui.models.order_model import OrderQuery
from posapp.ui.models.receipt_data import ReceiptData

Progress = Callable[[str], None]

HELD_CACHE_SECONDS = 2.0
RELEASED_SHOWN = timedelta(hours=24)  # lapsed holds stay on the Held list this long, in red


def held_filter(query: OrderQuery) -> PaymentFilter:
    """The Held tab's conditions for the journal's held list (its statuses do not apply)."""
    return PaymentFilter(
        created_from=query.since,
        created_to=query.until,
        text=query.text.strip(),
        terminal=query.terminal,
    )


def to_filter(query: OrderQuery) -> PaymentFilter:
    return PaymentFilter(
        statuses=frozenset(query.statuses),
        created_from=query.since,
        created_to=query.until,
        text=query.text.strip(),
        terminal=query.terminal,
    )


class JournalOrderSource:
    """The order model's queries over the journal (thread-safe: one connection per thread).

    The Held list comes from the journal's held index (least time left first), with the holds
    that lapsed in the last day on top (shown red, so nobody wonders where they went). Its
    search, period and terminal are conditions of the journal's query (``held_sql``), so a
    page, a jump and a count stay index-bound however many holds are open; the few lapsed
    holds (a short, cached list) are filtered here with the same predicate and merged in.
    """

    def __init__(
        self,
        repo: JournalRepository,
        now: Callable[[], datetime] | None = None,
        duplicates: Callable[[], list[Payment]] | None = None,
    ) -> None:
        self.repo = repo
        self._now = now or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._released_cache: tuple[int, float, list[Payment]] | None = None
        # the successful payments of orders paid more than once (DuplicateService)
        self._duplicates = duplicates or (lambda: [])

    def _duplicate_rows(self, query: OrderQuery) -> list[Payment]:
        """The Duplicates list: a few rows (an anomaly), read whole and filtered here."""
        plain = OrderQuery(
            since=query.since, until=query.until, text=query.text, terminal=query.terminal
        )
        return [p for p in self._duplicates() if pf.matches(p, plain)]

    def _recently_released(self) -> list[Payment]:
        """Holds that lapsed within RELEASED_SHOWN, by deadline (a short, cached list)."""
        version, clock = self.repo.data_version(), time.monotonic()
        with self._lock:
            cached = self._released_cache
            if (
                cached is not None
                and cached[0] == version
                and clock - cached[1] < HELD_CACHE_SECONDS
            ):
                return cached[2]
        now = self._now()
        page = self.repo.list_payments(
            PaymentFilter(
                statuses=frozenset({PaymentStatus.RELEASED}),
                created_from=now - CAPTURE_WINDOW - RELEASED_SHOWN,
            ),
            PageRequest(PageDirection.FIRST, None, MAX_PAGE_SIZE),
        )
        rows = sorted(
            (
                p
                for p in page.rows
                if p.capture_deadline is not None and p.capture_deadline >= now - RELEASED_SHOWN
            ),
            key=held_order,
        )
        with self._lock:
            self._released_cache = (version, clock, rows)
        return rows

    @staticmethod
    def _plain_held(query: OrderQuery) -> bool:
        return (
            not query.text.strip()
            and query.since is None
            and query.until is None
            and not query.terminal
        )

    def _lapsed(self, query: OrderQuery) -> list[Payment]:
        """The recently lapsed holds that the Held list shows with ``query`` (few: filtered
        here with the journal's own predicate), by the list's key."""
        plain = OrderQuery(
            since=query.since, until=query.until, text=query.text, terminal=query.terminal
        )
        return [p for p in self._recently_released() if pf.matches(p, plain)]

    def count(self, query: OrderQuery) -> int:
        if query.duplicates:
            return len(self._duplicate_rows(query))
        if query.held:
            if self._plain_held(query):
                held = self.repo.count_by_status().get(PaymentStatus.AUTHORISED, 0)
                return held + len(self._recently_released())
            return self.repo.orders.count_held(held_filter(query)) + len(self._lapsed(query))
        return self.repo.count_payments(to_filter(query))

    def key_of(self, query: OrderQuery, payment: Payment) -> Cursor | HeldCursor:
        return held_cursor(payment) if query.held else Cursor.of(payment)

    def window(
        self,
        query: OrderQuery,
        *,
        offset: int,
        limit: int,
        total: int,
        after: Cursor | HeldCursor | None = None,
        before: Cursor | HeldCursor | None = None,
    ) -> list[Payment]:
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        if query.duplicates:
            return _rows_around(self._duplicate_rows(query), offset, limit, after, before)
        if query.held:
            return self._held_window(query, offset, limit, after, before)
        flt = to_filter(query)
        # the order list's own keys (a Held key left from another tab pages by position)
        if isinstance(after, Cursor):
            page = self.repo.list_payments(flt, PageRequest(PageDirection.OLDER, after, limit))
            return list(page.rows)
        if isinstance(before, Cursor):
            page = self.repo.list_payments(flt, PageRequest(PageDirection.NEWER, before, limit))
            return list(page.rows)
        if total and offset > total // 2:
            # Near the end: walk the index from the oldest row rather than skip most of it.
            from_oldest = total - offset - limit
            if from_oldest < 0:
                limit += from_oldest
                from_oldest = 0
            return self.repo.payments_at(flt, from_oldest, max(1, limit), from_oldest=True)
        return self.repo.payments_at(flt, offset, limit)

    def _held_window(
        self,
        query: OrderQuery,
        offset: int,
        limit: int,
        after: Cursor | HeldCursor | None,
        before: Cursor | HeldCursor | None,
    ) -> list[Payment]:
        """A window of the Held list: the journal's held rows (search, period and terminal
        in its SQL) merged with the few recently lapsed holds, by keyset or by position."""
        flt, lapsed = held_filter(query), self._lapsed(query)
        orders = self.repo.orders
        if isinstance(after, HeldCursor):
            held = orders.held_page(flt, limit=limit, after=after)
            key = (after.deadline_ms, after.id)
            later = [p for p in lapsed if held_order(p) > key]
            return sorted([*held, *later], key=held_order)[:limit]
        if isinstance(before, HeldCursor):
            held = orders.held_page(flt, limit=limit, before=before)
            end = (before.deadline_ms, before.id)
            earlier = [p for p in lapsed if held_order(p) < end]
            return sorted([*held, *earlier], key=held_order)[-limit:]
        if not lapsed:
            return orders.held_at(flt, offset, limit)
        # By position: the held rows from ``lapsed`` places before the wanted position on
        # (at most that many lapsed holds can come before it), merged with the lapsed holds
        # among them, counting the lapsed holds before the first one read.
        first = max(0, offset - len(lapsed))
        want = offset + limit - first
        held = orders.held_at(flt, first, min(want, MAX_PAGE_SIZE))
        while MAX_PAGE_SIZE <= len(held) < want:  # more than one page of the journal's
            more = orders.held_page(
                flt, limit=min(want - len(held), MAX_PAGE_SIZE), after=held_cursor(held[-1])
            )
            held += more
            if not more:
                break
        if not held:
            return lapsed[offset : offset + limit] if first == 0 else []
        low, high = held_order(held[0]), held_order(held[-1])
        ended = len(held) < want
        among = [
            p
            for p in lapsed
            if (first == 0 or held_order(p) > low) and (ended or held_order(p) < high)
        ]
        start = 0 if first == 0 else first + sum(1 for p in lapsed if held_order(p) < low)
        merged = sorted([*held, *among], key=held_order)
        return merged[offset - start : offset - start + limit]

    def get(self, key: int) -> Payment | None:
        return self.repo.get_payment(key)


def _rows_around(
    rows: list[Payment],
    offset: int,
    limit: int,
    after: Cursor | HeldCursor | None,
    before: Cursor | HeldCursor | None,
) -> list[Payment]:
    """A window of a list read whole: right after / before a key row, else by position."""
    keys = {p.id: i for i, p in enumerate(rows)}
    if after is not None and after.id in keys:
        start = keys[after.id] + 1
        return rows[start : start + limit]
    if before is not None and before.id in keys:
        end = keys[before.id]
        return rows[max(0, end - limit) : end]
    return rows[offset : offset + limit]


def held_cursor(payment: Payment) -> HeldCursor:
    return HeldCursor(*held_order(payment))


def held_order(payment: Payment) -> tuple[int, int]:
    """The Held list's sort key: capture deadline, then local id (the index's order)."""
    return to_ms(payment.capture_deadline or payment.created_at), payment.id


class OrdersBackend:
    """The journal reads and the service calls behind the Orders screen, built by the
    application's build function (``posapp.ui.application.build_main_window``).

    ``actions`` is the back-office service (capture / cancel / refund with manager approval;
    None: a read-only list), ``duplicates`` the service of orders paid more than once;
    ``merchant`` names the store on receipts.
    """

    def __init__(
        self,
        repo: JournalRepository,
        actions: BackOfficeService | None = None,
        *,
        merchant: str = "",
        now: Callable[[], datetime] | None = None,
        duplicates: DuplicateService | None = None,
    ) -> None:
        self.repo = repo
        self._now = now or (lambda: datetime.now(UTC))
        # DuplicateService: orders with more than one successful payment, and their undo
        self.duplicates = duplicates
        self.source = JournalOrderSource(
            repo, self._now, duplicates.open_payments if duplicates is not None else None
        )
        self.actions = actions
        self.merchant = merchant
        self._terminals_lock = threading.Lock()
        self._terminals: tuple[int, list[str]] | None = None

    def now(self) -> datetime:
        return self._now()

    # -- reads --------------------------------------------------------------------------
    def terminals(self) -> list[str]:
        """The terminals seen in the journal (the terminal filter's choices), read again
        only when the journal has changed since."""
        version = self.repo.data_version()
        with self._terminals_lock:
            if self._terminals is not None and self._terminals[0] == version:
                return list(self._terminals[1])
        found = self.repo.orders.terminals()
        with self._terminals_lock:
            self._terminals = (version, found)
        return list(found)

    def events(self, payment: Payment) -> list[Event]:
        return self.repo.events_for_payment(payment.id)

    def get(self, key: int) -> Payment | None:
        return self.repo.get_payment(key)

    def receipt(self, payment: Payment) -> ReceiptData:
        return ReceiptData(
            merchant=self.merchant or "posapp",
            time=pf.format_time(payment.authorised_at or payment.created_at),
            card=pf.card_text(payment),
            amount=pf.amount_text(payment),
            status=pf.status_label(payment),
            payment_id=pf.payment_id(payment),
            order_reference=payment.reference_order_id,
            terminal_id=payment.terminal_id,
            network_transaction_id=payment.network_transaction_id or "",
            avs_result=payment.avs_result or "",
            cvv_result=payment.cvv_result or "",
            auth_code=payment.auth_code or "",
            card_options=options_text(pay_body(self.repo.events_for_payment(payment.id))),
        )

    # -- actions (manager approved) -----------------------------------------------------
    # ``pin`` is the typed PIN (checked here, on the worker: scrypt is slow on purpose) or an
    # Approval already granted for several uses (a batch asks for the PIN once).
    def _service(self) -> BackOfficeService:
        if self.actions is None:
            raise RuntimeError("this order list was built without the back-office service")
        return self.actions

    def approve(self, pin: str, uses: int = 1) -> Approval:
        return self._service().approve(pin, uses=uses)

    def _approval(self, pin: str | Approval) -> Approval:
        return self._service().approve(pin) if isinstance(pin, str) else pin

    def capture(
        self, payment: Payment, pin: str | Approval, progress: Progress | None = None
    ) -> OperationResult:
        approval = self._approval(pin)
        return self._service().capture(payment, approval, progress=progress)

    def cancel(
        self, payment: Payment, pin: str | Approval, progress: Progress | None = None
    ) -> OperationResult:
        approval = self._approval(pin)
        return self._service().cancel(payment, approval, progress=progress)

    def refund(
        self,
        payment: Payment,
        amount: Money,
        reason: str,
        pin: str | Approval,
        progress: Progress | None = None,
    ) -> OperationResult:
        approval = self._approval(pin)
        return self._service().refund(payment, amount, approval, reason=reason, progress=progress)

    # -- duplicates (more than one successful payment for one order) ---------------------
    def duplicate_orders(self) -> dict[str, int]:
        """Orders that still have more than one successful payment, with how many."""
        counts: dict[str, int] = {}
        if self.duplicates is not None:
            for p in self.duplicates.open_payments():
                counts[p.reference_order_id] = counts.get(p.reference_order_id, 0) + 1
        return counts

    def duplicate_order(self, reference_order_id: str) -> DuplicateOrder | None:
        """The order's successful payments, or None if no longer doubled."""
        return None if self.duplicates is None else self.duplicates.order(reference_order_id)

    def undo_duplicate(
        self, payment: Payment, pin: str | Approval, progress: Progress | None = None
    ) -> OperationResult:
        """Cancel (held) or refund in full (captured) one payment of a doubled order."""
        if self.duplicates is None:
            raise RuntimeError("this order list was built without the duplicates service")
        approval = self._approval(pin)
        return self.duplicates.undo(payment, approval, progress=progress)


def can_capture(payment: Payment, now: datetime) -> bool:
    """The Capture button's rule: the service's own (``capture_refusal``)."""
    return capture_refusal(payment, now) is None


def can_cancel(payment: Payment) -> bool:
    """The Cancel button's rule: the service's own (``cancel_refusal``)."""
    return cancel_refusal(payment) is None


def can_refund(payment: Payment) -> bool:
    """The Refund button's rule: something is left to refund (``refund_refusal``); refunds
    still on their way are counted when the manager confirms."""
    return refund_refusal(payment) is None


def can_undo_duplicate(payment: Payment, duplicate_orders: frozenset[str] | set[str]) -> bool:
    """One payment of an order paid more than once, in a state the undo can give back."""
    return pf.is_duplicate(payment, duplicate_orders) and payment.status in (
        PaymentStatus.AUTHORISED,
        PaymentStatus.CAPTURED,
        PaymentStatus.PARTIALLY_REFUNDED,
    )
