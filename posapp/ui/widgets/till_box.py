"""TillBox: "All tills" and then every till seen, in sorted order (Orders, the Day report)."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QComboBox, QWidget


class TillBox(QComboBox):
    """The terminal choice of a screen that shows several tills' payments. Adding a till never
    changes what is chosen (no ``currentIndexChanged`` for it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.addItem(self.tr("All tills"), "")

    def terminal(self) -> str:
        """The chosen till; '' for every till."""
        return str(self.currentData() or "")

    def terminals(self) -> list[str]:
        """The tills offered after "All tills"."""
        return [str(self.itemData(i)) for i in range(1, self.count())]

    def add_terminals(self, found: Iterable[str]) -> None:
        for terminal in found:
            self.add_terminal(terminal)

    def add_terminal(self, terminal: str) -> None:
        """One more till, in sorted place; the chosen one stays chosen."""
        known = self.terminals()
        if not terminal or terminal in known:
            return
        position = 1 + sum(1 for t in known if t < terminal)
        self.blockSignals(True)
        try:
            self.insertItem(position, terminal, terminal)
        finally:
            self.blockSignals(False)

    def choose(self, terminal: str) -> None:
        """Choose one till ('' for every till), adding it if it is new."""
        self.add_terminal(terminal)
        self.setCurrentIndex(max(0, self.findData(terminal)))
