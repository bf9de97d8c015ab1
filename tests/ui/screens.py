"""Screenshots of the screens a test drives, saved only when asked for.

``POSAPP_SCREENSHOTS=<folder>`` makes ``shot(widget, name)`` save ``<folder>/<name>.png``
with the till's style sheet applied, so a person can look at every screen the tests reach.
"""

from __future__ import annotations

import os
from pathlib import Path

SHOTS = os.environ.get("POSAPP_SCREENSHOTS", "")  # a folder: the screens are saved there


def shot(widget: object, name: str) -> None:
    if not SHOTS:
        return
    from PySide6.QtWidgets import QApplication, QWidget

    from posapp.ui.application import style_sheet

    assert isinstance(widget, QWidget)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setStyleSheet(style_sheet())  # as the till shows it (only when saving screens)
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    assert widget.grab().save(str(Path(SHOTS) / f"{name}.png"))
