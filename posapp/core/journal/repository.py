"""The journal repository: one object over the journal's parts, for callers that want one.

Each part names one thing and is the only code that writes its SQL:

- ``payments.PaymentWrites``: the intent before the network, state changes, captures, refunds
- ``approvals.Approvals``: manager approvals, MAC'd under the install's journal key
- ``events.AuditLog``: requests, answers, notifications and notes; timelines, "what changed"
- ``chain.AuditChain``: appending linked audit rows, sealing, ``verify``
- ``lookups.PaymentLookups``: single payments, settlement work lists, duplicate checks
- ``order_list.OrderList``: the Orders screen's filters, keyset pages, held list, counts
- ``export``: the one export definition (columns) and the payments an export reads

``JournalRepository`` opens the journal (migrated, sealed under the key), records whose
journal it is, and hands out the parts' methods under the names callers have always used;
the parts are also reachable as attributes (``repo.orders``, ``repo.chain``...). All parts
share one ``JournalAccess``, so a clock or key set on the repository reaches every part.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from posapp.core.clock import Clock, SystemClock
from posapp.core.domain import EventKind, Payment
from posapp.core.journal.access import JournalAccess, Store
from posapp.core.journal.approvals import APPROVAL_ACTIONS as APPROVAL_ACTIONS
from posapp.core.journal.approvals import Approvals
from posapp.core.journal.approvals import approval_text as approval_text
from posapp.core.journal.audit import JournalKey
from posapp.core.journal.chain import AuditChain
from posapp.core.journal.chain import JournalKeyError as JournalKeyError
from posapp.core.journal.db import JournalOptions
from posapp.core.journal.errors import translating
from posapp.core.journal.events import AuditLog
from posapp.core.journal.export import payments_created
from posapp.core.journal.identity import JournalIdentity, JournalWrongEnvironment
from posapp.core.journal.location import (
    JournalLocation,
    PasswordLookup,
    open_store,
    parse_location,
)
from posapp.core.journal.lookups import DUPLICATE_CARD_WINDOW as DUPLICATE_CARD_WINDOW
from posapp.core.journal.lookups import PaymentLookups
from posapp.core.journal.order_list import DEFAULT_PAGE_SIZE as DEFAULT_PAGE_SIZE
from posapp.core.journal.order_list import MAX_PAGE_SIZE as MAX_PAGE_SIZE
from posapp.core.journal.order_list import Cursor as Cursor
from posapp.core.journal.order_list import HeldCursor as HeldCursor
from posapp.core.journal.order_list import OrderList
from posapp.core.journal.order_list import Page as Page
from posapp.core.journal.order_list import PageDirection as PageDirection
from posapp.core.journal.order_list import PageRequest as PageRequest
from posapp.core.journal.order_list import PaymentFilter as PaymentFilter
from posapp.core.journal.payments import PaymentNotFound as PaymentNotFound
from posapp.core.journal.payments import PaymentWrites
from posapp.core.journal.payments import StaleRecord as StaleRecord
from posapp.core.journal.rows import from_ms as from_ms
from posapp.core.journal.rows import to_ms as to_ms


class JournalRepository:
    """One open journal: its parts, and their methods under one name for the services."""

    def __init__(
        self, journal: Store, clock: Clock | None = None, key: JournalKey | None = None
    ) -> None:
        self.access = JournalAccess(journal, clock or SystemClock(), key)
        self.chain = AuditChain(self.access)
        self.log = AuditLog(self.access, self.chain)
        self.approvals = Approvals(self.access, self.chain)
        self.payments = PaymentWrites(self.access, self.chain)
        self.lookups = PaymentLookups(self.access)
        self.orders = OrderList(self.access)

        # the audit chain and verify
        self.seal = self.chain.seal
        self.is_sealed = self.chain.is_sealed
        self.verify = self.chain.verify
        # approvals
        self.record_approval = self.approvals.record_approval
        self.approval_problem = self.approvals.approval_problem
        # payments, captures, refunds
        self.record_intent = self.payments.record_intent
        self.transition = self.payments.transition
        self.record_capture_intent = self.payments.record_capture_intent
        self.update_capture = self.payments.update_capture
        self.record_refund_intent = self.payments.record_refund_intent
        self.update_refund = self.payments.update_refund
        # the audit log
        self.record_event = self.log.record_event
        self.record_request = self.log.record_request
        self.record_response = self.log.record_response
        self.record_notification = self.log.record_notification
        self.events_for_payment = self.log.events_for_payment
        self.events_of_kind_for_payment = self.log.events_of_kind_for_payment
        self.events = self.log.events
        self.payments_touched_since = self.log.payments_touched_since
        self.last_event_id = self.log.last_event_id
        # lookups for the services
        self.get_payment = self.lookups.get_payment
        self.payment_by_request_id = self.lookups.payment_by_request_id
        self.payment_by_payment_id = self.lookups.payment_by_payment_id
        self.get_capture = self.lookups.get_capture
        self.get_refund = self.lookups.get_refund
        self.captures_for = self.lookups.captures_for
        self.refunds_for = self.lookups.refunds_for
        self.payments_needing_settlement = self.lookups.payments_needing_settlement
        self.captures_needing_settlement = self.lookups.captures_needing_settlement
        self.refunds_needing_settlement = self.lookups.refunds_needing_settlement
        self.expired_holds = self.lookups.expired_holds
        self.successful_payments_for_order = self.lookups.successful_payments_for_order
        self.payments_for_order = self.lookups.payments_for_order
        self.duplicate_orders = self.lookups.duplicate_orders
        self.duplicate_flagged_orders = self.lookups.duplicate_flagged_orders
        self.recent_same_card = self.lookups.recent_same_card
        # the order list
        self.list_payments = self.orders.list_payments
        self.held_authorisations = self.orders.held_authorisations
        self.count_by_status = self.orders.count_by_status
        self.count_payments = self.orders.count_payments
        self.payments_at = self.orders.payments_at

    @classmethod
    def open(
        cls,
        path: Path | str | JournalLocation,
        *,
        clock: Clock | None = None,
        create: bool = True,
        read_only: bool = False,
        options: JournalOptions | None = None,
        key: JournalKey | None = None,
        password: PasswordLookup | None = None,
    ) -> JournalRepository:
        """Open (and migrate) the journal at ``path``: an SQLite file, or a ``postgresql://``
        URL (``location``; ``password`` looks its password up in the keyring); with ``key``, a plain chain is re-sealed under it
        once (see ``AuditChain.seal``) and a journal sealed under another key is refused.
        ``read_only``: for tools that only look (verify, export); nothing is written, and
        nothing is sealed."""
        location = path if isinstance(path, JournalLocation) else parse_location(path)
        store = open_store(
            location, create=create, read_only=read_only, options=options, password=password
        )
        repo = cls(store, clock, key)
        if key is not None and not read_only:
            try:
                repo.seal()
            except BaseException:
                repo.close()
                raise
        return repo

    # -- shared state ---------------------------------------------------------------------
    @property
    def journal(self) -> Store:
        return self.access.journal

    @property
    def clock(self) -> Clock:
        return self.access.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self.access.clock = clock

    @property
    def key(self) -> JournalKey | None:
        """The install's journal key: MACs the chain (once sealed) and the approvals."""
        return self.access.key

    def close(self) -> None:
        self.journal.close()

    @contextmanager
    def transaction(self) -> Iterator[JournalRepository]:
        """Group several writes into one atomic transaction (nests as savepoints)."""
        with self.journal.write():
            yield self

    def data_version(self) -> int:
        """Changes when another connection (window, process) commits: cheap refresh check."""
        return self.journal.data_version()

    def export_payments(
        self, *, created_from: datetime | None = None, created_to: datetime | None = None
    ) -> Iterator[Payment]:
        """Payments created in [from, to), oldest first, streamed (``export``)."""
        return payments_created(self.access, created_from=created_from, created_to=created_to)

    # -- whose journal this is ------------------------------------------------------------
    def identity(self) -> JournalIdentity | None:
        """The environment and client id recorded in the journal (None: not yet recorded,
        or a journal from before schema step 0004 opened without migrating)."""
        with translating(self.journal.path):
            db = self.journal.db()
            exists = db.conn.execute(
                self.journal.dialect.table_exists, ("journal_identity",)
            ).fetchone()
            if not exists:
                return None
            row = db.conn.execute(
                "SELECT environment, client_id FROM journal_identity WHERE id = 1"
            ).fetchone()
        return None if row is None else JournalIdentity(str(row[0]), str(row[1]))

    def check_identity(self, wanted: JournalIdentity) -> None:
        """JournalWrongEnvironment if the journal records another environment or client."""
        recorded = self.identity()
        if recorded is not None and not recorded.accepts(wanted):
            raise JournalWrongEnvironment(recorded, wanted, path=self.journal.path)

    def bind_identity(self, wanted: JournalIdentity, *, terminal_id: str) -> JournalIdentity:
        """Record ``wanted`` if the journal has no identity yet (a new journal, or one from
        before step 0004: adopted once, journaled); refuse a journal recorded as another."""
        with self.journal.write() as db:
            row = self.access.one(
                db, "SELECT environment, client_id FROM journal_identity WHERE id = 1"
            )
            if row is not None:
                recorded = JournalIdentity(row["environment"], row["client_id"])
                if not recorded.accepts(wanted):
                    raise JournalWrongEnvironment(recorded, wanted, path=self.journal.path)
                return recorded
            adopted = db.conn.execute("SELECT 1 FROM events LIMIT 1").fetchone() is not None
            now = self.access.now_ms()
            db.conn.execute(
                "INSERT INTO journal_identity (id, environment, client_id, recorded_ms, adopted) "
                "VALUES (1, ?, ?, ?, ?)",
                (wanted.environment, wanted.client_id, now, int(adopted)),
            )
            if adopted:  # a new journal's first event is its first payment's
                self.chain.append(
                    db,
                    EventKind.NOTE,
                    operator="system",
                    terminal_id=terminal_id,
                    detail={
                        "note": "journal adopted by this environment",
                        "environment": wanted.environment,
                        "client_id": wanted.client_id,
                    },
                    at_ms=now,
                )
            return wanted
