"""Manager approvals: journaled MAC'd under the install's key, checked before every send.

An approval row says who approved which capture, cancel or refund (payment, request id,
amount) and when; its MAC under the journal key is what a sender checks at send time, so a
row added outside posapp (the sqlite3 shell) is never taken for an approval.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from posapp.core.domain import EventKind, Payment
from posapp.core.journal.access import JournalAccess
from posapp.core.journal.audit import JournalKey, canonical_json, same
from posapp.core.journal.chain import AuditChain, JournalKeyError
from posapp.core.journal.rows import to_ms
from posapp.core.money import Money
from posapp.core.usertext import UserText

APPROVAL_ACTIONS = ("capture", "cancel", "refund")


def approval_text(
    action: str,
    payment: Payment,
    request_id: str,
    amount: Money,
    manager: str,
    approved_ms: int,
) -> str:
    """What an approval's MAC covers: the action, the payment (local id, paymentRequestId
    and Antom's paymentId), the operation's request id and amount, who approved and when."""
    return canonical_json(
        [
            "posapp-approval-1",
            action,
            payment.id,
            payment.payment_request_id,
            payment.payment_id or "",
            request_id,
            amount.minor,
            amount.currency,
            manager,
            approved_ms,
        ]
    )


class Approvals:
    """Records a manager's approval and says whether a journaled one holds."""

    def __init__(self, access: JournalAccess, chain: AuditChain) -> None:
        self.access = access
        self.chain = chain

    def _require_key(self) -> JournalKey:
        if self.access.key is None:
            raise JournalKeyError(
                "no journal key: approvals cannot be recorded or checked",
                user_message=UserText(
                    "approval.no_key",
                    "Manager approvals need this install's journal key, which is not "
                    "available (is the system keyring unlocked?)",
                ),
            )
        return self.access.key

    def record_approval(
        self,
        action: str,
        payment: Payment,
        request_id: str,
        amount: Money,
        *,
        manager: str,
        terminal_id: str,
        approved_at: datetime,
    ) -> None:
        """Journal the manager approval of one capture / cancel / refund, MAC'd under the
        journal key (the approvals row) and in the audit chain (an APPROVAL event)."""
        if action not in APPROVAL_ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        key = self._require_key()
        approved_ms = to_ms(approved_at)
        mac = key.mac(approval_text(action, payment, request_id, amount, manager, approved_ms))
        with self.access.journal.write() as db:
            db.conn.execute(
                "INSERT INTO approvals (action, payment, request_id, amount_minor, currency, "
                "manager, approved_ms, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    action,
                    payment.id,
                    request_id,
                    amount.minor,
                    amount.currency,
                    manager,
                    approved_ms,
                    mac,
                ),
            )
            self.chain.append(
                db,
                EventKind.APPROVAL,
                operator=manager,
                terminal_id=terminal_id,
                payment=payment.id,
                api=action,
                request_id=request_id,
                detail={
                    "action": action,
                    "amount": amount.to_antom(),
                    "approved_at": approved_at.isoformat(),
                },
            )

    def approval_problem(
        self, action: str, payment: Payment, request_id: str, amount: Money
    ) -> str | None:
        """None when a journaled approval verifies under the key and names this action,
        payment, request id and amount; otherwise why not (for the SECURITY event)."""
        key = self.access.key
        if key is None:
            return "this install's journal key is not available"
        try:
            rows = self.access.read(
                "SELECT manager, approved_ms, mac FROM approvals "
                "WHERE payment = ? AND action = ? AND request_id = ?",
                (payment.id, action, request_id),
            )
        except sqlite3.OperationalError:
            rows = []
        if not rows:
            return "no manager approval is journaled for it"
        for row in rows:
            expected = key.mac(
                approval_text(
                    action,
                    payment,
                    request_id,
                    amount,
                    str(row["manager"]),
                    int(row["approved_ms"]),
                )
            )
            if same(expected, str(row["mac"])):
                return None
        return "its approval does not verify (forged, or for another payment, request or amount)"
