"""Payment writes: the intent before the network, every state change, captures and refunds.

Each write is one ``BEGIN IMMEDIATE`` transaction (``Journal.write``), so two processes on
one journal see each other's changes whole and never interleave a read-check-write. Every
state change goes through the state machine in ``posapp.core.domain`` and appends its audit
row (``chain.AuditChain.append``) in the same transaction.

Derived facts kept here, in the same transaction as their cause:
- a capture that succeeds sets the payment's captured amount and moves it to CAPTURED;
  one that fails (or was never sent) puts a CAPTURE_PENDING payment back to AUTHORISED;
- a refund that succeeds adds to the refunded total and moves the payment to
  PARTIALLY_REFUNDED or REFUNDED;
- entering CAPTURED with nothing recorded as captured (automatic capture, notifications)
  records the full amount as captured.

Whether a capture or refund may be asked for at all is ``posapp.core.rules``' to say (the
same rule the buttons use); it is checked here again inside the write transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from posapp.core.domain import (
    Capture,
    DomainError,
    EventKind,
    NewPayment,
    OperationStatus,
    OperationUpdate,
    Payment,
    PaymentStatus,
    PaymentUpdate,
    Refund,
    capture_deadline,
)
from posapp.core.journal import replay
from posapp.core.journal.access import Db, JournalAccess
from posapp.core.journal.chain import AuditChain
from posapp.core.journal.rows import Row, opt_ms, to_capture, to_ms, to_payment, to_refund
from posapp.core.money import Money
from posapp.core.rules import capture_refusal, pending_refunds, refund_refusal
from posapp.core.usertext import UserText, to_record

REFUNDS_OF_PAYMENT = "SELECT * FROM refunds WHERE payment = ? ORDER BY id"

_PAYMENT_UPDATE_COLUMNS = (
    ("payment_id", "payment_id"),
    ("result_code", "result_code"),
    ("result_status", "result_status"),
    ("result_message", "result_message"),
    ("avs_result", "avs_result"),
    ("cvv_result", "cvv_result"),
    ("network_transaction_id", "network_transaction_id"),
    ("auth_code", "auth_code"),
    ("three_ds_url", "three_ds_url"),
)


class PaymentNotFound(DomainError, LookupError):
    """No payment (capture, refund) with that id in the journal."""


class StaleRecord(DomainError):
    """The row changed since the caller read it (another window acted first)."""


class PaymentWrites:
    """Journals payments, captures and refunds and moves them through their states."""

    def __init__(self, access: JournalAccess, chain: AuditChain) -> None:
        self.access = access
        self.chain = chain

    # -- payments -------------------------------------------------------------------------
    def record_intent(self, new: NewPayment) -> Payment:
        """Journal a payment as INTENT, before the pay request may leave.

        A reused paymentRequestId is a bug in the caller and raises sqlite3.IntegrityError.
        """
        new.amount.check_antom()
        if new.amount.minor <= 0:
            raise DomainError(
                "amount must be above zero",
                user_message=UserText("journal.amount_not_positive", "Enter an amount above zero"),
            )
        now = self.access.now_ms()
        first_row = {
            "reference_order_id": new.reference_order_id,
            "amount_minor": new.amount.minor,
            "currency": new.amount.currency,
            "capture_mode": new.capture_mode.value,
            "card_brand": new.card.brand,
            "card_bin6": new.card.bin6[:6],
            "card_last4": new.card.last4[-4:],
            "card_fingerprint": new.card_fingerprint,
            "order_description": new.order_description,
            "expires_ms": opt_ms(new.expires_at),
        }
        with self.access.journal.write() as db:
            cur = db.conn.execute(
                "INSERT INTO payments (payment_request_id, reference_order_id, amount_minor, "
                "currency, capture_mode, card_brand, card_bin6, card_last4, card_fingerprint, "
                "status, order_description, expires_ms, operator, terminal_id, created_ms, "
                "updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    new.payment_request_id,
                    new.reference_order_id,
                    new.amount.minor,
                    new.amount.currency,
                    new.capture_mode.value,
                    new.card.brand,
                    new.card.bin6[:6],
                    new.card.last4[-4:],
                    new.card_fingerprint,
                    PaymentStatus.INTENT.value,
                    new.order_description,
                    opt_ms(new.expires_at),
                    new.operator,
                    new.terminal_id,
                    now,
                    now,
                ),
            )
            local_id = int(cur.fetchone()[0])
            self.chain.append(
                db,
                EventKind.STATE_CHANGE,
                operator=new.operator,
                terminal_id=new.terminal_id,
                payment=local_id,
                api="pay",
                request_id=new.payment_request_id,
                to_status=PaymentStatus.INTENT.value,
                detail={
                    "reference_order_id": new.reference_order_id,
                    "amount": new.amount.to_antom(),
                    "capture_mode": new.capture_mode.value,
                    "card": {"brand": new.card.brand, "last4": new.card.last4},
                    "format": replay.ROW_FORMAT,
                    "row": replay.payment_row_image(first_row),
                },
                at_ms=now,
            )
            return self._payment_in(db, local_id)

    def transition(
        self,
        payment: int,
        status: PaymentStatus,
        *,
        operator: str,
        terminal_id: str,
        update: PaymentUpdate | None = None,
        reason: str = "",
        expected_version: int | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> Payment:
        """Move a payment to ``status`` (state machine checked) and apply ``update``.

        Staying in the same state with new facts is allowed and journaled; staying in the
        same state with nothing new writes nothing. Raises IllegalTransition, StaleRecord
        (``expected_version`` given and the row moved on) or PaymentNotFound.
        """
        with self.access.journal.write() as db:
            return self._transition_in(
                db,
                payment,
                status,
                operator=operator,
                terminal_id=terminal_id,
                update=update or PaymentUpdate(),
                reason=reason,
                expected_version=expected_version,
                detail=detail,
            )

    def _transition_in(
        self,
        db: Db,
        payment: int,
        status: PaymentStatus,
        *,
        operator: str,
        terminal_id: str,
        update: PaymentUpdate,
        reason: str = "",
        expected_version: int | None = None,
        detail: Mapping[str, Any] | None = None,
        derived: Mapping[str, int] | None = None,
    ) -> Payment:
        row = self.access.one(db, "SELECT * FROM payments WHERE id = ?", (payment,))
        if row is None:
            raise PaymentNotFound(f"no payment with local id {payment}")
        current = PaymentStatus(row["status"])
        if expected_version is not None and row["version"] != expected_version:
            raise StaleRecord(
                f"payment {payment} is at version {row['version']}, not {expected_version}",
                user_message=UserText(
                    "journal.changed_elsewhere",
                    "This payment changed in another window; refresh and try again.",
                ),
            )
        current.check_transition(status)
        changes: dict[str, Any] = {}
        for attr, column in _PAYMENT_UPDATE_COLUMNS:
            value = getattr(update, attr)
            if value is not None and value != row[column]:
                changes[column] = value
        if update.card is not None:
            for column, value in (
                ("card_brand", update.card.brand),
                ("card_bin6", update.card.bin6[:6]),
                ("card_last4", update.card.last4[-4:]),
            ):
                if value and value != row[column]:
                    changes[column] = value
        if update.authorised_at is not None:
            auth_ms = to_ms(update.authorised_at)
            deadline = update.auth_expiry or capture_deadline(update.authorised_at)
            if auth_ms != row["authorised_ms"]:
                changes["authorised_ms"] = auth_ms
            if to_ms(deadline) != row["capture_deadline_ms"]:
                changes["capture_deadline_ms"] = to_ms(deadline)
        elif (
            update.auth_expiry is not None
            and to_ms(update.auth_expiry) != row["capture_deadline_ms"]
        ):
            changes["capture_deadline_ms"] = to_ms(update.auth_expiry)
        if update.expires_at is not None and to_ms(update.expires_at) != row["expires_ms"]:
            changes["expires_ms"] = to_ms(update.expires_at)
        for column, value in (derived or {}).items():
            if value != row[column]:
                changes[column] = value  # captured / refunded totals, journaled with the change
        if (
            status is PaymentStatus.CAPTURED
            and not row["captured_minor"]
            and "captured_minor" not in changes
        ):
            changes["captured_minor"] = row["amount_minor"]
        if status is not current:
            changes["status"] = status.value
        if not changes:
            return to_payment(row)
        now = self.access.now_ms()
        assignments = ", ".join(f"{column} = ?" for column in changes)
        db.conn.execute(
            f"UPDATE payments SET {assignments}, updated_ms = ?, version = version + 1 "  # noqa: S608 - column names are ours
            "WHERE id = ?",
            [*changes.values(), now, payment],
        )
        info: dict[str, Any] = {k: v for k, v in changes.items() if k != "status"}
        payload: dict[str, Any] = {"changes": info}
        if reason:
            # a message as data (id + values + its English), so that no screen parses it
            payload["reason"] = to_record(reason) if isinstance(reason, UserText) else reason
        if detail:
            payload["detail"] = dict(detail)
        self.chain.append(
            db,
            EventKind.STATE_CHANGE,
            operator=operator,
            terminal_id=terminal_id,
            payment=payment,
            request_id=row["payment_request_id"],
            from_status=current.value,
            to_status=status.value,
            detail=payload,
            at_ms=now,
        )
        return self._payment_in(db, payment)

    # -- captures -------------------------------------------------------------------------
    def record_capture_intent(
        self,
        payment: int,
        capture_request_id: str,
        *,
        operator: str,
        terminal_id: str,
        amount: Money | None = None,
    ) -> Capture:
        """Journal a capture (full amount) before sending it; the payment -> CAPTURE_PENDING.

        Raises DomainError (with a user message) when the payment is not held or its
        7-day window has passed.
        """
        now = self.access.clock.now()
        with self.access.journal.write() as db:
            row = self._payment_row(db, payment)
            pay = to_payment(row)
            amount = amount or pay.amount
            refusal = capture_refusal(pay, now)
            if refusal is not None:
                raise DomainError(
                    f"payment {payment} is {pay.status.value}"
                    f"{'' if pay.status is PaymentStatus.AUTHORISED else ', not AUTHORISED'}: "
                    f"{refusal}",
                    user_message=refusal,
                )
            if amount != pay.amount:
                raise DomainError(
                    "only full captures are supported",
                    user_message=UserText(
                        "journal.capture_full",
                        "Capture the full amount ({amount}).",
                        amount=str(pay.amount),
                    ),
                )
            new_id = self._insert_operation(
                db,
                "capture",
                payment,
                capture_request_id,
                amount,
                operator=operator,
                terminal_id=terminal_id,
                at_ms=to_ms(now),
            )
            self._transition_in(
                db,
                payment,
                PaymentStatus.CAPTURE_PENDING,
                operator=operator,
                terminal_id=terminal_id,
                update=PaymentUpdate(),
                reason=f"capture {capture_request_id} requested",
            )
            return self._capture_in(db, "id = ?", new_id)

    def update_capture(
        self,
        capture_request_id: str,
        status: OperationStatus,
        *,
        operator: str,
        terminal_id: str,
        update: OperationUpdate | None = None,
    ) -> Capture:
        """Record a capture's outcome; the payment follows (CAPTURED, or back to AUTHORISED)."""
        update = update or OperationUpdate()
        with self.access.journal.write() as db:
            before = self._capture_in(db, "capture_request_id = ?", capture_request_id)
            changed = self._update_operation(
                db,
                "captures",
                "capture_id",
                before.id,
                before.status,
                status,
                update,
                payment=before.payment,
                request_id=capture_request_id,
                operator=operator,
                terminal_id=terminal_id,
            )
            after = self._capture_in(db, "id = ?", before.id)
            if changed and status is not before.status:
                pay = to_payment(self._payment_row(db, before.payment))
                if status is OperationStatus.SUCCEEDED:
                    self._transition_in(
                        db,
                        before.payment,
                        PaymentStatus.CAPTURED
                        if pay.status.can_become(PaymentStatus.CAPTURED)
                        else pay.status,
                        operator=operator,
                        terminal_id=terminal_id,
                        update=PaymentUpdate(),
                        reason=f"capture {capture_request_id} succeeded",
                        derived={"captured_minor": before.amount.minor},
                    )
                elif (
                    status in (OperationStatus.FAILED, OperationStatus.NOT_SENT)
                    and pay.status is PaymentStatus.CAPTURE_PENDING
                ):
                    self._transition_in(
                        db,
                        before.payment,
                        PaymentStatus.AUTHORISED,
                        operator=operator,
                        terminal_id=terminal_id,
                        update=PaymentUpdate(),
                        reason=f"capture {capture_request_id} {status.value.lower()}",
                    )
            return after

    # -- refunds --------------------------------------------------------------------------
    def record_refund_intent(
        self,
        payment: int,
        refund_request_id: str,
        amount: Money,
        *,
        operator: str,
        terminal_id: str,
        reason: str = "",
    ) -> Refund:
        """Journal a refund before sending it.

        Raises DomainError (with a user message) unless the payment is captured and
        ``amount`` fits in what is left (captured - refunded - refunds still pending).
        """
        now_ms = self.access.now_ms()
        with self.access.journal.write() as db:
            pay = to_payment(self._payment_row(db, payment))
            refunds = [to_refund(r) for r in self.access.rows(db, REFUNDS_OF_PAYMENT, (payment,))]
            refusal = refund_refusal(pay, amount, pending=pending_refunds(refunds))
            if refusal is not None:
                raise DomainError(
                    f"payment {payment} is {pay.status.value}: not refundable as asked "
                    f"({amount}): {refusal}",
                    user_message=refusal,
                )
            new_id = self._insert_operation(
                db,
                "refund",
                payment,
                refund_request_id,
                amount,
                operator=operator,
                terminal_id=terminal_id,
                at_ms=now_ms,
                reason=reason,
            )
            return self._refund_in(db, "id = ?", new_id)

    def update_refund(
        self,
        refund_request_id: str,
        status: OperationStatus,
        *,
        operator: str,
        terminal_id: str,
        update: OperationUpdate | None = None,
    ) -> Refund:
        """Record a refund's outcome; a success adds to the payment's refunded total."""
        update = update or OperationUpdate()
        with self.access.journal.write() as db:
            before = self._refund_in(db, "refund_request_id = ?", refund_request_id)
            changed = self._update_operation(
                db,
                "refunds",
                "refund_id",
                before.id,
                before.status,
                status,
                update,
                payment=before.payment,
                request_id=refund_request_id,
                operator=operator,
                terminal_id=terminal_id,
            )
            if changed and status is OperationStatus.SUCCEEDED and before.status is not status:
                row = self._payment_row(db, before.payment)
                refunded = int(row["refunded_minor"]) + before.amount.minor
                current = PaymentStatus(row["status"])
                target = (
                    PaymentStatus.REFUNDED
                    if refunded >= int(row["captured_minor"] or row["amount_minor"])
                    else PaymentStatus.PARTIALLY_REFUNDED
                )
                self._transition_in(
                    db,
                    before.payment,
                    target if current.can_become(target) else current,
                    operator=operator,
                    terminal_id=terminal_id,
                    update=PaymentUpdate(),
                    reason=f"refund {refund_request_id} succeeded",
                    derived={"refunded_minor": refunded},
                )
            return self._refund_in(db, "id = ?", before.id)

    def _insert_operation(
        self,
        db: Db,
        kind: str,
        payment: int,
        request_id: str,
        amount: Money,
        *,
        operator: str,
        terminal_id: str,
        at_ms: int,
        reason: str | None = None,
    ) -> int:
        """Journal a capture or refund (``kind``) as INTENT, with its audit event; its id."""
        row: dict[str, Any] = {
            "payment": payment,
            f"{kind}_request_id": request_id,
            "amount_minor": amount.minor,
            "currency": amount.currency,
            "status": OperationStatus.INTENT.value,
        }
        detail: dict[str, Any] = {"operation": kind, "amount": amount.to_antom()}
        if reason is not None:
            row["reason"] = detail["reason"] = reason
        row.update(operator=operator, terminal_id=terminal_id, created_ms=at_ms, updated_ms=at_ms)
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        cur = db.conn.execute(
            f"INSERT INTO {kind}s ({names}) VALUES ({marks}) RETURNING id",  # noqa: S608 - names are ours
            list(row.values()),
        )
        self.chain.append(
            db,
            EventKind.STATE_CHANGE,
            operator=operator,
            terminal_id=terminal_id,
            payment=payment,
            api=kind,
            request_id=request_id,
            to_status=OperationStatus.INTENT.value,
            detail=detail,
            at_ms=at_ms,
        )
        return int(cur.fetchone()[0])

    def _update_operation(
        self,
        db: Db,
        table: str,
        antom_column: str,
        op_id: int,
        current: OperationStatus,
        status: OperationStatus,
        update: OperationUpdate,
        *,
        payment: int,
        request_id: str,
        operator: str,
        terminal_id: str,
    ) -> bool:
        current.check_transition(status)
        row = self.access.one(db, f"SELECT * FROM {table} WHERE id = ?", (op_id,))  # noqa: S608 - table is ours
        assert row is not None
        changes: dict[str, Any] = {}
        for attr, column in (
            ("antom_id", antom_column),
            ("result_code", "result_code"),
            ("result_status", "result_status"),
            ("result_message", "result_message"),
        ):
            value = getattr(update, attr)
            if value is not None and value != row[column]:
                changes[column] = value
        if status is not current:
            changes["status"] = status.value
            if status.is_final and row["completed_ms"] is None:
                changes["completed_ms"] = opt_ms(update.completed_at) or self.access.now_ms()
        if not changes:
            return False
        now = self.access.now_ms()
        assignments = ", ".join(f"{column} = ?" for column in changes)
        db.conn.execute(
            f"UPDATE {table} SET {assignments}, updated_ms = ? WHERE id = ?",  # noqa: S608 - names are ours
            [*changes.values(), now, op_id],
        )
        self.chain.append(
            db,
            EventKind.STATE_CHANGE,
            operator=operator,
            terminal_id=terminal_id,
            payment=payment,
            api="capture" if table == "captures" else "refund",
            request_id=request_id,
            from_status=current.value,
            to_status=status.value,
            detail={
                "operation": table[:-1],
                "changes": {k: v for k, v in changes.items() if k != "status"},
            },
            at_ms=now,
        )
        return True

    # -- rows inside a write -------------------------------------------------------------
    def _payment_row(self, db: Db, payment: int) -> Row:
        row = self.access.one(db, "SELECT * FROM payments WHERE id = ?", (payment,))
        if row is None:
            raise PaymentNotFound(f"no payment with local id {payment}")
        return row

    def _payment_in(self, db: Db, payment: int) -> Payment:
        return to_payment(self._payment_row(db, payment))

    def _operation_row(self, db: Db, kind: str, where: str, value: Any) -> Row:
        row = self.access.one(db, f"SELECT * FROM {kind}s WHERE {where}", (value,))  # noqa: S608 - names are ours
        if row is None:
            raise PaymentNotFound(f"no {kind} where {where} {value!r}")
        return row

    def _capture_in(self, db: Db, where: str, value: Any) -> Capture:
        return to_capture(self._operation_row(db, "capture", where, value))

    def _refund_in(self, db: Db, where: str, value: Any) -> Refund:
        return to_refund(self._operation_row(db, "refund", where, value))
