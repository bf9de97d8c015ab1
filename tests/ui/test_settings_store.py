"""Settings › Store: the station's role and its journal (this computer, or the store's
PostgreSQL server): the URL checked by the resolver (a password in it refused with the
keyring advice), Test connecting off the GUI thread to the real test server, and the password
going into the real OS keyring entry the resolver reads, never into the settings file."""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from pytestqt.qtbot import QtBot

from posapp.config import Role, Settings, load_settings, save_settings
from posapp.core.journal.location import KEYRING_SERVICE, keyring_entry, parse_location
from posapp.core.services import journal_server
from posapp.ui.ports import CheckResult
from posapp.ui.tasks import TaskRunner
from posapp.ui.views.settings_dialog import SettingsDialog
from tests.journal_backends import PG_URL
from tests.ui.screens import shot

TILL_PASSWORD = "till-secret-for-tests"  # tests/run.sh's role `till` (scram-sha-256)


class Port:
    """SettingsPort over a real settings file; JournalServerPort as the Till does it (the
    core's test connection and keyring store), noting the thread each ran on."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.threads: list[bool] = []

    def current_settings(self) -> Settings:
        return load_settings(self.path)

    def save_settings(self, settings: Settings) -> None:
        save_settings(self.path, settings)

    def has_keys(self, environment: str) -> bool:
        return True

    def import_keys(self, *args: str) -> None:
        raise AssertionError("not in these tests")

    def test_connection(self, settings: Settings) -> list[CheckResult]:
        return []

    def change_pin(self, old_pin: str, new_pin: str) -> None:
        raise AssertionError("not in these tests")

    def training_pin_hint(self) -> str:
        return ""

    def test_journal(self, url: str, password: str) -> str:
        self.threads.append(threading.current_thread() is threading.main_thread())
        return journal_server.test_connection(url, password or None)

    def store_journal_password(self, url: str, password: str) -> str:
        self.threads.append(threading.current_thread() is threading.main_thread())
        return journal_server.store_password(url, password)


@pytest.fixture
def port(tmp_path: Path) -> Port:
    return Port(tmp_path / "config" / "settings.json")


@pytest.fixture
def dialog(qtbot: QtBot, port: Port):
    runner = TaskRunner()
    d = SettingsDialog(runner, port, Settings(), journal_port=port)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    d.tabs.setCurrentIndex(d.tabs.count() - 1)
    yield d
    runner.shutdown()


def _as_user(url: str, user: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.split("@", 1)[-1]
    return urlunsplit((parts.scheme, f"{user}@{host}", parts.path, parts.query, ""))


def _save(dialog: SettingsDialog, qtbot: QtBot) -> Settings:
    with qtbot.waitSignal(dialog.settings_saved, timeout=10_000) as got:
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    saved = got.args[0]
    assert isinstance(saved, Settings)
    return saved


def test_role_and_this_computers_journal_are_the_defaults(
    dialog: SettingsDialog, qtbot: QtBot, port: Port
) -> None:
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Store"
    assert dialog.journal_local.isChecked() and not dialog.journal_url.isEnabled()
    assert not dialog.journal_test_button.isEnabled()
    shot(dialog, "settings-store-local")
    dialog.role.setCurrentIndex(dialog.role.findData(Role.BACK_OFFICE.value))
    saved = _save(dialog, qtbot)
    assert saved.role == "back-office" and saved.journal_url == ""
    assert load_settings(port.path).back_office


def test_a_url_with_a_password_or_another_scheme_is_refused_next_to_the_field(
    dialog: SettingsDialog, qtbot: QtBot, port: Port
) -> None:
    dialog.journal_server.setChecked(True)
    assert dialog.journal_url.isEnabled() and dialog.journal_test_button.isEnabled()
    error = dialog.errors["journal_url"]
    dialog.journal_test_button.click()
    assert error.isVisible() and "postgresql://" in error.text()
    qtbot.keyClicks(dialog.journal_url, "postgresql://till:hunter2@db.shop.lan/posapp")
    dialog.journal_test_button.click()
    assert error.isVisible() and "keyring" in error.text()
    assert port.threads == []  # nothing tried to connect
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert error.isVisible() and not port.path.exists()
    shot(dialog, "settings-store-password-refused")
    dialog.journal_url.setText("mysql://till@db.shop.lan/posapp")
    dialog.journal_test_button.click()
    assert error.isVisible() and "mysql://" in error.text()


@pytest.mark.skipif(not PG_URL, reason="needs the PostgreSQL server tests/run.sh starts")
def test_test_connects_off_the_gui_thread_and_reports_next_to_the_field(
    dialog: SettingsDialog, qtbot: QtBot, port: Port
) -> None:
    dialog.journal_server.setChecked(True)
    dialog.journal_url.setText(PG_URL)
    dialog.journal_test_button.click()
    result = dialog.journal_test_result
    qtbot.waitUntil(lambda: "Connected: PostgreSQL" in result.text(), timeout=10_000)
    assert result.property("ok") is True
    assert port.threads == [False]
    shot(dialog, "settings-store-connected")
    # a server that is not there: the reason, and the button usable again
    gone = PG_URL.split("?", 1)[0] + "?host=/nonexistent-posapp-socket"
    dialog.journal_url.setText(gone)
    dialog.journal_test_button.click()
    qtbot.waitUntil(lambda: result.property("ok") is False, timeout=10_000)
    assert "does not answer" in result.text()
    assert dialog.journal_test_button.isEnabled()
    dialog.resize(dialog.minimumSizeHint())
    shot(dialog, "settings-store-unreachable-small")


@pytest.mark.skipif(not PG_URL, reason="needs the PostgreSQL server tests/run.sh starts")
def test_the_password_goes_to_the_keyring_entry_the_resolver_reads(
    dialog: SettingsDialog, qtbot: QtBot, port: Port
) -> None:
    import keyring

    url = _as_user(PG_URL, "till")  # the role that must give its password
    entry = keyring_entry(parse_location(url))
    dialog.journal_server.setChecked(True)
    dialog.journal_url.setText(url)
    try:
        dialog.journal_test_button.click()  # no password anywhere yet: refused
        result = dialog.journal_test_result
        qtbot.waitUntil(lambda: result.property("ok") is False, timeout=10_000)
        qtbot.keyClicks(dialog.journal_password, TILL_PASSWORD)
        assert result.text() == ""  # typing clears the old answer
        dialog.journal_test_button.click()  # the typed password
        qtbot.waitUntil(lambda: result.property("ok") is True, timeout=10_000)
        saved = _save(dialog, qtbot)
        assert saved.journal_url == url
        assert keyring.get_password(KEYRING_SERVICE, entry) == TILL_PASSWORD
        assert TILL_PASSWORD not in port.path.read_text(encoding="utf-8")
        assert load_settings(port.path).journal_url == url
        assert not any(port.threads)  # store and test ran on workers
        # the resolver's own lookup now connects with it
        assert journal_server.test_connection(url).startswith("PostgreSQL")
    finally:
        try:
            keyring.delete_password(KEYRING_SERVICE, entry)
        except keyring.errors.PasswordDeleteError:
            pass
