"""The Orders table fits its window: at 1024x700 (the smallest supported) the status pill, the
amount and the time left are whole and nothing scrolls sideways; at 1440x900 every column,
payment id included, has its full width. In English and in Chinese (wider time-left words)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QFontMetrics
from pytestqt.qtbot import QtBot

from posapp.app import Backend
from posapp.config import Settings
from posapp.core.money import Money
from posapp.core.services.checkout import CheckoutRequest
from posapp.core.services.validation import read_card
from posapp.ui import i18n
from posapp.ui.application import build_main_window
from posapp.ui.models.order_model import Column
from posapp.ui.views.orders_view import OrdersView
from tests.ui.test_dialogs_flows import make_backend

CARDS = ("4054695723100768", "5162774114974622", "4054695723100768")
WHOLE = (Column.TIME, Column.TIME_LEFT, Column.AMOUNT, Column.STATUS)


@pytest.fixture(params=["en", "zh_CN"])
def language(request: pytest.FixtureRequest, qapp: QCoreApplication) -> Iterator[str]:
    i18n.install_translators(qapp, request.param)
    yield request.param
    i18n.remove_translators(qapp)


@pytest.fixture
def backend(data_dir: Path, language: str) -> Iterator[Backend]:
    b = make_backend(data_dir, replace(Settings(), language=language))
    for pan, minor in zip(CARDS, (1250, 123456, 999), strict=True):
        b.checkout.pay(
            CheckoutRequest(
                amount=Money(minor, b.settings.currency),
                reference_order_id=b.checkout.new_reference(),
                description="two coffees",
                card=read_card(pan, "12/40", "123", date.today()),
            ),
            confirm_duplicate=True,
        )
    try:
        yield b
    finally:
        b.close()


def _held_view(qtbot: QtBot, backend: Backend, size: tuple[int, int]) -> OrdersView:
    window = build_main_window(backend.settings, backend)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.tabs.setCurrentIndex(1)
    view = window.findChild(OrdersView)
    assert view is not None
    view.view_tabs.setCurrentIndex(1)  # Held
    qtbot.waitUntil(lambda: view.model.rowCount() == len(CARDS) and view.model.is_loaded(2))
    view.table.selectRow(0)
    qtbot.addWidget(view)  # closed with the window; the runner stops with it
    return view


def _shot(view: OrdersView, name: str) -> None:
    folder = os.environ.get("POSAPP_SHOTS")  # for a person to look at; nothing asserted
    if folder:
        window = view.window()
        window.grab().save(str(Path(folder) / f"{name}_{window.width()}x{window.height()}.png"))


def _text_width(view: OrdersView, column: Column, row: int) -> int:
    text = str(view.model.data(view.model.index(row, column)))
    return QFontMetrics(view.table.font()).horizontalAdvance(text)


def test_held_list_at_1024x700_cuts_nothing_important(
    qtbot: QtBot, backend: Backend, language: str
) -> None:
    view = _held_view(qtbot, backend, (1024, 700))
    header = view.table.horizontalHeader()
    viewport = view.table.viewport().width()
    qtbot.waitUntil(lambda: header.sectionViewportPosition(Column.STATUS) >= 0)
    _shot(view, f"held_{language}")
    assert not view.table.horizontalScrollBar().isVisible()
    for column in WHOLE:
        left = header.sectionViewportPosition(column)
        assert not header.isSectionHidden(column), column
        assert 0 <= left and left + header.sectionSize(column) <= viewport, (column, viewport)
    for row in range(len(CARDS)):
        for column in (Column.TIME, Column.TIME_LEFT, Column.AMOUNT):
            assert _text_width(view, column, row) < header.sectionSize(column), (column, row)
    # the pill (label in bold plus its padding) fits its column
    label = str(view.model.data(view.model.index(0, Column.STATUS)))
    bold = view.table.font()
    bold.setBold(True)
    assert QFontMetrics(bold).horizontalAdvance(label) + 16 <= header.sectionSize(Column.STATUS)
    # the order and the card are squeezed, not gone: both ends of the reference still show
    assert header.sectionSize(Column.ORDER) > 80 and header.sectionSize(Column.CARD) > 50


def test_held_list_at_1440x900_shows_every_column_whole(
    qtbot: QtBot, backend: Backend, language: str
) -> None:
    view = _held_view(qtbot, backend, (1440, 900))
    header = view.table.horizontalHeader()
    _shot(view, f"held_{language}")
    assert not view.table.horizontalScrollBar().isVisible()
    assert not any(header.isSectionHidden(c) for c in Column)
    for row in range(len(CARDS)):
        for column in (Column.ORDER, Column.CARD, Column.AMOUNT, Column.TIME_LEFT):
            assert _text_width(view, column, row) < header.sectionSize(column), (column, row)


def _painted_cards(view: OrdersView) -> dict[str, str]:
    """What the card cells were last drawn as, by the card's full text (the delegate's cache)."""
    delegate = view.table.itemDelegate()
    delegate._static.clear()
    view.window().grab()  # paint now, at the width the columns have
    return {
        text: static.text()
        for (text, _width, _font), (static, _w, _h) in delegate._static.items()
        if "••••" in text
    }


def test_the_card_column_at_1024x700_keeps_the_last_4_whole(
    qtbot: QtBot, backend: Backend, language: str
) -> None:
    view = _held_view(qtbot, backend, (1024, 700))
    _shot(view, f"cards_{language}")
    painted = _painted_cards(view)
    assert len(painted) == 2  # Visa 0768 and Mastercard 4622
    for full, drawn in painted.items():
        last4 = full[-4:]
        assert drawn.endswith(last4), (full, drawn)  # never "Mas…622"
        assert drawn == full or "…" in drawn or drawn.startswith("••••"), (full, drawn)


def test_elide_card_gives_up_the_brand_before_a_digit(qapp: QCoreApplication) -> None:
    from PySide6.QtGui import QFont

    from posapp.ui.views.orders_view import elide_card

    metrics = QFontMetrics(QFont())
    text = "Mastercard •••• 4622"
    full = metrics.horizontalAdvance(text)
    seen = set()
    for width in range(metrics.horizontalAdvance("4622"), full + 1):
        drawn = elide_card(text, metrics, width)
        assert drawn.endswith("4622"), (width, drawn)
        assert metrics.horizontalAdvance(drawn) <= width, (width, drawn)
        seen.add(drawn)
    assert text in seen and "•••• 4622" in seen and "…4622" in seen
    assert any(d.startswith("Mast") and d.endswith("… •••• 4622") for d in seen)
