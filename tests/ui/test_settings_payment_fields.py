"""Settings: the 3-D Secure return page and the settlement currency, validated next to their
field; Test connection names a missing payment setting."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from posapp.config import Environment, Settings, load_settings
from posapp.ui.tasks import TaskRunner
from posapp.ui.till import _missing_settings
from posapp.ui.views.settings_dialog import SettingsDialog

from .test_settings_dialog import FilePort


@pytest.fixture
def port(tmp_path: Path) -> FilePort:
    return FilePort(tmp_path / "config" / "settings.json")


@pytest.fixture
def dialog(qtbot: QtBot, port: FilePort) -> Iterator[SettingsDialog]:
    runner = TaskRunner()
    d = SettingsDialog(runner, port, Settings())
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    yield d
    runner.shutdown()


CLIENT_ID = "2188120012345678"


def _save(dialog: SettingsDialog) -> None:
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()


def test_production_needs_an_https_return_page_before_saving(
    dialog: SettingsDialog, qtbot: QtBot, port: FilePort
) -> None:
    assert not dialog.payment_redirect_url.isEnabled()  # training: the sandbox's own page
    dialog.environment.setCurrentIndex(dialog.environment.findData("production"))
    assert dialog.payment_redirect_url.isEnabled()
    qtbot.keyClicks(dialog.client_id, CLIENT_ID)
    _save(dialog)
    assert "Antom refuses every payment" in dialog.errors["payment_redirect_url"].text()
    assert not port.path.exists()

    qtbot.keyClicks(dialog.payment_redirect_url, "http://shop.example/paid")
    _save(dialog)
    assert "https://" in dialog.errors["payment_redirect_url"].text()
    dialog.payment_redirect_url.clear()
    qtbot.keyClicks(dialog.payment_redirect_url, "shop.example/paid")
    _save(dialog)
    assert "Enter a URL" in dialog.errors["payment_redirect_url"].text()
    assert not port.path.exists()
    assert dialog.payment_redirect_url.maxLength() == 2048

    dialog.payment_redirect_url.clear()
    qtbot.keyClicks(dialog.payment_redirect_url, "https://shop.example/paid")
    dialog.settlement_currency.setCurrentIndex(dialog.settlement_currency.findData("USD"))
    with qtbot.waitSignal(dialog.settings_saved) as got:
        _save(dialog)
    saved = got.args[0]
    assert saved.payment_redirect_url == "https://shop.example/paid"
    assert saved.settlement_currency == "USD"
    assert load_settings(port.path) == saved


def test_the_settlement_currency_defaults_to_the_sale_and_lists_antom_currencies(
    dialog: SettingsDialog, qtbot: QtBot
) -> None:
    assert dialog.settlement_currency.currentData() == ""
    codes = {
        dialog.settlement_currency.itemData(i) for i in range(dialog.settlement_currency.count())
    }
    assert {"", "USD", "JPY", "SGD"} <= codes and "XYZ" not in codes
    with qtbot.waitSignal(dialog.settings_saved) as got:
        _save(dialog)
    assert got.args[0].settlement_currency == ""


@pytest.mark.usefixtures("qapp")
def test_test_connection_names_a_missing_payment_setting() -> None:
    assert QApplication.instance() is not None
    production = Settings(environment=Environment.PRODUCTION, client_id=CLIENT_ID)
    (check,) = _missing_settings(production)
    assert not check.ok
    assert "paymentRedirectUrl is not set: production payments would be refused" in check.detail
    assert _missing_settings(Settings()) == []
