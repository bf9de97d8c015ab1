"""Settings: environment, gateway, client id, keys into the keyring, till, manager PIN.

Secrets never pass through ``Settings``: the key files are read and validated on a worker and
go straight to the SecretStore; ``save_settings`` only ever sees the non-secret fields.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from posapp.config import (
    GATEWAYS,
    REDIRECT_URL_MAX,
    ConfigError,
    Environment,
    Role,
    Settings,
    UrlProblem,
    journal_url_problem,
    redirect_url_problem,
)
from posapp.core.antom import signing
from posapp.core.antom.errors import KeyFileTooLargeError
from posapp.core.journal.location import KEYRING_SERVICE
from posapp.core.money import EXPONENTS
from posapp.core.services.journal_server import JournalServerError
from posapp.core.services.pin import PIN_MAX, PIN_MIN, TRAINING_PIN_MIN
from posapp.core.usertext import UserText
from posapp.ui.i18n import error_text, service_text, user_error_text
from posapp.ui.ports import CheckResult, JournalServerPort, SettingsPort
from posapp.ui.tasks import Lane, TaskRunner
from posapp.ui.widgets.field_error import FieldError

log = logging.getLogger(__name__)


def read_key_file(path: str, what: str) -> str:
    """The text of a key file, with a message fit for a user when it cannot be read."""
    if not path.strip():
        raise ValueError(
            QCoreApplication.translate("SettingsDialog", "Choose the %1 file").replace("%1", what)
        )
    p = Path(path.strip()).expanduser()
    try:
        return signing.read_key_file(p).decode("utf-8")
    except KeyFileTooLargeError:
        raise ValueError(
            QCoreApplication.translate(
                "SettingsDialog", "%1 is too large to be a key file"
            ).replace("%1", p.name)
        ) from None
    except FileNotFoundError:
        raise ValueError(
            QCoreApplication.translate("SettingsDialog", "%1 does not exist").replace("%1", str(p))
        ) from None
    except UnicodeDecodeError:
        raise ValueError(
            QCoreApplication.translate("SettingsDialog", "%1 is not a text (PEM) key file").replace(
                "%1", p.name
            )
        ) from None
    except OSError as exc:
        raise ValueError(
            QCoreApplication.translate("SettingsDialog", "cannot read %1: %2")
            .replace("%1", str(p))
            .replace("%2", exc.strerror or "")
        ) from None


class SettingsDialog(QDialog):
    """Edits the settings; each slow step (keyring, doctor checks, PIN hash) runs on a worker.

    Signals: ``settings_saved(object)`` with the saved Settings; ``pin_changed()``.
    """

    settings_saved = Signal(object)
    pin_changed = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        port: SettingsPort,
        settings: Settings,
        parent: QWidget | None = None,
        *,
        journal_port: JournalServerPort | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self._journal_port = journal_port
        self.setObjectName("settingsDialog")
        self._runner = runner
        self._port = port
        self._settings = settings
        self.errors: dict[str, FieldError] = {}
        self.resize(720, 560)

        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._build_connection_tab(), self.tr("Connection"))
        self.tabs.addTab(self._build_till_tab(), self.tr("Till"))
        self.tabs.addTab(self._build_pin_tab(), self.tr("Manager PIN"))
        self.tabs.addTab(self._build_store_tab(), self.tr("Store"))

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.save_error = FieldError(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.save_error)
        layout.addWidget(self.buttons)
        self._load(settings)
        self._refresh_key_state()

    # -- tabs -------------------------------------------------------------------------------
    def _row(
        self, grid: QGridLayout, row: int, caption: str, item: QWidget | QHBoxLayout, field: str
    ) -> None:
        label = QLabel(caption, self)
        if isinstance(item, QWidget):
            label.setBuddy(item)
            grid.addWidget(item, row, 1)
        else:
            cell = item.itemAt(0) if item.count() else None
            first = cell.widget() if cell is not None else None
            if first is not None:
                label.setBuddy(first)
            grid.addLayout(item, row, 1)
        grid.addWidget(label, row, 0)
        error = FieldError(self)
        grid.addWidget(error, row + 1, 1)
        self.errors[field] = error

    def _build_connection_tab(self) -> QWidget:
        page = QWidget(self)
        grid = QGridLayout(page)
        grid.setColumnStretch(1, 1)
        self.environment = QComboBox(self)
        self.environment.addItem(self.tr("Training (embedded sandbox, no real money)"), "training")
        self.environment.addItem(self.tr("Antom sandbox (test account)"), "sandbox")
        self.environment.addItem(self.tr("Production (live payments)"), "production")
        self.environment.setAccessibleName(self.tr("Environment"))
        self.environment.currentIndexChanged.connect(self._on_environment_changed)
        self._row(grid, 0, self.tr("&Environment"), self.environment, "environment")

        self.region = QComboBox(self)
        names = {
            "ASIA": self.tr("Asia"),
            "NA": self.tr("North America"),
            "US": self.tr("United States merchants"),
            "EU": self.tr("Europe"),
        }
        for key, url in GATEWAYS.items():
            self.region.addItem(f"{names.get(key, key)} — {url}", key)
        self.region.addItem(self.tr("Custom URL"), "custom")
        self.region.setAccessibleName(self.tr("Gateway region"))
        self.region.currentIndexChanged.connect(self._on_region_changed)
        self._row(grid, 2, self.tr("&Gateway"), self.region, "region")
        self.gateway_url = QLineEdit(self)
        self.gateway_url.setPlaceholderText("https://open-sea-global.alipay.com")
        self.gateway_url.setAccessibleName(self.tr("Custom gateway URL"))
        self._row(grid, 4, self.tr("Custom &URL"), self.gateway_url, "gateway_url")
        self.client_id = QLineEdit(self)
        self.client_id.setAccessibleName(self.tr("Client id"))
        self.client_id.setPlaceholderText("SANDBOX_5Y0566SG25J004124")
        self._row(grid, 6, self.tr("&Client id"), self.client_id, "client_id")
        # paymentRedirectUrl: Antom requires it in every pay (training: the sandbox's page)
        self.payment_redirect_url = QLineEdit(self)
        self.payment_redirect_url.setMaxLength(REDIRECT_URL_MAX)
        self.payment_redirect_url.setAccessibleName(
            self.tr("Page the buyer returns to after 3-D Secure")
        )
        self._row(
            grid,
            8,
            self.tr("&Return page after 3-D Secure"),
            self.payment_redirect_url,
            "payment_redirect_url",
        )

        self.private_key_path = QLineEdit(self)
        self.private_key_path.setAccessibleName(self.tr("Merchant private key file"))
        self.public_key_path = QLineEdit(self)
        self.public_key_path.setAccessibleName(self.tr("Antom public key file"))
        for r, (edit, caption, field) in enumerate(
            (
                (self.private_key_path, self.tr("Merchant &private key"), "private_key"),
                (self.public_key_path, self.tr("Antom p&ublic key"), "public_key"),
            )
        ):
            line = QHBoxLayout()
            line.addWidget(edit, 1)
            browse = QPushButton(self.tr("Browse…"), self)
            browse.setAccessibleName(self.tr("Browse for %1").replace("%1", edit.accessibleName()))
            browse.clicked.connect(lambda _c=False, e=edit: self._browse(e))
            line.addWidget(browse)
            self._row(grid, 10 + 2 * r, caption, line, field)
        keys_line = QHBoxLayout()
        self.import_button = QPushButton(self.tr("&Import keys into the keyring"), self)
        self.import_button.clicked.connect(self.import_keys)
        self.key_state = QLabel(self)
        self.key_state.setObjectName("keyState")
        self.key_state.setWordWrap(True)
        keys_line.addWidget(self.import_button)
        keys_line.addWidget(self.key_state, 1)
        grid.addLayout(keys_line, 14, 1)
        self.keys_error = FieldError(self)
        self.errors["keys"] = self.keys_error
        grid.addWidget(self.keys_error, 15, 1)

        test_line = QHBoxLayout()
        self.test_button = QPushButton(self.tr("&Test connection"), self)
        self.test_button.clicked.connect(self.test_connection)
        test_line.addWidget(self.test_button)
        test_line.addStretch(1)
        grid.addLayout(test_line, 16, 1)
        self.test_results = QLabel(self)
        self.test_results.setObjectName("testResults")
        self.test_results.setWordWrap(True)
        self.test_results.setTextFormat(Qt.TextFormat.RichText)
        self.test_results.setAccessibleName(self.tr("Connection test results"))
        grid.addWidget(self.test_results, 17, 1)
        grid.setRowStretch(18, 1)
        return page

    def _build_till_tab(self) -> QWidget:
        page = QWidget(self)
        grid = QGridLayout(page)
        grid.setColumnStretch(1, 1)
        self.terminal_id = QLineEdit(self)
        self.terminal_id.setMaxLength(32)
        self.terminal_id.setAccessibleName(self.tr("Terminal id"))
        self._row(grid, 0, self.tr("&Terminal id"), self.terminal_id, "terminal_id")
        self.merchant_name = QLineEdit(self)
        self.merchant_name.setAccessibleName(self.tr("Store name on receipts"))
        self._row(grid, 2, self.tr("&Store name"), self.merchant_name, "merchant_name")
        self.currency = QComboBox(self)
        for code in sorted(EXPONENTS):
            self.currency.addItem(code, code)
        self.currency.setAccessibleName(self.tr("Currency"))
        self._row(grid, 4, self.tr("C&urrency"), self.currency, "currency")
        # settlementStrategy.settlementCurrency: only contracts with several need another one
        self.settlement_currency = QComboBox(self)
        self.settlement_currency.addItem(self.tr("Same as the sale"), "")
        for code in sorted(EXPONENTS):
            self.settlement_currency.addItem(code, code)
        self.settlement_currency.setAccessibleName(self.tr("Settlement currency"))
        self._row(
            grid,
            8,
            self.tr("Settle&ment currency"),
            self.settlement_currency,
            "settlement_currency",
        )
        # Language (H7): each name in its own language, so anyone can find theirs.
        self.language = QComboBox(self)
        self.language.addItem(self.tr("Follow the computer"), "system")
        self.language.addItem("English", "en")
        self.language.addItem("简体中文", "zh_CN")
        self.language.setAccessibleName(self.tr("Language"))
        self._row(grid, 6, self.tr("&Language"), self.language, "language")
        # New payment's "External 3-D Secure result" section (MPI data): off by default
        self.external_3ds = QCheckBox(
            self.tr("Accept an e&xternal 3-D Secure result (MPI) in New payment"), self
        )
        self.external_3ds.setAccessibleName(self.tr("External 3-D Secure result"))
        grid.addWidget(self.external_3ds, 10, 1)
        grid.setRowStretch(11, 1)
        return page

    def _build_pin_tab(self) -> QWidget:
        page = QWidget(self)
        grid = QGridLayout(page)
        grid.setColumnStretch(1, 1)
        self.pin_current = QLineEdit(self)
        self.pin_new = QLineEdit(self)
        self.pin_repeat = QLineEdit(self)
        for r, (edit, caption, name) in enumerate(
            (
                (self.pin_current, self.tr("&Current PIN"), self.tr("Current manager PIN")),
                (self.pin_new, self.tr("&New PIN"), self.tr("New manager PIN")),
                (self.pin_repeat, self.tr("&Repeat new PIN"), self.tr("Repeat the new PIN")),
            )
        ):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setMaxLength(PIN_MAX)
            edit.setAccessibleName(name)
            self._row(grid, 2 * r, caption, edit, ("pin_current", "pin_new", "pin_repeat")[r])
        self.pin_button = QPushButton(self.tr("Change &PIN"), self)
        self.pin_button.clicked.connect(self.change_pin)
        self.pin_state = QLabel(self)
        self.pin_state.setObjectName("pinState")
        line = QHBoxLayout()
        line.addWidget(self.pin_button)
        line.addWidget(self.pin_state, 1)
        grid.addLayout(line, 6, 1)
        hint = QLabel(
            self.tr("A PIN has %1 to %2 digits. It approves captures, cancels and refunds.")
            .replace("%1", str(self._pin_minimum()))
            .replace("%2", str(PIN_MAX)),
            self,
        )
        hint.setWordWrap(True)
        grid.addWidget(hint, 7, 1)
        grid.setRowStretch(8, 1)
        return page

    def _build_store_tab(self) -> QWidget:
        """The station's role and where the journal is: this computer's file, or the store
        server shared by every till (its password into the keyring, never the settings)."""
        page = QWidget(self)
        grid = QGridLayout(page)
        grid.setColumnStretch(1, 1)
        self.role = QComboBox(self)
        self.role.addItem(self.tr("Till: keys card payments"), Role.TILL.value)
        self.role.addItem(
            self.tr("Back office: no card entry; every till's payments"), Role.BACK_OFFICE.value
        )
        self.role.setAccessibleName(self.tr("Role of this computer"))
        self._row(grid, 0, self.tr("&Role"), self.role, "role")

        self.journal_local = QRadioButton(self.tr("This &computer (SQLite)"), self)
        self.journal_server = QRadioButton(self.tr("Store ser&ver (PostgreSQL)"), self)
        self.journal_choice = QButtonGroup(self)
        self.journal_choice.addButton(self.journal_local)
        self.journal_choice.addButton(self.journal_server)
        self.journal_server.toggled.connect(self._on_journal_choice)
        choice = QHBoxLayout()
        choice.addWidget(self.journal_local)
        choice.addWidget(self.journal_server)
        choice.addStretch(1)
        self._row(grid, 2, self.tr("&Journal"), choice, "journal_choice")

        self.journal_url = QLineEdit(self)
        self.journal_url.setPlaceholderText(
            "postgresql://till@db.shop.lan/posapp?sslmode=verify-full"
        )
        self.journal_url.setAccessibleName(self.tr("Store server URL"))
        self.journal_url.textEdited.connect(lambda _t: self._clear_journal_test())
        self.journal_test_button = QPushButton(self.tr("T&est"), self)
        self.journal_test_button.setToolTip(self.tr("Connect to the store server now"))
        self.journal_test_button.clicked.connect(self.test_journal)
        self.journal_test_button.setEnabled(self._journal_port is not None)
        url_line = QHBoxLayout()
        url_line.addWidget(self.journal_url, 1)
        url_line.addWidget(self.journal_test_button)
        self._row(grid, 4, self.tr("Server &URL"), url_line, "journal_url")
        self.journal_test_result = QLabel(self)
        self.journal_test_result.setObjectName("journalTestResult")
        self.journal_test_result.setWordWrap(True)
        self.journal_test_result.setTextFormat(Qt.TextFormat.RichText)
        grid.addWidget(self.journal_test_result, 6, 1)

        self.journal_password = QLineEdit(self)
        self.journal_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.journal_password.setAccessibleName(self.tr("Store server password"))
        self.journal_password.setPlaceholderText(self.tr("Leave empty to keep the stored one"))
        self.journal_password.textEdited.connect(lambda _t: self._clear_journal_test())
        self._row(grid, 7, self.tr("&Password"), self.journal_password, "journal_password")
        hint = QLabel(
            self.tr(
                "The password goes into the system keyring (service %1), never into the "
                "settings file. Every till and the back office name the same server; the "
                "choice applies when posapp starts again."
            ).replace("%1", KEYRING_SERVICE),
            self,
        )
        hint.setWordWrap(True)
        hint.setObjectName("hint")
        grid.addWidget(hint, 9, 1)
        grid.setRowStretch(10, 1)
        return page

    def _on_journal_choice(self, _checked: bool = False) -> None:
        server = self.journal_server.isChecked()
        for widget in (self.journal_url, self.journal_password):
            widget.setEnabled(server)
        self.journal_test_button.setEnabled(server and self._journal_port is not None)
        if not server:
            self._clear_journal_test()

    def _clear_journal_test(self) -> None:
        self.journal_test_result.clear()
        self.journal_test_result.setProperty("ok", None)

    def _journal_url_error(self) -> str | None:
        """Why the URL typed cannot name the store server, in the UI's language; None if
        it can (or the journal is this computer's)."""
        if not self.journal_server.isChecked():
            return None
        url = self.journal_url.text().strip()
        if not url:
            return self.tr("Enter the store server's postgresql://user@host/database URL")
        try:
            has_password = urlsplit(url).password is not None
        except ValueError:
            has_password = False
        if has_password:
            return self.tr(
                "Remove the password from the URL: type it in the Password field, which "
                "keeps it in the system keyring"
            )
        problem = journal_url_problem(url)
        return None if problem is None else service_text(problem)

    def test_journal(self) -> None:
        """Connect to the server off the GUI thread; ok or the reason under the field."""
        error = self._journal_url_error()
        self.errors["journal_url"].clear_error()
        if error is not None:
            self.errors["journal_url"].show_error(error)
            return
        port = self._journal_port
        if port is None:
            return
        self.journal_test_button.setEnabled(False)
        self.journal_test_result.setText(self.tr("Connecting…"))
        self._runner.run(
            port.test_journal,
            self.journal_url.text().strip(),
            self.journal_password.text(),
            on_done=self._on_journal_tested,  # the network lane, as Test connection
            on_error=self._on_journal_test_failed,
            owner=self,
            label="test the store server",
        )

    def _on_journal_tested(self, version: str) -> None:
        self.journal_test_button.setEnabled(self.journal_server.isChecked())
        self.journal_test_result.setText(
            '<span style="color:#16a34a">✔</span> '
            + _esc(self.tr("Connected: %1").replace("%1", version))
        )
        self.journal_test_result.setProperty("ok", True)

    def _on_journal_test_failed(self, exc: BaseException) -> None:
        self.journal_test_button.setEnabled(self.journal_server.isChecked())
        self.journal_test_result.setText(
            '<span style="color:#dc2626">✘</span> ' + _esc(user_error_text(exc) or str(exc))
        )
        self.journal_test_result.setProperty("ok", False)

    # -- values ---------------------------------------------------------------------------
    def _load(self, s: Settings) -> None:
        self.environment.setCurrentIndex(max(0, self.environment.findData(s.environment.value)))
        self.region.setCurrentIndex(max(0, self.region.findData(s.region)))
        self.gateway_url.setText(s.gateway_url)
        self.client_id.setText(s.client_id)
        self.payment_redirect_url.setText(s.payment_redirect_url)
        self.settlement_currency.setCurrentIndex(
            max(0, self.settlement_currency.findData(s.settlement_currency))
        )
        self.terminal_id.setText(s.terminal_id)
        self.merchant_name.setText(s.merchant_name)
        self.currency.setCurrentIndex(max(0, self.currency.findData(s.currency)))
        self.language.setCurrentIndex(max(0, self.language.findData(s.language)))
        self.external_3ds.setChecked(s.external_3ds)
        self.role.setCurrentIndex(max(0, self.role.findData(s.role)))
        self.journal_url.setText(s.journal_url)
        (self.journal_server if s.journal_url else self.journal_local).setChecked(True)
        self._on_journal_choice()
        self._on_environment_changed()
        self._on_region_changed()

    def candidate(self) -> Settings:
        """The settings as edited (not validated)."""
        return replace(
            self._settings,
            environment=Environment(self.environment.currentData()),
            region=str(self.region.currentData()),
            gateway_url=self.gateway_url.text().strip(),
            client_id=self.client_id.text().strip(),
            terminal_id=self.terminal_id.text().strip(),
            merchant_name=self.merchant_name.text().strip() or self._settings.merchant_name,
            currency=str(self.currency.currentData()),
            language=str(self.language.currentData()),
            payment_redirect_url=self.payment_redirect_url.text().strip(),
            settlement_currency=str(self.settlement_currency.currentData() or ""),
            external_3ds=self.external_3ds.isChecked(),
            role=str(self.role.currentData()),
            journal_url=self.journal_url.text().strip() if self.journal_server.isChecked() else "",
        )

    def _validated(self, *, for_save: bool = False) -> Settings | None:
        """The edited settings if usable; else None, with the reason next to the field.
        ``for_save``: also refuse leaving training with a setting Antom needs in every
        payment still empty (a test of the connection only names it)."""
        for error in self.errors.values():
            error.clear_error()
        self.save_error.clear_error()
        candidate = self.candidate()
        journal_error = self._journal_url_error()
        if journal_error is not None:
            self._show_error("journal_url", journal_error)
            return None
        problem = redirect_url_problem(candidate.payment_redirect_url, candidate.environment)
        if problem is not None:
            self._show_error("payment_redirect_url", self._url_words(problem))
            return None
        try:
            candidate = candidate.validate()
        except ConfigError as exc:
            self._show_error(exc.field, exc.message)
            return None
        if for_save and candidate.missing_for_payments():
            self._show_error(
                "payment_redirect_url",
                self.tr(
                    "Antom refuses every payment without this page: enter it before leaving "
                    "training mode"
                ),
            )
            return None
        return candidate

    def _url_words(self, problem: UrlProblem) -> str:
        return {
            UrlProblem.TOO_LONG: self.tr("Use at most %1 characters").replace(
                "%1", str(REDIRECT_URL_MAX)
            ),
            UrlProblem.NOT_A_URL: self.tr("Enter a URL such as https://shop.example/paid"),
            UrlProblem.NOT_HTTPS: self.tr("Outside training the page must start with https://"),
        }[problem]

    def _show_error(self, field: str, message: str) -> None:
        message = service_text(message)  # a UserText from the core, in the UI's language
        target = self.errors.get(field)
        if target is None:
            self.save_error.show_error(message)
            return
        target.show_error(message)
        for tab in range(self.tabs.count()):
            page = self.tabs.widget(tab)
            if page is not None and page.isAncestorOf(target):
                self.tabs.setCurrentIndex(tab)

    def _on_environment_changed(self, _index: int = 0) -> None:
        training = self.environment.currentData() == "training"
        for widget in (
            self.region,
            self.gateway_url,
            self.client_id,
            self.private_key_path,
            self.public_key_path,
            self.import_button,
            self.payment_redirect_url,
        ):
            widget.setEnabled(not training)
        self.payment_redirect_url.setPlaceholderText(
            self.tr("Training uses the sandbox's own page")
            if training
            else "https://shop.example/paid"
        )
        self.client_id.setPlaceholderText("" if training else "SANDBOX_5Y0566SG25J004124")
        self.gateway_url.setPlaceholderText(
            "" if training else "https://open-sea-global.alipay.com"
        )
        if not training:
            self._on_region_changed()
        self._refresh_key_state()

    def _on_region_changed(self, _index: int = 0) -> None:
        training = self.environment.currentData() == "training"
        self.gateway_url.setEnabled(not training and self.region.currentData() == "custom")

    def _browse(self, edit: QLineEdit) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            edit.accessibleName(),
            edit.text(),
            self.tr("Key files (*.pem *.key *.txt);;All files (*)"),
        )
        if path:
            edit.setText(path)

    # -- keys -------------------------------------------------------------------------------
    def _refresh_key_state(self) -> None:
        env = self.environment.currentData()
        if env == "training":
            self.key_state.setText(self.tr("Training mode uses the embedded sandbox's own keys."))
            return
        self._runner.run(
            self._port.has_keys,
            env,
            lane=Lane.WRITES,  # the keyring: local, may be slow (D-Bus), never the network
            on_done=partial(self._on_key_state, env),
            on_error=lambda exc: self.key_state.setText(str(exc)),
            owner=self,
            label="keyring status",
        )

    def _on_key_state(self, env: str, stored: bool) -> None:
        if env != self.environment.currentData():
            return
        self.key_state.setText(
            self.tr("Keys are stored in the keyring.")
            if stored
            else self.tr("No keys stored for this environment yet.")
        )

    def import_keys(self) -> None:
        self.keys_error.clear_error()
        for f in ("private_key", "public_key", "client_id"):
            self.errors[f].clear_error()
        env = str(self.environment.currentData())
        client_id = self.client_id.text().strip()
        if not client_id:
            self._show_error("client_id", self.tr("Enter the client id from the Antom dashboard"))
            return
        private_path, public_path = self.private_key_path.text(), self.public_key_path.text()
        port = self._port

        def work() -> None:
            private = read_key_file(
                private_path, QCoreApplication.translate("SettingsDialog", "merchant private key")
            )
            public = read_key_file(
                public_path, QCoreApplication.translate("SettingsDialog", "Antom public key")
            )
            port.import_keys(env, client_id, private, public)

        self.import_button.setEnabled(False)
        self.key_state.setText(self.tr("Checking the keys…"))
        self._runner.run(
            work,
            lane=Lane.WRITES,
            on_done=lambda _r: self._on_keys_imported(),
            on_error=self._on_keys_failed,
            owner=self,
            label="import keys",
        )

    def _on_keys_imported(self) -> None:
        self.import_button.setEnabled(True)
        self.private_key_path.clear()
        self.public_key_path.clear()
        self.key_state.setText(self.tr("Keys checked (sign and verify) and stored in the keyring."))

    def _on_keys_failed(self, exc: BaseException) -> None:
        self.import_button.setEnabled(True)
        self.key_state.setText("")
        message = getattr(exc, "message", None) or str(exc)
        self.keys_error.show_error(self.tr("Not stored: %1").replace("%1", message))

    # -- test connection ------------------------------------------------------------------
    def test_connection(self) -> None:
        candidate = self._validated()
        if candidate is None:
            return
        self.test_button.setEnabled(False)
        self.test_results.setText(self.tr("Testing…"))
        self._runner.run(
            self._port.test_connection,
            candidate,
            on_done=self._on_tested,
            on_error=self._on_test_failed,
            owner=self,
            label="test connection",
        )

    def _on_tested(self, results: Sequence[CheckResult]) -> None:
        self.test_button.setEnabled(True)
        lines = []
        for r in results:
            mark = (
                '<span style="color:#16a34a">✔</span>'
                if r.ok
                else '<span style="color:#dc2626">✘</span>'
            )
            detail = f" — {_esc(r.detail)}" if r.detail else ""
            lines.append(f"{mark} <b>{_esc(r.name)}</b>{detail}")
        self.test_results.setText("<br>".join(lines) or self.tr("No checks ran."))
        self.test_results.setProperty("all_ok", all(r.ok for r in results))

    def _on_test_failed(self, exc: BaseException) -> None:
        self.test_button.setEnabled(True)
        self.test_results.setText(
            '<span style="color:#dc2626">✘</span> ' + _esc(user_error_text(exc) or str(exc))
        )
        self.test_results.setProperty("all_ok", False)

    # -- PIN --------------------------------------------------------------------------------
    def _pin_minimum(self) -> int:
        """Six digits at least for a till on live money; training may keep four."""
        training = self._settings.environment is Environment.TRAINING
        return TRAINING_PIN_MIN if training else PIN_MIN

    def change_pin(self) -> None:
        for f in ("pin_current", "pin_new", "pin_repeat"):
            self.errors[f].clear_error()
        new, repeat = self.pin_new.text(), self.pin_repeat.text()
        minimum = self._pin_minimum()
        if not (new.isdigit() and new.isascii() and minimum <= len(new) <= PIN_MAX):
            self._show_error(
                "pin_new",
                UserText(
                    "pin.length",
                    "The PIN has {min} to {max} digits",
                    min=minimum,
                    max=PIN_MAX,
                ),
            )
            return
        if new != repeat:
            self._show_error("pin_repeat", self.tr("The two new PINs are not the same"))
            return
        current = self.pin_current.text()
        self.pin_button.setEnabled(False)
        self.pin_state.setText(self.tr("Changing…"))
        self._runner.run(
            self._port.change_pin,
            current,
            new,
            lane=Lane.WRITES,
            on_done=lambda _r: self._on_pin_changed(),
            on_error=self._on_pin_failed,
            owner=self,
            label="change PIN",
        )

    def _on_pin_changed(self) -> None:
        self.pin_button.setEnabled(True)
        for edit in (self.pin_current, self.pin_new, self.pin_repeat):
            edit.clear()
        self.pin_state.setText(self.tr("The manager PIN was changed."))
        self.pin_changed.emit()

    def _on_pin_failed(self, exc: BaseException) -> None:
        self.pin_button.setEnabled(True)
        self.pin_state.setText("")
        self.pin_current.clear()
        self._show_error("pin_current", error_text(exc))

    # -- save -------------------------------------------------------------------------------
    def save(self) -> None:
        candidate = self._validated(for_save=True)
        if candidate is None:
            return
        password = self.journal_password.text() if candidate.journal_url else ""
        if password and self._journal_port is None:
            self._show_error(
                "journal_password", self.tr("The password cannot be stored in this build")
            )
            return
        self.buttons.setEnabled(False)
        port, journal_port = self._port, self._journal_port

        def store_and_save() -> None:
            # the password first, into the keyring (never into the settings file)
            if password and journal_port is not None:
                journal_port.store_journal_password(candidate.journal_url, password)
            port.save_settings(candidate)

        self._runner.run(
            store_and_save,
            lane=Lane.WRITES,
            on_done=lambda _r: self._on_saved(candidate),
            on_error=self._on_save_failed,
            owner=self,
            label="save settings",
        )

    def _on_saved(self, settings: Settings) -> None:
        self.buttons.setEnabled(True)
        self._settings = settings
        self.settings_saved.emit(settings)
        self.accept()

    def _on_save_failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        if isinstance(exc, JournalServerError):
            self._show_error("journal_password", user_error_text(exc))
        elif isinstance(exc, ConfigError):
            self._show_error(exc.field, exc.message)
        else:
            self.save_error.show_error(
                self.tr("The settings could not be saved: %1").replace("%1", str(exc))
            )


def _esc(text: str) -> str:
    from html import escape

    return escape(text)
