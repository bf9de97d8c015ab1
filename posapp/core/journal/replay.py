"""Replaying the audit log: the state rows its events produce, compared with the real ones.

``journal verify`` reads the state tables and the STATE_CHANGE events grouped by payment
(both sorted by payment id, so memory stays bounded by one payment's history) and calls
``check_payment`` for each payment id seen on either side. A state row nobody journaled
(added), a journaled row that is gone (deleted) or a column that differs from what its
events say (changed) is one problem naming the row and the column.

What events carry:
- a payment's intent event carries its whole first row (``detail.row``, since schema 0002;
  ``ROW_FORMAT``); each later state change carries every column it changed (``changes``),
  the status (``to_status``) and its time (``updated_ms``); each one adds 1 to ``version``.
  Derived totals (``captured_minor``, ``refunded_minor``) are journaled with the change
  that caused them.
- a capture's or refund's intent event carries its request id, amount, operator,
  terminal and reason; each update carries its changes.

Rows journaled before ``ROW_FORMAT`` (intent events without ``detail.row``) are checked on
the columns their events carry (status, amounts, order reference, card brand and last 4,
capture mode, operator, terminal, times, version and every journaled change); the columns
those events never recorded (card BIN and fingerprint, description, payment expiry, and
the captured / refunded totals until a new event records them) are not checked for them.

Strings in events went through the journal's sanitiser (card-number-like digit runs
masked): the state row's value is compared sanitised too. The columns that live in the
event's own columns (request id, operator, terminal) are compared as they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from posapp.core.journal.sanitise import sanitise

Row = Mapping[str, Any]
ROW_FORMAT = 2

# Columns the payment's intent INSERT leaves NULL (set later by journaled changes only).
_PAYMENT_LATER = (
    "payment_id",
    "result_code",
    "result_status",
    "result_message",
    "avs_result",
    "cvv_result",
    "network_transaction_id",
    "auth_code",
    "three_ds_url",
    "authorised_ms",
    "capture_deadline_ms",
)
# Columns a pre-ROW_FORMAT intent event did not record.
_LEGACY_UNKNOWN = frozenset(
    {
        "card_bin6",
        "card_fingerprint",
        "order_description",
        "expires_ms",
        "captured_minor",
        "refunded_minor",
    }
)
# Compared without the sanitiser: they come from the event's own (unsanitised) columns.
_RAW = frozenset(
    {
        "id",
        "payment",
        "payment_request_id",
        "capture_request_id",
        "refund_request_id",
        "operator",
        "terminal_id",
        "status",
        "created_ms",
        "updated_ms",
        "version",
    }
)
OPERATIONS = ("capture", "refund")


def payment_row_image(new_row: Mapping[str, Any]) -> dict[str, Any]:
    """What a payment's intent event records of its first row (``detail.row``)."""
    skip = {"payment_request_id", "status", "operator", "terminal_id", "created_ms", "updated_ms"}
    return {k: v for k, v in new_row.items() if k not in skip}


def merge_by_payment(
    payments: Iterable[Row],
    events: Iterable[Row],
    captures: Iterable[Row],
    refunds: Iterable[Row],
) -> Iterator[tuple[int, Row | None, list[Row], list[Row], list[Row]]]:
    """Walk four streams sorted by payment id together: (id, payment row or None, its
    state-change events, its captures, its refunds)."""
    streams: list[Iterator[tuple[int, list[Row]]]] = [
        ((int(r["id"]), [r]) for r in payments),
        _grouped(events),
        _grouped(captures),
        _grouped(refunds),
    ]
    heads = [next(s, None) for s in streams]
    while True:
        live = [h[0] for h in heads if h is not None]
        if not live:
            return
        pid = min(live)
        parts: list[list[Row]] = []
        for i, head in enumerate(heads):
            if head is not None and head[0] == pid:
                parts.append(head[1])
                heads[i] = next(streams[i], None)
            else:
                parts.append([])
        yield pid, (parts[0][0] if parts[0] else None), parts[1], parts[2], parts[3]


def _grouped(rows: Iterable[Row]) -> Iterator[tuple[int, list[Row]]]:
    current: int | None = None
    group: list[Row] = []
    for row in rows:
        pid = row["payment"]
        if pid is None:
            continue
        pid = int(pid)
        if pid != current:
            if group and current is not None:
                yield current, group
            current, group = pid, []
        group.append(row)
    if group and current is not None:
        yield current, group


def check_payment(
    pid: int,
    payment: Row | None,
    events: Sequence[Row],
    captures: Sequence[Row],
    refunds: Sequence[Row],
) -> str | None:
    """The first difference between the state rows of payment ``pid`` and its events."""
    own = [e for e in events if e["api"] in (None, "pay")]
    if payment is None:
        if own:
            return f"payment {pid} is missing: its events record it (deleted outside posapp)"
    elif not own:
        return f"payment {pid} has no events: it was added outside posapp"
    else:
        problem = _check_payment_row(pid, payment, own)
        if problem:
            return problem
    for kind, rows in (("capture", captures), ("refund", refunds)):
        problem = _check_operations(pid, kind, rows, [e for e in events if e["api"] == kind])
        if problem:
            return problem
    return None


def _detail(event: Row) -> dict[str, Any]:
    try:
        value = json.loads(event["detail"] or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _same(column: str, actual: Any, expected: Any) -> bool:
    if actual == expected:
        return True
    # a value the sanitiser masked in the event: compare the row's value masked the same way
    return column not in _RAW and isinstance(actual, str) and sanitise(actual) == expected


def _differs(what: str, row: Row, image: Mapping[str, Any], unknown: frozenset[str]) -> str | None:
    for column, expected in image.items():
        if column in unknown or column not in row.keys():
            continue
        if not _same(column, row[column], expected):
            return (
                f"{what}: {column} is {row[column]!r} but its events say {expected!r} "
                "(edited outside posapp)"
            )
    return None


def _check_payment_row(pid: int, payment: Row, events: Sequence[Row]) -> str | None:
    first = events[0]
    if first["from_status"] is not None or first["api"] != "pay":
        return f"payment {pid}: its first event is not its intent (events edited or deleted)"
    detail = _detail(first)
    at = first["at_ms"]
    image: dict[str, Any] = dict.fromkeys(_PAYMENT_LATER)
    image.update(
        id=pid,
        payment_request_id=first["request_id"],
        status=first["to_status"],
        operator=first["operator"],
        terminal_id=first["terminal_id"],
        created_ms=at,
        updated_ms=at,
        version=1,
        captured_minor=0,
        refunded_minor=0,
    )
    unknown: set[str] = set()
    row = detail.get("row")
    if isinstance(row, dict) and detail.get("format") == ROW_FORMAT:
        image.update(row)
    else:
        amount = _dict(detail.get("amount"))
        card = _dict(detail.get("card"))
        value = amount.get("value")
        image.update(
            reference_order_id=detail.get("reference_order_id"),
            amount_minor=int(value) if isinstance(value, str) and value.isdigit() else value,
            currency=amount.get("currency"),
            capture_mode=detail.get("capture_mode"),
            card_brand=card.get("brand"),
            card_last4=card.get("last4"),
        )
        unknown.update(_LEGACY_UNKNOWN)
    for event in events[1:]:
        changes = _detail(event).get("changes")
        if isinstance(changes, dict):
            image.update(changes)
            unknown.difference_update(changes)
        image["status"] = event["to_status"]
        image["updated_ms"] = event["at_ms"]
        image["version"] = int(image["version"]) + 1
    return _differs(f"payment {pid}", payment, image, frozenset(unknown))


def _check_operations(
    pid: int, kind: str, rows: Sequence[Row], events: Sequence[Row]
) -> str | None:
    id_column = f"{kind}_request_id"
    images: dict[str, dict[str, Any]] = {}
    for event in events:
        request_id = event["request_id"]
        detail = _detail(event)
        if event["from_status"] is None:
            amount = _dict(detail.get("amount"))
            value = amount.get("value")
            image: dict[str, Any] = {
                "payment": pid,
                id_column: request_id,
                f"{kind}_id": None,
                "amount_minor": int(value) if isinstance(value, str) and value.isdigit() else value,
                "currency": amount.get("currency"),
                "status": event["to_status"],
                "result_code": None,
                "result_status": None,
                "result_message": None,
                "operator": event["operator"],
                "terminal_id": event["terminal_id"],
                "created_ms": event["at_ms"],
                "updated_ms": event["at_ms"],
                "completed_ms": None,
            }
            if kind == "refund":
                image["reason"] = detail.get("reason", "")
            images[request_id] = image
            continue
        found: dict[str, Any] | None = images.get(request_id)
        if found is None:
            return (
                f"{kind} {request_id} of payment {pid} has no intent event: it was added "
                "outside posapp (or its events deleted)"
            )
        changes = detail.get("changes")
        if isinstance(changes, dict):
            found.update(changes)
        found["status"] = event["to_status"]
        found["updated_ms"] = event["at_ms"]
    seen: set[str] = set()
    for row in rows:
        request_id = row[id_column]
        seen.add(request_id)
        known = images.get(request_id)
        if known is None:
            return (
                f"{kind} {request_id} of payment {pid} has no events: it was added outside posapp"
            )
        problem = _differs(f"{kind} {request_id} of payment {pid}", row, known, frozenset())
        if problem:
            return problem
    for request_id in images:
        if request_id not in seen:
            return (
                f"{kind} {request_id} of payment {pid} is missing: its events record it "
                "(deleted outside posapp)"
            )
    return None
