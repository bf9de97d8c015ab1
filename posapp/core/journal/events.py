"""The audit log as the services and screens use it: what was sent to Antom and what came
back, notifications and notes on the way in; timelines and "what changed since" on the way
out. Every row goes through the chain (``chain.AuditChain.append``); ``detail`` is
sanitised there, so no card number or CVV reaches the log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from posapp.core.domain import Event, EventKind
from posapp.core.journal.access import JournalAccess
from posapp.core.journal.chain import AuditChain
from posapp.core.journal.rows import to_event


class AuditLog:
    """Records requests, answers, notifications and notes; reads events back."""

    def __init__(self, access: JournalAccess, chain: AuditChain) -> None:
        self.access = access
        self.chain = chain

    # -- writing --------------------------------------------------------------------------
    def record_event(
        self,
        kind: EventKind,
        *,
        operator: str,
        terminal_id: str,
        payment: int | None = None,
        api: str | None = None,
        request_id: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> Event:
        """Append any audit event (approvals, security events, notes). ``detail`` is sanitised."""
        with self.access.journal.write() as db:
            return self.chain.append(
                db,
                kind,
                operator=operator,
                terminal_id=terminal_id,
                payment=payment,
                api=api,
                request_id=request_id,
                detail=detail,
            )

    def record_request(
        self,
        api: str,
        body: Mapping[str, Any],
        *,
        operator: str,
        terminal_id: str,
        request_id: str | None = None,
        payment: int | None = None,
    ) -> Event:
        """Journal a request about to be sent to Antom (card number and CVV stripped)."""
        return self.record_event(
            EventKind.REQUEST_SENT,
            operator=operator,
            terminal_id=terminal_id,
            payment=payment,
            api=api,
            request_id=request_id,
            detail={"body": body},
        )

    def record_response(
        self,
        api: str,
        body: Mapping[str, Any] | None,
        *,
        operator: str,
        terminal_id: str,
        request_id: str | None = None,
        payment: int | None = None,
        http_status: int | None = None,
        outcome: str | None = None,
        error: str | Mapping[str, Any] | None = None,
    ) -> Event:
        """Journal an answer from Antom, or the lack of one (``error``: timeout, reset...;
        a ``to_record`` message when it has words for people)."""
        detail: dict[str, Any] = {"body": body}
        if http_status is not None:
            detail["http_status"] = http_status
        if outcome is not None:
            detail["outcome"] = outcome
        if error is not None:
            detail["error"] = error
        return self.record_event(
            EventKind.RESPONSE_RECEIVED,
            operator=operator,
            terminal_id=terminal_id,
            payment=payment,
            api=api,
            request_id=request_id,
            detail=detail,
        )

    def record_notification(
        self,
        api: str,
        body: Mapping[str, Any],
        *,
        verified: bool,
        operator: str,
        terminal_id: str,
        request_id: str | None = None,
        payment: int | None = None,
    ) -> Event:
        """Journal an incoming notification; an unverified one is a SECURITY event."""
        return self.record_event(
            EventKind.NOTIFICATION if verified else EventKind.SECURITY,
            operator=operator,
            terminal_id=terminal_id,
            payment=payment,
            api=api,
            request_id=request_id,
            detail={"body": body, "signature_ok": verified},
        )

    # -- reading --------------------------------------------------------------------------
    def events_for_payment(self, payment: int) -> list[Event]:
        rows = self.access.read("SELECT * FROM events WHERE payment = ? ORDER BY id", (payment,))
        return [to_event(r) for r in rows]

    def events_of_kind_for_payment(self, payment: int, kind: EventKind) -> list[Event]:
        """One payment's audit rows of one kind, oldest first."""
        rows = self.access.read(
            "SELECT * FROM events WHERE payment = ? AND kind = ? ORDER BY id",
            (payment, kind.value),
        )
        return [to_event(r) for r in rows]

    def events(self, *, after_id: int = 0, limit: int = 1000) -> list[Event]:
        rows = self.access.read(
            "SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?", (after_id, int(limit))
        )
        return [to_event(r) for r in rows]

    def payments_touched_since(self, after_id: int, limit: int = 5000) -> tuple[list[int], int]:
        """Local ids of the payments that audit events after ``after_id`` are about, and the
        last event id read: a cheap "what changed" for a live view (no detail parsing)."""
        rows = self.access.read(
            "SELECT id, payment FROM events WHERE id > ? ORDER BY id LIMIT ?",
            (int(after_id), int(limit)),
        )
        ids = list(dict.fromkeys(int(r["payment"]) for r in rows if r["payment"] is not None))
        return ids, (int(rows[-1]["id"]) if rows else int(after_id))

    def last_event_id(self) -> int:
        """The newest audit event's id (0 when empty): where a live view starts following."""
        rows = self.access.read("SELECT max(id) AS n FROM events")
        return int(rows[0]["n"] or 0) if rows else 0
