"""BrandIcon: the card brand's badge, or a plain card outline while the prefix says nothing."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QLabel, QWidget

from posapp.core.cards import CardBrand
from posapp.ui.widgets.icons import brand_icon


class BrandIcon(QLabel):
    SIZE = QSize(48, 32)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("brandIcon")
        self.setFixedSize(self.SIZE)
        self._brand: CardBrand | None = None
        self.set_brand(None)

    @property
    def brand(self) -> CardBrand | None:
        return self._brand

    def set_brand(self, brand: CardBrand | None) -> None:
        self._brand = brand
        dpr = self.devicePixelRatioF()
        self.setPixmap(brand_icon(brand.value if brand else None).pixmap(self.SIZE, dpr))
        label = brand.label if brand else self.tr("Card brand not known yet")
        self.setToolTip(label)
        self.setAccessibleName(label)
