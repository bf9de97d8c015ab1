from __future__ import annotations

from pytestqt.qtbot import QtBot

from posapp.config import Environment, Settings
from posapp.ui.main_window import MainWindow


def test_main_window_opens_in_training_mode_and_closes(qtbot: QtBot) -> None:
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert "TRAINING" in window.banner.text()
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == ["New payment", "Orders"]
    window.close()
    assert not window.isVisible()


def test_production_banner_names_the_client_id(qtbot: QtBot) -> None:
    settings = Settings(environment=Environment.PRODUCTION, client_id="2188120012345678")
    window = MainWindow(settings)
    qtbot.addWidget(window)
    assert "2188120012345678" in window.banner.text()
    assert "TRAINING" not in window.banner.text()


def test_shortcuts_switch_work_areas_and_status_bar_counts_unsettled(qtbot: QtBot) -> None:
    from PySide6.QtCore import Qt

    from posapp.ui.ports import TillStatus
    from posapp.ui.tasks import TaskRunner

    from .cashier_fakes import ScriptedCashier

    cashier = ScriptedCashier()
    cashier.status = TillStatus(True, "Connected to the training sandbox", 3)
    runner = TaskRunner()
    from posapp.ui.changes import ChangeBridge

    window = MainWindow(
        Settings(),
        runner=runner,
        cashier=cashier,
        changes=ChangeBridge(cashier.changes),
        training_pin_hint="1234",
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert "1234" in window.banner.text()
    qtbot.waitUntil(lambda: "3 payment(s) being settled" in window.unsettled_label.text())
    assert window.connection_label.text() == "Connected to the training sandbox"
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 1
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 0
    cashier.status = TillStatus(False, "Gateway unreachable", 0)
    assert window.connection_label.text() == "Connected to the training sandbox"  # not polled
    cashier.changes.announce_till()  # the feed says the till changed: read again
    qtbot.waitUntil(lambda: window.connection_label.text() == "Gateway unreachable")
    assert window.unsettled_label.text() == "All payments settled"
    window.close()
    runner.shutdown()


def test_window_is_usable_at_1024x700(qtbot: QtBot) -> None:
    from posapp.ui.tasks import TaskRunner

    from .cashier_fakes import ScriptedCashier

    runner = TaskRunner()
    window = MainWindow(Settings(), runner=runner, cashier=ScriptedCashier())
    qtbot.addWidget(window)
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    view = window.new_payment
    # the send button and the card number field are on screen without scrolling
    for widget in (view.submit_button, view.card_number, view.result_panel):
        top_left = widget.mapTo(window, widget.rect().topLeft())
        bottom = top_left.y() + widget.height()
        assert 0 <= top_left.y() and bottom <= window.height(), widget.objectName()
        assert top_left.x() + widget.width() <= window.width()
    runner.shutdown()


def test_closing_mid_payment_asks_first(qtbot: QtBot, monkeypatch) -> None:
    import threading

    from PySide6.QtWidgets import QMessageBox

    from posapp.ui.tasks import TaskRunner

    from .cashier_fakes import ScriptedCashier

    cashier = ScriptedCashier()
    cashier.gate = threading.Event()
    runner = TaskRunner()
    window = MainWindow(Settings(), runner=runner, cashier=cashier)
    qtbot.addWidget(window)
    window.show()
    view = window.new_payment
    view.amount.setText("5")
    view.card_number.setText("4054695723100768")
    view.expiry.setText("12/40")
    view.cvv.setText("123")
    view.submit()
    qtbot.waitUntil(lambda: view.in_flight)
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    asked: list[str] = []

    def question(_parent, _title, text, *args):  # type: ignore[no-untyped-def]
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", question)
    window.close()
    assert window.isVisible() and len(asked) == 1  # "No": the till stays open
    window.close()
    assert not window.isVisible()
    assert "safe in the journal" in asked[0]
    cashier.gate.set()
    runner.shutdown()
