"""Messages from the Qt-free services in the UI's language.

The services raise and return ``UserText`` (a stable id, its values, English by default); the
UI renders the id through the ServiceMessage catalogue. Here: every id the core uses is in
the catalogue with a zh_CN translation that keeps its placeholders, and with the UI switched
to zh_CN a cashier's validation errors and a manager's refusals read in Chinese, through
the real services (training backend, embedded sandbox on loopback, journal under tmp_path).
"""

from __future__ import annotations

import ast
import re
import string
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from pytestqt.qtbot import QtBot

from posapp.app import Backend
from posapp.config import Settings
from posapp.core.domain import PaymentStatus
from posapp.core.money import Money
from posapp.core.services.checkout import CheckoutRequest
from posapp.core.services.pin import TRAINING_PIN
from posapp.core.services.validation import read_card
from posapp.core.usertext import UserText
from posapp.ui import i18n
from posapp.ui.application import build_main_window
from posapp.ui.tasks import TaskRunner
from posapp.ui.views.new_payment_view import NewPaymentView
from posapp.ui.views.orders_view import OrdersView
from tests.ui.test_dialogs_flows import enter_pin, make_backend, open_view, select

ROOT = Path(__file__).resolve().parents[2]
ZH_TS = ROOT / "resources" / "translations" / "posapp_zh_CN.ts"
CJK = re.compile(r"[\u4e00-\u9fff]")
VISA_OK = "4054695723100768"


def core_messages() -> dict[str, str]:
    """Every ``UserText(id, english, ...)`` written in posapp/core and in ``posapp doctor``
    (Settings > Test connection shows its lines), plus the status words."""
    found: dict[str, str] = {}
    sources = [
        *(ROOT / "posapp" / "core").rglob("*.py"),
        ROOT / "posapp/commands/doctor.py",
        ROOT / "posapp/config.py",
    ]
    for path in sorted(sources):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "UserText"
            ):
                if isinstance(node.args[0], ast.JoinedStr):
                    # rules.status_text: f"status.{...}", one per PaymentStatus (below)
                    assert ast.unparse(node.args[0]).startswith("f'status."), path
                    continue
                assert isinstance(node.args[0], ast.Constant), f"{path}: an id must be a literal"
                assert isinstance(node.args[1], ast.Constant), f"{path}: English must be a literal"
                message_id, english = node.args[0].value, node.args[1].value
                assert found.get(message_id, english) == english, f"{message_id} means two things"
                found[message_id] = english
    for status in PaymentStatus:  # rules.status_text
        found[f"status.{status.value.lower()}"] = status.label.lower()
    return found


def names(template: str) -> set[str]:
    return {f"{name}!{conv}" for _, name, _, conv in string.Formatter().parse(template) if name}


def zh_translations() -> dict[str, str]:
    root = ET.parse(ZH_TS).getroot()
    return {
        msg.findtext("source") or "": msg.findtext("translation") or ""
        for ctx in root.iter("context")
        if ctx.findtext("name") == i18n.SERVICE_CONTEXT
        for msg in ctx.iter("message")
    }


def test_every_service_message_is_in_the_catalogue_and_translated_with_its_values() -> None:
    core = core_messages()
    assert len(core) > 80  # the AST walk found the services' messages
    assert set(i18n.SERVICE_MESSAGES) == set(core), (
        "posapp/ui/i18n.py SERVICE_MESSAGES and the ids in posapp/core differ: "
        f"{sorted(set(i18n.SERVICE_MESSAGES) ^ set(core))}"
    )
    zh = zh_translations()
    problems = []
    for message_id, english in core.items():
        translated = zh.get(message_id, "")
        if not CJK.search(translated):
            problems.append(f"{message_id}: no Chinese translation")
        elif names(translated) != names(english):
            problems.append(f"{message_id}: {names(english)} became {names(translated)}")
    assert not problems, problems


@pytest.fixture
def zh(qapp: QCoreApplication) -> Iterator[None]:
    assert i18n.install_translators(qapp, "zh_CN") == "zh_CN"
    yield
    i18n.remove_translators(qapp)  # other tests read the English source strings


def test_service_text_fills_the_translation_and_falls_back_to_english(zh: None) -> None:
    held = UserText("status.authorised", "held")
    text = UserText(
        "capture.not_held",
        "Only a held payment can be captured; this one is {status}.",
        status=held,
    )
    assert i18n.service_text(text) == "只有已冻结的付款才能请款；这笔付款已冻结。"
    unknown = UserText("no.such.id", "Plain {word}", word="English")
    assert i18n.service_text(unknown) == "Plain English"
    assert i18n.service_text("not a UserText") == "not a UserText"


def test_status_words_come_from_one_table(qapp: QCoreApplication) -> None:
    """The status column, filter and pills show the domain's label in English and its
    in-sentence id's translation in Chinese: no second list of status words in the UI."""
    from posapp.core.rules import status_text
    from posapp.ui.models import payment_fields as pf

    i18n.install_translators(qapp, "en")
    try:
        assert [pf.label_for_status(s) for s in PaymentStatus] == [s.label for s in PaymentStatus]
        assert i18n.install_translators(qapp, "zh_CN") == "zh_CN"
        chinese = [pf.label_for_status(s) for s in PaymentStatus]
    finally:
        i18n.remove_translators(qapp)
    by_status = dict(zip(PaymentStatus, chinese, strict=True))
    assert by_status[PaymentStatus.CAPTURED] == "已付款"
    assert by_status[PaymentStatus.AUTHORISED] == "已冻结"
    # every status translated, each to its own word, none left in English
    assert len(set(chinese)) == len(chinese)
    assert not set(chinese) & {s.label for s in PaymentStatus}
    assert all(status_text(s).id == f"status.{s.value.lower()}" for s in PaymentStatus)


def test_english_ui_shows_the_services_english(qapp: QCoreApplication) -> None:
    i18n.install_translators(qapp, "en")
    try:
        text = UserText("card.expired", "This card has expired")
        assert i18n.service_text(text) == "This card has expired"
    finally:
        i18n.remove_translators(qapp)


@pytest.fixture
def backend(data_dir: Path) -> Iterator[Backend]:
    b = make_backend(data_dir, replace(Settings(), language="zh_CN"))
    try:
        yield b
    finally:
        b.close()


def test_cashier_validation_errors_read_in_chinese(
    qtbot: QtBot, zh: None, backend: Backend
) -> None:
    window = build_main_window(backend.settings, backend)
    qtbot.addWidget(window)
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    view = window.new_payment
    assert isinstance(view, NewPaymentView)

    def submit(
        *, amount: str, pan: str, expiry: str, cvv: str = "123", reference: str | None = None
    ) -> None:
        for edit, text in (
            (view.amount, amount),
            (view.card_number, pan),
            (view.expiry, expiry),
            (view.cvv, cvv),
        ):
            edit.clear()
            qtbot.keyClicks(edit, text)
        if reference is not None:
            view.reference.setText(reference)
        view.submit()

    # checked on the screen by the core's rules: amount 0, a bad number, an expired card
    submit(amount="0", pan="4054695723100769", expiry="0120", cvv="12")
    shown = {f: view.errors[f].text() for f in ("amount", "card_number", "expiry", "cvv")}
    assert shown["amount"] == "请输入大于零的金额", shown
    assert shown["card_number"] == "卡号无效：请检查数字", shown
    assert shown["expiry"] == "此卡已过期", shown
    for field, english in (
        ("amount", "Enter an amount above zero"),
        ("card_number", "This card number is not valid: check the digits"),
        ("expiry", "This card has expired"),
    ):
        assert shown[field] != english and view.errors[field].isVisible()
    assert shown["cvv"] == "安全码为 3 位数字" or shown["cvv"].endswith("的安全码为 3 位数字")
    # expiry and CVV share a row: both errors readable, not drawn over each other
    expiry_box, cvv_box = view.errors["expiry"].geometry(), view.errors["cvv"].geometry()
    assert not expiry_box.intersects(cvv_box), (expiry_box, cvv_box)

    # refused by the checkout service itself (after the screen let it through)
    submit(amount="12.50", pan=VISA_OK, expiry="1240", reference=VISA_OK)
    qtbot.waitUntil(lambda: view.errors["reference"].isVisible(), timeout=10_000)
    assert view.errors["reference"].text() == "订单号看起来像卡号：请换一个"
    assert backend.repo.payments_for_order(VISA_OK) == []  # nothing was journaled or sent
    _save(window, "new_payment_errors")
    window.runner.shutdown()


def _save(widget, name: str) -> None:  # type: ignore[no-untyped-def]
    """Screenshots for a person to look at (POSAPP_SHOTS=dir); nothing is asserted on them."""
    import os

    folder = os.environ.get("POSAPP_SHOTS")
    if folder:
        widget.grab().save(str(Path(folder) / f"{name}_{widget.width()}x{widget.height()}.png"))


def _pay(backend: Backend, minor: int) -> object:
    card = read_card(VISA_OK, "12/40", "123", date.today())
    return backend.checkout.pay(
        CheckoutRequest(
            amount=Money(minor, backend.settings.currency),
            reference_order_id=backend.checkout.new_reference(),
            description="two coffees",
            card=card,
        ),
        confirm_duplicate=True,
    ).payment


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[TaskRunner]:
    r = TaskRunner()
    yield r
    r.shutdown()


def test_back_office_refusals_read_in_chinese(
    qtbot: QtBot, zh: None, backend: Backend, runner: TaskRunner
) -> None:
    held = _pay(backend, 2000)
    paid = backend.backoffice.capture(held, backend.backoffice.approve(TRAINING_PIN)).payment
    view: OrdersView = open_view(qtbot, runner, backend, 1)
    select(view, paid)
    dialog = view.refund_selected()
    qtbot.addWidget(dialog)
    # Meanwhile another till refunds 15.00: the screen still offers 20.00, the service
    # knows 5.00 is left and refuses before sending anything.
    backend.backoffice.refund(
        paid, Money(1500, "SGD"), backend.backoffice.approve(TRAINING_PIN), reason="other till"
    )
    dialog.reason.setCurrentIndex(0)
    enter_pin(qtbot, dialog, TRAINING_PIN)
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_label.isVisible() and not dialog.busy, timeout=10_000)
    assert dialog.result_label.text() == "最多可退款 SGD 5.00。"
    assert dialog.result_label.text() != "At most SGD 5.00 can be refunded."
    assert len(backend.repo.refunds_for(paid.id)) == 1  # only the other till's
    _save(dialog, "refund_refused")
    dialog.close()

    # Five wrong PINs lock approvals; the lockout speaks Chinese too.
    dialog = view.refund_selected()
    qtbot.addWidget(dialog)
    dialog.reason.setCurrentIndex(0)
    for _ in range(5):
        enter_pin(qtbot, dialog, "0000")
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.pin.error.isVisible() and not dialog.busy)
        qtbot.waitUntil(lambda: dialog.confirm_button.isEnabled() or dialog.pin.locked)
    assert dialog.pin.locked
    assert dialog.pin.error.text() == "PIN 码错误：批准功能已锁定 5 分钟"
    dialog.close()
    dialog = view.refund_selected()
    qtbot.addWidget(dialog)
    dialog.reason.setCurrentIndex(0)
    enter_pin(qtbot, dialog, TRAINING_PIN)
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.pin.error.isVisible())
    locked = dialog.pin.error.text()
    assert locked.startswith("PIN 码错误次数过多：批准功能已锁定，剩余 "), locked
    assert re.search(r"\d+ (分 \d+ )?秒$", locked), locked
    assert "Too many wrong PINs" not in locked
    _save(dialog, "refund_locked")


def test_the_shared_error_presenter_speaks_the_ui_language(qtbot: QtBot, zh: None) -> None:
    """A service refusal with no handler of its own reaches the one error presenter."""
    from posapp.core.services.backoffice import BackOfficeError
    from posapp.ui.application import ErrorPresenter

    presenter = ErrorPresenter()
    presenter(
        BackOfficeError(UserText("payment.not_found", "This payment is not in the journal")), "x"
    )
    box = presenter._box
    assert box is not None
    qtbot.addWidget(box)
    assert box.text() == "交易日志中没有这笔付款"
    box.close()
