"""Journal rows to domain objects, and times to the integer milliseconds rows store."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from posapp.core.cards import MaskedCard
from posapp.core.domain import (
    Capture,
    CaptureMode,
    Event,
    EventKind,
    OperationStatus,
    Payment,
    PaymentStatus,
    Refund,
)
from posapp.core.money import Money

Row = dict[str, Any]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def to_ms(moment: datetime) -> int:
    """Milliseconds since the epoch; naive datetimes are refused (they hide time zones)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware time")
    # integer arithmetic: a float round trip can move a time by 1 ms, and a keyset
    # cursor built from a row's time must find that very row again
    return (moment - _EPOCH) // _MS


def from_ms(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


def opt_ms(moment: datetime | None) -> int | None:
    return None if moment is None else to_ms(moment)


def opt_dt(ms: int | None) -> datetime | None:
    return None if ms is None else from_ms(ms)


def _money(minor: int | None, currency: str) -> Money | None:
    return None if not minor else Money(int(minor), currency)


def to_payment(row: Row) -> Payment:
    currency = row["currency"]
    return Payment(
        id=int(row["id"]),
        reference_order_id=row["reference_order_id"],
        payment_request_id=row["payment_request_id"],
        amount=Money(int(row["amount_minor"]), currency),
        capture_mode=CaptureMode(row["capture_mode"]),
        card=MaskedCard(row["card_brand"], row["card_bin6"], row["card_last4"]),
        status=PaymentStatus(row["status"]),
        created_at=from_ms(row["created_ms"]),
        updated_at=from_ms(row["updated_ms"]),
        operator=row["operator"],
        terminal_id=row["terminal_id"],
        payment_id=row["payment_id"],
        order_description=row["order_description"],
        card_fingerprint=row["card_fingerprint"],
        result_code=row["result_code"],
        result_status=row["result_status"],
        result_message=row["result_message"],
        avs_result=row["avs_result"],
        cvv_result=row["cvv_result"],
        network_transaction_id=row["network_transaction_id"],
        auth_code=row["auth_code"],
        three_ds_url=row["three_ds_url"],
        authorised_at=opt_dt(row["authorised_ms"]),
        capture_deadline=opt_dt(row["capture_deadline_ms"]),
        expires_at=opt_dt(row["expires_ms"]),
        captured_amount=_money(row["captured_minor"], currency),
        refunded_amount=_money(row["refunded_minor"], currency),
        version=int(row["version"]),
    )


def _operation_fields(row: Row) -> dict[str, Any]:
    """The columns a capture and a refund row share, as their dataclasses name them."""
    return {
        "id": int(row["id"]),
        "payment": int(row["payment"]),
        "amount": Money(int(row["amount_minor"]), row["currency"]),
        "status": OperationStatus(row["status"]),
        "created_at": from_ms(row["created_ms"]),
        "updated_at": from_ms(row["updated_ms"]),
        "operator": row["operator"],
        "terminal_id": row["terminal_id"],
        "result_code": row["result_code"],
        "result_status": row["result_status"],
        "result_message": row["result_message"],
        "completed_at": opt_dt(row["completed_ms"]),
    }


def to_capture(row: Row) -> Capture:
    return Capture(
        capture_request_id=row["capture_request_id"],
        capture_id=row["capture_id"],
        **_operation_fields(row),
    )


def to_refund(row: Row) -> Refund:
    return Refund(
        refund_request_id=row["refund_request_id"],
        reason=row["reason"],
        refund_id=row["refund_id"],
        **_operation_fields(row),
    )


def to_event(row: Mapping[str, Any]) -> Event:
    return Event(
        id=int(row["id"]),
        at=from_ms(row["at_ms"]),
        kind=EventKind(row["kind"]),
        operator=row["operator"],
        terminal_id=row["terminal_id"],
        payment=row["payment"],
        api=row["api"],
        request_id=row["request_id"],
        from_status=row["from_status"],
        to_status=row["to_status"],
        detail=json.loads(row["detail"]),
        hash=row["hash"],
    )
