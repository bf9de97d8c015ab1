"""The order table model over a list-backed source: lazy blocks, keyset paging, live updates."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt, QTimer
from pytestqt.qtbot import QtBot

from posapp.core.cards import MaskedCard
from posapp.core.domain import CaptureMode, Payment, PaymentStatus
from posapp.core.money import Money
from posapp.ui.models import payment_fields as pf
from posapp.ui.models.order_model import (
    AMBER,
    PLACEHOLDER,
    RED,
    Column,
    OrderQuery,
    OrderTableModel,
    Role,
    Urgency,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def make(i: int, status: PaymentStatus = PaymentStatus.CAPTURED, **kw: Any) -> Payment:
    created = NOW - timedelta(minutes=i)
    return Payment(
        id=i + 1,
        reference_order_id=f"ORD-{i:07d}",
        payment_request_id=f"REQ{i:07d}",
        amount=Money(100 + i, "SGD"),
        capture_mode=CaptureMode.MANUAL,
        card=MaskedCard("VISA", "405469", f"{i % 10000:04d}"),
        status=status,
        created_at=created,
        updated_at=created,
        operator="cashier",
        terminal_id="TILL-01",
        payment_id=f"PID{i:07d}",
        **kw,
    )


class ListSource:
    """Newest first by created_at; held view by deadline. Counts the calls it serves."""

    def __init__(self, payments: list[Payment]) -> None:
        self.payments = payments
        self.calls: list[tuple[str, Any]] = []

    def _rows(self, query: OrderQuery) -> list[Payment]:
        rows = [p for p in self.payments if pf.matches(p, query)]
        if query.held:
            return sorted(rows, key=lambda p: (p.capture_deadline, p.payment_id))
        return sorted(rows, key=lambda p: (p.created_at, p.payment_id), reverse=True)

    def count(self, query: OrderQuery) -> int:
        return len(self._rows(query))

    def key_of(self, query: OrderQuery, p: Payment) -> Any:
        return p.payment_id

    def window(self, query, *, offset, limit, total, after=None, before=None):
        rows = self._rows(query)
        ids = [p.payment_id for p in rows]
        if after is not None:
            self.calls.append(("after", after))
            i = ids.index(after) + 1
            return rows[i : i + limit]
        if before is not None:
            self.calls.append(("before", before))
            i = ids.index(before)
            return rows[max(0, i - limit) : i]
        self.calls.append(("offset", offset))
        return rows[offset : offset + limit]

    def get(self, payment_id: str) -> Payment | None:
        return next((p for p in self.payments if p.payment_id == payment_id), None)


def queued_submit(fn, done, failed):
    """Deliver on a later turn of the event loop, like the TaskRunner does."""
    try:
        result = fn()
    except Exception as exc:  # noqa: BLE001
        QTimer.singleShot(0, lambda e=exc: failed(e))
        return
    QTimer.singleShot(0, lambda: done(result))


def model_with(qtbot: QtBot, payments, query: OrderQuery | None = None) -> OrderTableModel:
    model = OrderTableModel(ListSource(payments), submit=queued_submit, now=lambda: NOW)
    with qtbot.waitSignal(model.count_changed):
        model.set_query(query or OrderQuery())
    return model


def test_model_passes_qt_model_tester(qtbot: QtBot, qtmodeltester) -> None:
    model = model_with(qtbot, [make(i) for i in range(450)])
    qtmodeltester.check(model, force_py=True)
    # touch rows far down so blocks load asynchronously under the tester's eye
    model.data(model.index(420, 0))
    qtbot.waitUntil(lambda: model.is_loaded(420))
    # still connected: live inserts, updates and a new query are checked as they happen
    model.insert_new(make(-1))
    model.update_payments([replace(make(5), status=PaymentStatus.REFUNDED)])
    with qtbot.waitSignal(model.count_changed):
        model.set_query(OrderQuery(text="ORD-00001"))


def test_first_block_then_count_then_lazy_blocks(qtbot: QtBot) -> None:
    model = model_with(qtbot, [make(i) for i in range(1000)])
    assert model.rowCount() == 1000
    assert model.is_loaded(0) and not model.is_loaded(500)
    assert model.data(model.index(500, Column.TIME)) == PLACEHOLDER
    assert model.data(model.index(500, Column.ORDER), Role.LOADED) is False
    with qtbot.waitSignal(model.rows_loaded):
        pass
    assert model.data(model.index(500, Column.ORDER)) == "ORD-0000500"


def test_keyset_from_a_cached_neighbour(qtbot: QtBot) -> None:
    model = model_with(qtbot, [make(i) for i in range(300)])
    source: ListSource = model._source  # type: ignore[assignment]
    model.data(model.index(150, 0))
    qtbot.waitUntil(lambda: model.is_loaded(150))
    assert ("after", "PID0000099") in source.calls
    model.data(model.index(299, 0))  # the end: block 2, its neighbour block 1 is cached
    qtbot.waitUntil(lambda: model.is_loaded(299))
    assert model.data(model.index(299, Column.PAYMENT_ID)) == "PID0000299"


def test_columns_and_roles(qtbot: QtBot) -> None:
    p = make(3)
    model = model_with(qtbot, [p])
    idx = lambda c: model.index(0, c)  # noqa: E731
    assert model.data(idx(Column.AMOUNT)) == "SGD 1.03"
    assert model.data(idx(Column.CARD)) == "Visa •••• 0003"
    assert model.data(idx(Column.STATUS)) == "Paid"
    assert model.data(idx(Column.PAYMENT_ID)) == "PID0000003"
    assert model.data(idx(Column.TIME_LEFT)) == ""
    assert model.data(idx(0), Role.PAYMENT) is p
    assert model.data(idx(0), Role.STATUS) == "CAPTURED"
    assert model.headerData(Column.CARD, Qt.Orientation.Horizontal) == "Card"


def test_held_colours_amber_under_a_day_red_when_released(qtbot: QtBot) -> None:
    held = [
        make(1, PaymentStatus.AUTHORISED, capture_deadline=NOW - timedelta(minutes=5)),
        make(2, PaymentStatus.AUTHORISED, capture_deadline=NOW + timedelta(hours=5)),
        make(3, PaymentStatus.AUTHORISED, capture_deadline=NOW + timedelta(days=6)),
        make(4, PaymentStatus.CAPTURED),
    ]
    model = model_with(qtbot, held, OrderQuery(held=True))
    assert model.rowCount() == 3
    col = Column.TIME_LEFT
    got = [model.data(model.index(r, col), Role.URGENCY) for r in range(3)]
    assert got == [Urgency.RELEASED, Urgency.SOON, Urgency.OK]
    assert model.data(model.index(0, col), Qt.ItemDataRole.BackgroundRole) == RED
    assert model.data(model.index(1, col), Qt.ItemDataRole.BackgroundRole) == AMBER
    assert model.data(model.index(2, col), Qt.ItemDataRole.BackgroundRole) is None
    assert model.data(model.index(0, col)) == "released"
    assert model.data(model.index(1, col)) == "5 h 0 min"
    assert model.data(model.index(2, col)) == "6 d 0 h"


def test_live_update_emits_a_narrow_data_changed(qtbot: QtBot) -> None:
    payments = [make(i, PaymentStatus.PENDING) for i in range(250)]
    model = model_with(qtbot, payments)
    settled = replace(payments[7], status=PaymentStatus.CAPTURED)
    with qtbot.waitSignal(model.dataChanged) as blocker:
        assert model.update_payments([settled]) == 1
    top, bottom = blocker.args[0], blocker.args[1]
    assert (top.row(), bottom.row()) == (7, 7)
    assert model.data(model.index(7, Column.STATUS)) == "Paid"


def test_new_payment_goes_on_top_without_a_reset(qtbot: QtBot) -> None:
    model = model_with(qtbot, [make(i) for i in range(1, 150)])
    model.data(model.index(120, 0))
    qtbot.waitUntil(lambda: model.is_loaded(120))
    before_120 = model.data(model.index(120, Column.PAYMENT_ID))
    newest = make(0)
    with qtbot.assertNotEmitted(model.modelReset):
        assert model.insert_new(newest)
    assert model.rowCount() == 150
    assert model.data(model.index(0, Column.PAYMENT_ID)) == "PID0000000"
    assert model.data(model.index(121, Column.PAYMENT_ID)) == before_120
    assert not model.insert_new(newest)  # already shown


def test_filter_by_text_and_status(qtbot: QtBot) -> None:
    payments = [
        make(i, PaymentStatus.CAPTURED if i % 2 else PaymentStatus.DECLINED) for i in range(40)
    ]
    model = model_with(qtbot, payments, OrderQuery(text="ORD-0000013"))
    assert model.rowCount() == 1
    with qtbot.waitSignal(model.count_changed):
        model.set_query(OrderQuery(statuses=frozenset({PaymentStatus.DECLINED})))
    assert model.rowCount() == 20
    assert all(
        model.data(model.index(r, Column.STATUS), Role.STATUS) == "DECLINED" for r in range(20)
    )


def test_data_never_raises(qtbot: QtBot) -> None:
    class Broken:
        id = 2

        def __getattr__(self, name: str) -> Any:
            raise RuntimeError("corrupt row")

    model = model_with(qtbot, [make(1)])
    model._blocks[0].rows[0] = Broken()  # a row whose fields blow up
    assert model.data(model.index(0, Column.AMOUNT)) in (None, "")
    assert model.data(model.index(5, 0)) is None
    assert model.data(QModelIndex()) is None


@pytest.mark.parametrize("n", [0, 1, 100, 101])
def test_sizes_around_the_block_edge(qtbot: QtBot, n: int) -> None:
    model = OrderTableModel(ListSource([make(i) for i in range(n)]), submit=queued_submit)
    model.set_query(OrderQuery())
    qtbot.waitUntil(lambda: model.rowCount() == n)
    if n:
        model.data(model.index(n - 1, 0))  # what a view does for a row scrolled into sight
        qtbot.waitUntil(lambda: model.is_loaded(n - 1))
    if n:
        assert model.data(model.index(n - 1, Column.PAYMENT_ID)) == f"PID{n - 1:07d}"


def test_csv_rows_defuse_formulas_and_carry_no_card_digits_beyond_the_last_four() -> None:
    from posapp.ui.models.csv_export import HEADER, csv_row

    p = replace(make(7), reference_order_id='=HYPERLINK("http://x")')
    row = dict(zip(HEADER, csv_row(p), strict=True))
    assert row["reference_order_id"].startswith("'=")
    assert row["card_brand"] == "VISA" and row["card_last4"] == "0007"
    assert "405469" not in ",".join(csv_row(p))
    assert row["amount"] == "1.07" and row["currency"] == "SGD"


def test_a_failing_query_is_reported_not_raised(qtbot: QtBot) -> None:
    class Locked(ListSource):
        def count(self, query: OrderQuery) -> int:
            raise OSError("database is locked")

    model = OrderTableModel(Locked([make(1), make(2)]), submit=queued_submit)
    with qtbot.waitSignal(model.load_failed) as failed:
        model.set_query(OrderQuery())
    assert "database is locked" in failed.args[0]
    qtbot.waitUntil(lambda: model.rowCount() == 2)  # the first rows still show
    assert model.data(model.index(1, Column.ORDER)) == "ORD-0000002"
