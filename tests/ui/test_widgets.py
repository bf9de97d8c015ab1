"""Small widgets: amount in the locale's format, expiry typing, brand icon, status pill."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QLocale, Qt
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from posapp.core.cards import CardBrand
from posapp.core.money import Money, MoneyError
from posapp.ui.widgets.amount_field import AmountField, format_money
from posapp.ui.widgets.brand_icon import BrandIcon
from posapp.ui.widgets.card_fields import CardNumberEdit, CvvEdit, ExpiryEdit
from posapp.ui.widgets.status_pill import StatusPill, Tone

GERMAN = QLocale(QLocale.Language.German, QLocale.Country.Germany)
US = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)


@pytest.mark.parametrize(
    ("money", "locale", "text"),
    [
        (Money(123450, "SGD"), US, "1,234.50"),
        (Money(123450, "EUR"), GERMAN, "1.234,50"),
        (Money(1500, "JPY"), US, "1,500"),
        (Money(5, "USD"), US, "0.05"),
    ],
)
def test_format_money_in_the_locale(money: Money, locale: QLocale, text: str) -> None:
    assert format_money(money, locale) == text


def test_amount_field_reads_the_locale_and_reformats_on_focus_out(qtbot: QtBot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    layout = QVBoxLayout(host)
    field = AmountField("EUR", host, locale=GERMAN)
    layout.addWidget(field)
    host.show()
    field.setFocus()
    qtbot.keyClicks(field, "1234,5")
    assert field.money() == Money(123450, "EUR")
    # what Qt sends when the cashier tabs away (offscreen windows do not always get it)
    QApplication.sendEvent(field, QFocusEvent(QEvent.Type.FocusOut, Qt.FocusReason.TabFocusReason))
    assert field.text() == "1.234,50"
    assert field.money() == Money(123450, "EUR")
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, "12,345")  # a third decimal is refused as typed
    assert field.text() == "12,34"


def test_amount_field_errors_are_for_people(qtbot: QtBot) -> None:
    field = AmountField("SGD", locale=US)
    qtbot.addWidget(field)
    with pytest.raises(MoneyError, match="Enter an amount"):
        field.money()
    field.setText("0.00")
    with pytest.raises(MoneyError, match="above zero"):
        field.money()
    field.set_currency("IDR")
    field.setText("100.50")
    with pytest.raises(MoneyError, match="whole units"):
        field.money()


def test_expiry_inserts_the_slash_and_lets_backspace_through(qtbot: QtBot) -> None:
    edit = ExpiryEdit()
    qtbot.addWidget(edit)
    edit.show()
    edit.setFocus()
    qtbot.keyClicks(edit, "4")
    assert edit.text() == "04/"
    qtbot.keyClicks(edit, "28")
    assert edit.text() == "04/28"
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    assert edit.text() == "04/"
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    assert edit.text() == "04"
    qtbot.keyClicks(edit, "x")  # letters are refused
    assert edit.text() == "04"
    edit.clear()  # after a submit the form clears it; typing formats again
    qtbot.keyClicks(edit, "1229")
    assert edit.text() == "12/29"


def test_cvv_length_follows_the_brand(qtbot: QtBot) -> None:
    cvv = CvvEdit()
    qtbot.addWidget(cvv)
    cvv.show()
    cvv.setFocus()
    qtbot.keyClicks(cvv, "12345")
    assert cvv.text() == "123"
    cvv.clear()
    cvv.set_brand(CardBrand.AMEX)
    qtbot.keyClicks(cvv, "12345")
    assert cvv.text() == "1234"
    assert cvv.validated() == "1234"


def test_brand_icon_and_pill_say_what_they_show(qtbot: QtBot) -> None:
    icon = BrandIcon()
    qtbot.addWidget(icon)
    assert icon.pixmap() is not None and not icon.pixmap().isNull()
    icon.set_brand(CardBrand.MASTERCARD)
    assert icon.accessibleName() == "Mastercard"
    pill = StatusPill("Held", Tone.WARN)
    qtbot.addWidget(pill)
    assert pill.accessibleName() == "Held" and pill.tone is Tone.WARN


def test_brand_icons_are_sharp_at_2x(qtbot: QtBot) -> None:
    from PySide6.QtCore import QSize

    from posapp.ui.widgets.icons import brand_icon

    pixmap = brand_icon("VISA").pixmap(QSize(48, 32), 2.0)
    assert (pixmap.width(), pixmap.height()) == (96, 64)  # rendered from SVG, not scaled up
    assert pixmap.devicePixelRatio() == 2.0
    assert QApplication.instance() is not None


def test_card_number_menu_has_no_copy_or_cut_but_keeps_the_rest(qtbot: QtBot) -> None:
    edit = CardNumberEdit()
    qtbot.addWidget(edit)
    edit.setText("4054695723100768")
    edit.selectAll()
    menu = edit.context_menu()
    names = {action.objectName() for action in menu.actions() if action.objectName()}
    assert not names & {"edit-copy", "edit-cut"}  # the card number never reaches the clipboard
    assert {"edit-paste", "edit-undo", "select-all"} <= names
    menu.deleteLater()
