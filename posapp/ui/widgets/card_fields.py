"""Card entry fields: number (grouped as typed, no clipboard), expiry MM/YY, masked CVV.

The full card number lives only in these widgets' memory and in ``CardDetails``; the number
field refuses copy, cut and drag so it cannot reach the clipboard, and ``clear()`` after each
submit removes it.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import (
    QClipboard,
    QContextMenuEvent,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QRegularExpressionValidator,
)
from PySide6.QtWidgets import QLineEdit, QMenu, QWidget

from posapp.core.cards import (
    PAN_MAX,
    CardBrand,
    cvv_length,
    detect_brand,
    group_pan,
    parse_expiry,
    validate_cvv,
    validate_pan,
)

_NO_CLIPBOARD = (QKeySequence.StandardKey.Copy, QKeySequence.StandardKey.Cut)
_CLIPBOARD_ACTIONS = frozenset({"edit-copy", "edit-cut"})  # QLineEdit's menu entries


class CardNumberEdit(QLineEdit):
    """Groups digits as the card prints them (4-4-4-4, Amex 4-6-5) while the cashier types.

    Signals: ``brand_changed(object)`` with a ``CardBrand`` or None as soon as the prefix tells.
    """

    brand_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._brand: CardBrand | None = None
        self._reformatting = False
        self.setObjectName("cardNumber")
        self.setDragEnabled(False)
        self.setAcceptDrops(True)
        self.setInputMethodHints(
            Qt.InputMethodHint.ImhDigitsOnly
            | Qt.InputMethodHint.ImhSensitiveData
            | Qt.InputMethodHint.ImhNoPredictiveText
        )
        # digits and spaces only; the longest PAN grouped 4-4-4-4-3 has 23 characters
        self.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9 ]{0,32}"), self))
        self.setMaxLength(PAN_MAX + 6)
        self.setPlaceholderText("1234 5678 9012 3456")
        self.textEdited.connect(self._on_text_edited)
        self.textChanged.connect(self._on_text_changed)
        self.selectionChanged.connect(self._drop_selection_clipboard)

    @property
    def brand(self) -> CardBrand | None:
        return self._brand

    def digits(self) -> str:
        return "".join(ch for ch in self.text() if ch.isdigit())

    def validated(self) -> tuple[str, CardBrand | None]:
        """(pan, brand) or CardError with a message for the cashier."""
        return validate_pan(self.digits())

    # -- grouping as typed ---------------------------------------------------------------
    def _on_text_edited(self, text: str) -> None:
        if self._reformatting:
            return
        cursor = self.cursorPosition()
        digits_before_cursor = sum(ch.isdigit() for ch in text[:cursor])
        digits = "".join(ch for ch in text if ch.isdigit())[:PAN_MAX]
        grouped = group_pan(digits)
        if grouped == text:
            return
        self._reformatting = True
        try:
            self.setText(grouped)
        finally:
            self._reformatting = False
        # put the cursor back after the same number of digits
        pos, seen = 0, 0
        while pos < len(grouped) and seen < digits_before_cursor:
            if grouped[pos].isdigit():
                seen += 1
            pos += 1
        self.setCursorPosition(pos)

    def _on_text_changed(self, _text: str) -> None:
        brand = detect_brand(self.digits())
        if brand is not self._brand:
            self._brand = brand
            self.brand_changed.emit(brand)

    # -- nothing leaves through the clipboard --------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if any(event.matches(key) for key in _NO_CLIPBOARD):
            event.accept()
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.context_menu()
        menu.exec(event.globalPos())
        menu.deleteLater()

    def context_menu(self) -> QMenu:
        """The standard edit menu without Copy and Cut (Qt names those entries; their
        shortcuts live only in the text, so the actions themselves carry none)."""
        menu = self.createStandardContextMenu()
        for action in list(menu.actions()):
            if action.objectName() in _CLIPBOARD_ACTIONS:
                menu.removeAction(action)
        return menu

    # QLineEdit's copy()/cut() slots are reachable from accessibility tools and shortcuts
    def copy(self) -> None:
        return

    def cut(self) -> None:
        return

    def _drop_selection_clipboard(self) -> None:
        # X11 copies any selection into the primary selection; take it back out.
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None and clipboard.supportsSelection() and self.hasSelectedText():
            clipboard.clear(QClipboard.Mode.Selection)


class ExpiryEdit(QLineEdit):
    """MM/YY: the slash appears after the month; past dates are refused by ``validated``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._reformatting = False
        self.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"[0-9]{0,2}/?[0-9]{0,2}"), self)
        )
        self.setMaxLength(5)
        self._deleting = False
        self.setPlaceholderText(self.tr("MM/YY"))
        self.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.textEdited.connect(self._on_text_edited)

    def _on_text_edited(self, text: str) -> None:
        if self._reformatting:
            return
        if self._deleting:
            return  # leave what the cashier is taking away alone
        digits = "".join(ch for ch in text if ch.isdigit())[:4]
        if len(digits) == 1 and digits > "1":
            digits = "0" + digits  # "4" can only mean April
        if len(digits) > 2:
            new = f"{digits[:2]}/{digits[2:]}"
        elif len(digits) == 2:
            new = f"{digits}/"
        else:
            new = digits
        if new != text:
            self._reformatting = True
            try:
                self.setText(new)
            finally:
                self._reformatting = False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        self._deleting = event.key() in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete)
        try:
            super().keyPressEvent(event)
        finally:
            self._deleting = False

    def validated(self, today: date) -> tuple[int, int]:
        return parse_expiry(self.text(), today)


class CvvEdit(QLineEdit):
    """The security code, masked; its length follows the brand (4 for Amex, else 3)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._brand: CardBrand | None = None
        self.setEchoMode(QLineEdit.EchoMode.Password)
        self.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9]{0,4}"), self))
        self.setInputMethodHints(
            Qt.InputMethodHint.ImhDigitsOnly | Qt.InputMethodHint.ImhSensitiveData
        )
        self.set_brand(None)

    def set_brand(self, brand: CardBrand | None) -> None:
        self._brand = brand
        n = cvv_length(brand)
        self.setMaxLength(n)
        self.setPlaceholderText("•" * n)

    def validated(self) -> str:
        return validate_cvv(self.text(), self._brand)
