"""Settings dialog: validation next to the field, keys to the keyring, test connection, PIN."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from posapp.config import Environment, Settings, load_settings, save_settings
from posapp.core.services.secrets import CredentialsError, validate_credentials
from posapp.ui.ports import CheckResult
from posapp.ui.tasks import TaskRunner
from posapp.ui.views.settings_dialog import SettingsDialog


class FilePort:
    """A SettingsPort over a real settings file and the in-memory SecretStore."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.pins: list[tuple[str, str]] = []
        self.pin = "1234"
        self.checks: list[Settings] = []
        self.stored_keys: dict[str, str] = {}

    def current_settings(self) -> Settings:
        return load_settings(self.path)

    def save_settings(self, settings: Settings) -> None:
        save_settings(self.path, settings)

    def has_keys(self, environment: str) -> bool:
        return environment in self.stored_keys

    def import_keys(self, environment, client_id, private_key_pem, antom_public_key_pem) -> None:
        try:
            validate_credentials(client_id, private_key_pem, antom_public_key_pem)
        except CredentialsError as exc:
            raise ValueError(str(exc)) from None
        self.stored_keys[environment] = client_id

    def test_connection(self, settings: Settings) -> list[CheckResult]:
        assert threading.current_thread() is not threading.main_thread()
        self.checks.append(settings)
        return [
            CheckResult("keys", True, "merchant key signs, Antom key verifies"),
            CheckResult("gateway", False, "no answer from the gateway within 10 s"),
        ]

    def change_pin(self, old_pin: str, new_pin: str) -> None:
        if old_pin != self.pin:
            raise ValueError("That PIN is not right: 4 attempts left")
        self.pin = new_pin

    def training_pin_hint(self) -> str:
        return ""


@pytest.fixture
def port(tmp_path: Path) -> FilePort:
    return FilePort(tmp_path / "config" / "settings.json")


@pytest.fixture
def dialog(qtbot: QtBot, port: FilePort):
    runner = TaskRunner()
    d = SettingsDialog(runner, port, Settings())
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    yield d
    runner.shutdown()


def test_training_needs_no_keys_and_saves_without_secrets(
    dialog: SettingsDialog, qtbot: QtBot, port: FilePort
) -> None:
    assert not dialog.client_id.isEnabled()
    dialog.tabs.setCurrentIndex(1)
    dialog.terminal_id.selectAll()
    qtbot.keyClicks(dialog.terminal_id, "TILL-07")
    dialog.currency.setCurrentIndex(dialog.currency.findData("JPY"))
    with qtbot.waitSignal(dialog.settings_saved) as got:
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    saved = got.args[0]
    assert saved.terminal_id == "TILL-07" and saved.currency == "JPY"
    on_disk = json.loads(port.path.read_text())
    assert on_disk["terminal_id"] == "TILL-07"
    assert "BEGIN" not in port.path.read_text()


def test_bad_values_are_shown_next_to_their_field(
    dialog: SettingsDialog, qtbot: QtBot, port: FilePort
) -> None:
    dialog.environment.setCurrentIndex(dialog.environment.findData("production"))
    assert dialog.client_id.isEnabled()
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert "client id" in dialog.errors["client_id"].text()
    assert not port.path.exists()
    qtbot.keyClicks(dialog.client_id, "SANDBOX_5Y0566SG25J004124")
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert "SANDBOX_" in dialog.errors["client_id"].text()
    dialog.region.setCurrentIndex(dialog.region.findData("custom"))
    assert dialog.gateway_url.isEnabled()
    qtbot.keyClicks(dialog.gateway_url, "ftp://example")
    dialog.environment.setCurrentIndex(dialog.environment.findData("sandbox"))
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert dialog.errors["gateway_url"].text() != ""
    assert not port.path.exists()
    dialog.tabs.setCurrentIndex(1)
    dialog.terminal_id.clear()
    dialog.region.setCurrentIndex(dialog.region.findData("ASIA"))
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert "printable" in dialog.errors["terminal_id"].text()
    assert dialog.tabs.currentIndex() == 1


def _keypair(tmp_path: Path) -> tuple[Path, Path, Path]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    merchant = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    antom = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = tmp_path / "merchant.pem"
    private.write_bytes(
        merchant.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    public = tmp_path / "antom.pem"
    public.write_bytes(
        antom.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    garbage = tmp_path / "notakey.pem"
    garbage.write_text("hello")
    return private, public, garbage


def test_keys_are_validated_and_imported_on_a_worker(
    dialog: SettingsDialog, qtbot: QtBot, port: FilePort, tmp_path: Path
) -> None:
    private, public, garbage = _keypair(tmp_path)
    dialog.environment.setCurrentIndex(dialog.environment.findData("sandbox"))
    qtbot.keyClicks(dialog.client_id, "SANDBOX_5Y0566SG25J004124")
    qtbot.keyClicks(dialog.private_key_path, str(garbage))
    qtbot.keyClicks(dialog.public_key_path, str(public))
    dialog.import_button.click()
    qtbot.waitUntil(lambda: "Not stored" in dialog.keys_error.text())
    assert port.stored_keys == {}
    dialog.private_key_path.setText(str(tmp_path / "missing.pem"))
    dialog.import_button.click()
    qtbot.waitUntil(lambda: "does not exist" in dialog.keys_error.text())
    dialog.private_key_path.setText(str(private))
    dialog.import_button.click()
    qtbot.waitUntil(lambda: "stored in the keyring" in dialog.key_state.text(), timeout=10000)
    assert port.stored_keys == {"sandbox": "SANDBOX_5Y0566SG25J004124"}
    assert dialog.private_key_path.text() == ""
    qtbot.keyClicks(dialog.payment_redirect_url, "https://shop.example/paid")
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    qtbot.waitUntil(lambda: port.path.exists())
    text = port.path.read_text()
    assert "PRIVATE KEY" not in text and "PUBLIC KEY" not in text and str(private) not in text


def test_test_connection_lists_each_check(
    dialog: SettingsDialog, qtbot: QtBot, port: FilePort
) -> None:
    dialog.test_button.click()
    qtbot.waitUntil(lambda: "gateway" in dialog.test_results.text())
    assert "✔" in dialog.test_results.text() and "✘" in dialog.test_results.text()
    assert dialog.test_results.property("all_ok") is False
    assert port.checks[0].environment is Environment.TRAINING


def test_pin_change_checks_repeat_and_reports_a_wrong_pin(
    dialog: SettingsDialog, qtbot: QtBot, port: FilePort
) -> None:
    dialog.tabs.setCurrentIndex(2)
    qtbot.keyClicks(dialog.pin_current, "9999")
    qtbot.keyClicks(dialog.pin_new, "12")
    dialog.pin_button.click()
    assert "4 to 12 digits" in dialog.errors["pin_new"].text()  # training: 4 digits at least
    dialog.pin_new.setText("4321")
    dialog.pin_repeat.setText("4322")
    dialog.pin_button.click()
    assert "not the same" in dialog.errors["pin_repeat"].text()
    dialog.pin_repeat.setText("4321")
    dialog.pin_button.click()
    qtbot.waitUntil(lambda: "not right" in dialog.errors["pin_current"].text())
    assert port.pin == "1234"
    qtbot.keyClicks(dialog.pin_current, "1234")
    dialog.pin_new.setText("4321")
    dialog.pin_repeat.setText("4321")
    qtbot.keyClick(dialog.pin_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "changed" in dialog.pin_state.text())
    assert port.pin == "4321"
