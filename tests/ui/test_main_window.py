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
