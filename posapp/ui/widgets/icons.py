"""SVG icons from ``resources/icons``: sharp at any device pixel ratio."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon, QPixmap

from posapp.paths import resource

BRAND_FILES = {
    "VISA": "visa",
    "MASTERCARD": "mastercard",
    "AMEX": "amex",
    "JCB": "jcb",
    "DISCOVER": "discover",
    "DINERS": "diners",
    "CUP": "cup",
    "MAESTRO": "maestro",
    "HYUNDAI": "hyundai",
}


@cache
def icon(name: str) -> QIcon:
    """``resources/icons/<name>.svg`` as a QIcon (the SVG engine renders per DPR)."""
    return QIcon(str(resource("icons", f"{name}.svg")))


def brand_icon(brand: str | None) -> QIcon:
    stem = BRAND_FILES.get(brand or "", "unknown")
    return icon(f"brands/{stem}")


def pixmap(qicon: QIcon, size: QSize, device_pixel_ratio: float) -> QPixmap:
    """A pixmap for ``size`` logical pixels at the screen's pixel ratio."""
    return qicon.pixmap(size, device_pixel_ratio)
