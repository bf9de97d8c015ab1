"""QApplication set-up: names, style sheet, excepthook; then the main window."""

from __future__ import annotations

import logging
import sys
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox

from posapp import __version__
from posapp.config import Settings
from posapp.paths import AppDirs

log = logging.getLogger(__name__)


def create_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("posapp")
    app.setOrganizationName("posapp")
    app.setApplicationVersion(__version__)
    return app


def _excepthook(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    # Never show a traceback to a cashier: log it (redacted) and say something useful.
    log.error("unhandled error", exc_info=(exc_type, exc, tb))
    if QApplication.instance() is not None:
        QMessageBox.critical(
            None,
            "posapp",
            "Something went wrong inside posapp. Payments already sent are safe in the "
            "journal; the details were written to the log.",
        )


def run_application(dirs: AppDirs, settings: Settings) -> int:
    app = create_application()
    sys.excepthook = _excepthook
    from posapp.ui.i18n import install_translators
    from posapp.ui.main_window import MainWindow
    from posapp.ui.startup_probe import watch_first_show

    install_translators(app, settings.language)  # before any widget exists
    window = MainWindow(settings)
    watch_first_show(window)  # POSAPP_STARTUP_PROBE=1: the start-up benchmark's marker
    window.show()
    return app.exec()
