"""What Antom and the journal say, in the UI's language.

The Antom client's errors (no connection, no answer, unverifiable answers...), the plain
words for Antom's result codes and the journal's errors are ``UserText``: English by
default (the command line, the logs and the journal read as before), translated by the UI.
Here, with the UI in zh_CN and the real services against the embedded sandbox on loopback:
a declined card, a gateway that cannot be reached and a connection reset read in Chinese,
with the result codes still shown.
"""

from __future__ import annotations

import argparse
import re
import socket
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from pytestqt.qtbot import QtBot

from posapp.app import Backend
from posapp.config import Settings, save_settings
from posapp.core.antom import errors as antom_errors
from posapp.core.antom.messages import Api, Result, ResultStatus, classify, explain, known_codes
from posapp.core.journal import errors as journal_errors
from posapp.core.services.checkout import CheckoutOutcome
from posapp.core.services.secrets import Credentials
from posapp.core.usertext import UserText
from posapp.paths import app_dirs
from posapp.ui import i18n
from posapp.ui.application import ErrorPresenter, build_main_window
from posapp.ui.main_window import MainWindow
from posapp.ui.models import payment_fields as pf
from posapp.ui.views.new_payment_view import NewPaymentView
from posapp.ui.views.orders_view import OrdersView
from posapp.ui.widgets.result_panel import decline_reason
from tests.ui import test_service_text as service_text
from tests.ui.test_dialogs_flows import make_backend
from tests.ui.test_service_text import _save

# the zh_CN catalogue and a zh_CN training backend (embedded sandbox, journal under tmp_path)
zh = service_text.zh
backend = service_text.backend

CJK = re.compile(r"[\u4e00-\u9fff]")
WAIT = 15_000
DECLINED_ISSUER = "4054692760174822"  # README: declined, ISSUER_REJECTS_TRANSACTION
DECLINED_DNH = "4000020000000208"  # README: declined, DO_NOT_HONOR
VISA_OK = "4054695723100768"


@pytest.fixture
def window(qtbot: QtBot, zh: None, backend: Backend) -> Iterator[MainWindow]:
    w = build_main_window(backend.settings, backend)
    qtbot.addWidget(w)
    w.resize(1024, 700)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.runner.shutdown()


def cashier_pays(
    qtbot: QtBot,
    view: NewPaymentView,
    pan: str,
    amount: str = "12.50",
    answer: Callable[[], bool] | None = None,
) -> None:
    """Keys a sale in as a cashier would and waits for the answer (the result panel's)."""
    view.result_panel.show_empty()
    for edit, text in ((view.amount, amount), (view.card_number, pan), (view.expiry, "1240")):
        edit.clear()
        qtbot.keyClicks(edit, text)
    view.cvv.clear()
    qtbot.keyClicks(view.cvv, "123")
    view.submit()
    shown = answer or (lambda: view.result_panel.result is not None)
    qtbot.waitUntil(lambda: shown() and view.submit_button.isEnabled(), timeout=WAIT)


def orders_of(qtbot: QtBot, window: MainWindow, rows: int) -> OrdersView:
    window.tabs.setCurrentWidget(window.orders)
    view = window.orders
    assert isinstance(view, OrdersView)
    view.reload()
    qtbot.waitUntil(
        lambda: view.model.rowCount() == rows and view.model.is_loaded(rows - 1), timeout=WAIT
    )
    return view


def test_a_declined_card_reads_in_chinese_with_its_code(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    view = window.new_payment
    assert isinstance(view, NewPaymentView)
    for pan, code in (
        (DECLINED_ISSUER, "ISSUER_REJECTS_TRANSACTION"),
        (DECLINED_DNH, "DO_NOT_HONOR"),
    ):
        cashier_pays(qtbot, view, pan)
        result = view.result_panel.result
        assert result is not None and result.outcome is CheckoutOutcome.DECLINED
        shown = view.result_panel.reason.text()
        assert shown.endswith(f"({code})"), shown
        words = shown.removesuffix(f"({code})")
        assert CJK.search(words) and not re.search("[A-Za-z]", words), shown
        # the default description sent to Antom stays Latin: no non-Latin warning on a sale
        assert "非拉丁" not in view.form_error.text(), view.form_error.text()
        antom_said = backend.repo.payments_for_order(result.reference)[0].result_message
        assert antom_said and antom_said not in shown  # Antom's English is not what is shown
        _save(window, f"declined_{code.lower()}")

    # the orders' details pane: the status, Antom's result in our words, and the code
    orders = orders_of(qtbot, window, 2)
    # the cashier kept the order reference after the declines: both are under it
    declined = next(
        p for p in backend.repo.payments_for_order(result.reference) if p.result_code == code
    )
    orders.select_rows([orders.model.row_of(declined.id)])
    qtbot.waitUntil(lambda: orders.details.fields["result"].text() != "", timeout=WAIT)
    detail = orders.details.fields["result"].text()
    assert detail == "已拒绝：发卡行拒绝交易 (DO_NOT_HONOR)" or (
        "发卡行拒绝交易" in detail and detail.endswith("(DO_NOT_HONOR)")
    ), detail
    assert declined.result_message not in detail
    qtbot.waitUntil(lambda: len(orders.details.timeline_texts()) > 1, timeout=WAIT)
    _save(window, "declined_orders_details")


def test_result_words_follow_the_ui_language(qapp: QCoreApplication) -> None:
    """A code the result panel has no sentence of its own for: Antom's words in English,
    ours for the code in Chinese; an unknown code keeps Antom's words in both."""
    code, said = "VERIFY_TIMES_EXCEED_LIMIT", "Verify times exceed limit."
    i18n.install_translators(qapp, "en")
    try:
        assert decline_reason(code, said) == said
        assert decline_reason("SOMETHING_NEW", "Something new.") == "Something new."
        assert decline_reason(code) == "too many verification attempts"
    finally:
        i18n.remove_translators(qapp)
    assert i18n.install_translators(qapp, "zh_CN") == "zh_CN"
    try:
        assert decline_reason(code, said) == "验证次数过多"
        assert decline_reason("SOMETHING_NEW", "Something new.") == "Something new."
    finally:
        i18n.remove_translators(qapp)


def test_result_code_words_keep_their_english_for_the_journal_and_logs() -> None:
    """The words are UserText: English as before, the same id whoever words the English."""
    reason = classify(Api.PAY, Result("RISK_REJECT", ResultStatus.FAIL, "Risk reject")).reason
    assert reason == "declined by risk control"
    assert isinstance(reason, UserText) and reason.id == "antom.result.risk_reject"
    said = explain("DO_NOT_HONOR", "Do not honor")
    assert said == "Do not honor" and said is not None and said.id == "antom.result.do_not_honor"
    assert explain("NO_SUCH_CODE") is None
    # every F code any API knows has words
    for api in Api:
        for code in known_codes(api) - {"SUCCESS", "UNKNOWN_EXCEPTION"}:
            if code != "REQUEST_TRAFFIC_EXCEED_LIMIT":
                assert explain(code) is not None, (api, code)


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_gateway_that_cannot_be_reached_reads_in_chinese(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    # Settings > Test connection: an Antom sandbox account whose gateway URL is a closed port
    sandbox = backend.sandbox
    backend.secrets.save(
        "sandbox",
        Credentials(
            sandbox.client_id, sandbox.merchant_private_key_pem, sandbox.antom_public_key_pem
        ),
    )
    window.open_settings()
    dialog = window.settings_dialog
    dialog.environment.setCurrentIndex(dialog.environment.findData("sandbox"))
    dialog.region.setCurrentIndex(dialog.region.findData("custom"))
    dialog.gateway_url.setText(f"http://127.0.0.1:{closed_port()}")
    dialog.client_id.setText(sandbox.client_id)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.test_results.property("all_ok") is not None, timeout=WAIT)
    assert dialog.test_results.property("all_ok") is False
    tested = dialog.test_results.text()
    assert "无法连接支付服务：请检查网络连接。" in tested, tested
    # the checks that passed read in Chinese too (the doctor's own lines are English)
    assert re.search(r"RSA \d+ 位，可用其公钥部分签名并验证", tested), tested
    assert "bits" not in tested and "signs and verifies" not in tested, tested
    assert "✘</span> <b>向网关发送签名请求</b>" in tested, tested  # the step that failed
    _save(dialog, "unreachable_test_connection")
    dialog.reject()

    # a sale while the gateway's port is closed: connection refused
    view = window.new_payment
    assert isinstance(view, NewPaymentView)
    sandbox.stop()
    cashier_pays(qtbot, view, VISA_OK)
    result = view.result_panel.result
    assert result is not None and result.outcome is CheckoutOutcome.PENDING  # never "failed"
    shown = view.result_panel.reason.text()
    assert CJK.search(shown) and "Not known yet" not in shown, shown
    _save(window, "unreachable_pending")

    # the timeline tells the manager why there is no answer, in Chinese
    orders = orders_of(qtbot, window, 1)
    payment = backend.repo.payments_for_order(result.reference)[0]
    orders.select_rows([orders.model.row_of(payment.id)])
    qtbot.waitUntil(
        lambda: (
            "pay 未得到明确应答：无法连接支付服务：请检查网络连接。"
            in orders.details.timeline_texts()
        ),
        timeout=WAIT,
    )
    texts = orders.details.timeline_texts()
    assert not any("GatewayConnectError" in t or "unknown" in t for t in texts), texts
    _save(window, "unreachable_timeline")


def test_a_connection_reset_reads_in_chinese_in_the_timeline(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    view = window.new_payment
    assert isinstance(view, NewPaymentView)
    # every attempt of the pay is cut after the request arrived: Antom may have it
    backend.sandbox.faults.add("*/pay", "reset_after", times=20)
    cashier_pays(qtbot, view, VISA_OK)
    result = view.result_panel.result
    assert result is not None
    orders = orders_of(qtbot, window, 1)
    payment = backend.repo.payments_for_order(result.reference)[0]
    orders.select_rows([orders.model.row_of(payment.id)])
    qtbot.waitUntil(
        lambda: any("支付服务没有应答" in t for t in orders.details.timeline_texts()),
        timeout=WAIT,
    )


@pytest.mark.parametrize(
    ("error", "chinese"),
    [
        (antom_errors.GatewayConnectError("cannot connect"), "无法连接支付服务：请检查网络连接。"),
        (antom_errors.GatewayTimeoutError("no answer within 10 s"), "支付服务没有应答"),
        (antom_errors.SignatureError("bad signature"), "无法验证支付服务的应答"),
        (antom_errors.HttpStatusError("HTTP 502", http_status=502), "支付服务报告了技术故障"),
        (antom_errors.RepeatRequestInconsistentError("reused"), "这个付款编号已用于"),
        (journal_errors.JournalTooNew("schema 9"), "由更新版本的 posapp 写入"),
        (journal_errors.JournalCorrupt("malformed"), "交易日志已损坏"),
        (journal_errors.JournalLocked("locked"), "交易日志正被另一个窗口或程序占用"),
        (journal_errors.JournalFull("full"), "磁盘已满"),
    ],
)
def test_errors_reach_the_error_presenter_in_chinese(
    qtbot: QtBot, zh: None, error: Exception, chinese: str
) -> None:
    english = str(error.user_message)  # type: ignore[attr-defined]
    presenter = ErrorPresenter()
    presenter(error, "x")
    box = presenter._box
    assert box is not None
    qtbot.addWidget(box)
    assert chinese in box.text() and english not in box.text(), box.text()
    box.close()


def test_english_stays_as_it_was(qapp: QCoreApplication) -> None:
    assert antom_errors.GatewayConnectError("x").user_message == (
        "The payment service cannot be reached: check the network connection."
    )
    assert journal_errors.JournalTooNew("x").user_message == (
        "This payment journal was written by a newer version of posapp. "
        "Install that version (or newer) to open it."
    )
    i18n.install_translators(qapp, "en")
    try:
        assert i18n.user_error_text(journal_errors.JournalFull("x")) == (
            "The disk is full: the payment journal cannot record anything. Free some space."
        )
    finally:
        i18n.remove_translators(qapp)


def test_status_explained_keeps_antoms_words_in_english(qapp: QCoreApplication) -> None:
    class Declined:
        status = pf.PaymentStatus.DECLINED
        result_message = "Issuer rejects the transaction."
        result_code = "ISSUER_REJECTS_TRANSACTION"

    i18n.install_translators(qapp, "en")
    try:
        text = pf.status_explained(Declined())
        assert text.endswith(": Issuer rejects the transaction. (ISSUER_REJECTS_TRANSACTION)")
    finally:
        i18n.remove_translators(qapp)


def newer_journal(data_dir: Path) -> None:
    """A real journal (its settings too), then written by a newer posapp."""
    import sqlite3

    make_backend(data_dir).close()
    with sqlite3.connect(app_dirs(data_dir).journal) as conn:
        conn.execute("PRAGMA user_version=999")


def foreign_database(data_dir: Path) -> None:
    """Another program's SQLite database where the journal should be."""
    import sqlite3

    dirs = app_dirs(data_dir).create()
    with sqlite3.connect(dirs.journal) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO customers (name) VALUES ('Ann')")


@pytest.mark.parametrize(
    ("make_journal", "message_id", "chinese"),
    [
        (
            newer_journal,
            "journal.too_new",
            "此交易日志由更新版本的 posapp 写入。请安装该版本（或更新版本）后再打开。",
        ),
        (
            foreign_database,
            "journal.foreign",
            "数据文件夹中的文件不是 posapp 交易日志（可能是其他程序的数据库）。"
            "请选择其他数据文件夹，或将该文件移走。",
        ),
    ],
)
def test_a_journal_that_cannot_be_opened_is_explained_in_a_window_at_start(
    qtbot: QtBot,
    qapp: QCoreApplication,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_journal: Callable[[Path], None],
    message_id: str,
    chinese: str,
) -> None:
    """Started from a desktop icon, the stderr line is never seen: the till says it in a
    window, in the language of its settings."""
    from posapp import app as posapp_app
    from posapp.ui import application

    make_journal(data_dir)
    save_settings(app_dirs(data_dir).settings_file, replace(Settings(), language="zh_CN"))
    shown: list[tuple[Settings, str]] = []
    monkeypatch.setattr(posapp_app, "setup_logging", lambda *args: None)
    monkeypatch.setattr(
        application, "show_startup_problem", lambda settings, text: shown.append((settings, text))
    )
    assert posapp_app.run_gui(argparse.Namespace(data_dir=data_dir, log_level="INFO")) == 2
    ((settings, message),) = shown
    assert isinstance(message, UserText) and message.id == message_id
    try:
        box = application.startup_problem_box(settings, message)
        qtbot.addWidget(box)
        assert box.text() == "posapp 无法启动"
        assert box.informativeText() == chinese
    finally:
        i18n.remove_translators(qapp)


def test_a_capture_antom_refuses_reads_in_chinese(
    zh: None, backend: Backend, qapp: QCoreApplication
) -> None:
    """The back office reports Antom's refusal with Antom's words in English and ours for
    the code in Chinese: the sandbox released the hold (7 days on its own clock)."""
    from datetime import timedelta

    from posapp.core.services.pin import TRAINING_PIN
    from tests.ui.test_dialogs_flows import pay

    held = pay(backend)
    backend.sandbox.clock.advance(timedelta(days=8))
    result = backend.backoffice.capture(held, backend.backoffice.approve(TRAINING_PIN))
    assert result.ok is False and result.result_code == "AUTH_EXPIRED"
    said = backend.repo.captures_for(held.id)[0].result_message  # Antom's words
    assert said and str(result.message) == f"Antom refused the capture: {said}."
    assert i18n.service_text(result.message) == "Antom 拒绝了请款：授权已过期。"


def test_a_journal_held_by_another_program_reads_in_chinese(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    """Another program holds the journal's write lock past the busy timeout (5 s): the
    sale is refused before anything is sent, and the cashier reads why in Chinese."""
    import sqlite3

    view = window.new_payment
    assert isinstance(view, NewPaymentView)
    other = sqlite3.connect(backend.dirs.journal, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # the write lock, as a second program would take it
        cashier_pays(qtbot, view, VISA_OK, answer=lambda: bool(view.form_error.text()))
        shown = view.form_error.text()
    finally:
        other.rollback()
        other.close()
    assert shown == (
        "交易日志正被另一个窗口或程序占用。请稍候再试。未向 Antom 发送任何请求：这张卡没有被扣款。"
    ), shown
    # not "pending": nothing was journaled or sent, so nothing would ever settle it
    assert view.result_panel.result is None
    assert backend.repo.count_payments() == 0
    assert backend.sandbox.ledger().card(VISA_OK).payments == 0  # nothing reached Antom
    _save(window, "journal_locked")


def test_the_journals_own_refusals_read_in_chinese(zh: None, backend: Backend) -> None:
    """Two tills capture the same hold: both pass the back office's checks, the journal
    refuses the second, with the back office's own sentence (one rule, posapp.core.rules)."""
    from posapp.core.domain import DomainError
    from tests.ui.test_dialogs_flows import pay

    held = pay(backend)
    backend.repo.record_capture_intent(held.id, "CAP-till-1", operator="m", terminal_id="T1")
    with pytest.raises(DomainError) as refused:
        backend.repo.record_capture_intent(held.id, "CAP-till-2", operator="m", terminal_id="T2")
    message = refused.value.user_message
    assert message == "Only a held payment can be captured; this one is capturing."
    assert i18n.service_text(message) == "只有已冻结的付款才能请款；这笔付款请款中。"


def test_a_key_that_cannot_be_used_reads_in_chinese(
    qtbot: QtBot, window: MainWindow, backend: Backend, tmp_path: Path
) -> None:
    """Settings > import keys with a file that is no key: the manager reads the reason in
    Chinese, with which key and what is wrong with it after it."""
    garbage = tmp_path / "notakey.pem"
    garbage.write_text("hello")
    public = tmp_path / "antom_public.pem"
    public.write_text(backend.sandbox.antom_public_key_pem)
    window.open_settings()
    dialog = window.settings_dialog
    dialog.environment.setCurrentIndex(dialog.environment.findData("sandbox"))
    dialog.client_id.setText("SANDBOX_5Y0566SG25J004124")
    dialog.private_key_path.setText(str(garbage))
    dialog.public_key_path.setText(str(public))
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.keys_error.text() != "", timeout=WAIT)
    shown = dialog.keys_error.text()
    assert shown.startswith("未保存：有一个密钥无法使用：请在“设置”中检查密钥文件。（"), shown
    # which key and what is wrong follow, in Chinese too
    assert shown.endswith("（商户私钥：不是有效的 PEM 或 Base64 密钥文本）"), shown
    assert backend.secrets.load("sandbox") is None
    dialog.reject()


@pytest.mark.parametrize(
    ("event", "chinese"),
    [
        (
            dict(
                kind="NOTIFICATION",
                api="notifyPayment",
                detail={"body": {"result": {"resultCode": "DO_NOT_HONOR"}}},
            ),
            "Antom 通知：付款 DO_NOT_HONOR",
        ),
        (
            dict(
                kind="RESPONSE_RECEIVED",
                api="capture",
                detail={
                    "outcome": "unknown",
                    "error": antom_errors.journaled(
                        antom_errors.HttpStatusError("capture: HTTP 502")
                    ),
                },
            ),
            "capture 未得到明确应答：支付服务报告了技术故障。",
        ),
        (
            dict(
                kind="RESPONSE_RECEIVED",
                api="pay",
                detail={
                    "error": antom_errors.journaled(
                        antom_errors.SignatureError("the signature header is missing")
                    )
                },
            ),
            "pay 未得到明确应答：无法验证支付服务的应答。系统正在重新核实这笔付款；请勿重复扣款。",
        ),
    ],
)
def test_timeline_lines_read_in_chinese(zh: None, event: dict, chinese: str) -> None:  # type: ignore[type-arg]
    from datetime import UTC, datetime

    from posapp.core.domain import Event, EventKind
    from posapp.ui.views.payment_details import describe_event

    line = describe_event(
        Event(
            id=1,
            at=datetime.now(UTC),
            kind=EventKind[event["kind"]],
            operator="system",
            terminal_id="T1",
            api=event["api"],
            detail=event["detail"],
        )
    )
    assert line == chinese


# -- key errors, the doctor's lines, journaled reasons, the settler's refusals ---------------

ENGLISH_WORDS = re.compile(r"\b(the|not|key|is|a|an|of|with)\b")


@pytest.fixture(scope="module")
def other_rsa() -> object:
    from posapp.core.antom import signing

    return signing.generate_private_key()


def _pem_private(key: object, encryption: object | None = None) -> str:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(  # type: ignore[attr-defined, no-any-return]
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        encryption or serialization.NoEncryption(),
    ).decode()


def _bad_private(kind: str, other: object, sandbox: object) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    if kind == "garbage":
        return "hello"
    if kind == "encrypted":
        return _pem_private(other, serialization.BestAvailableEncryption(b"secret"))
    if kind == "truncated":
        return _pem_private(other).split("-----END")[0]
    if kind == "public":
        return sandbox.antom_public_key_pem  # type: ignore[attr-defined, no-any-return]
    if kind == "elliptic":
        return _pem_private(ec.generate_private_key(ec.SECP256R1()))
    assert kind == "small"
    return _pem_private(rsa.generate_private_key(public_exponent=65537, key_size=1024))


@pytest.mark.parametrize(
    ("kind", "chinese"),
    [
        ("garbage", "商户私钥：不是有效的 PEM 或 Base64 密钥文本"),
        ("encrypted", "商户私钥：密钥已用密码加密；请导出未加密的密钥"),
        ("truncated", "商户私钥：PEM 密钥不完整（缺少对应的 END 行）"),
        ("public", "商户私钥：这是公钥，不是私钥"),
        ("elliptic", "商户私钥：不是 RSA 密钥（"),
        ("small", "商户私钥：密钥只有 1024 位；Antom 要求 2048 位"),
    ],
)
def test_what_is_wrong_with_a_private_key_reads_in_chinese(
    qtbot: QtBot,
    window: MainWindow,
    backend: Backend,
    tmp_path: Path,
    other_rsa: object,
    kind: str,
    chinese: str,
) -> None:
    """Settings > import keys: which key and what is wrong with it, all in Chinese."""
    private = tmp_path / "merchant.pem"
    private.write_text(_bad_private(kind, other_rsa, backend.sandbox))
    public = tmp_path / "antom_public.pem"
    public.write_text(backend.sandbox.antom_public_key_pem)
    shown = _import_keys(qtbot, window, private, public)
    assert chinese in shown, shown
    assert not ENGLISH_WORDS.search(shown), shown
    assert backend.secrets.load("sandbox") is None


@pytest.mark.parametrize(
    ("public_text", "chinese"),
    [
        (
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "Antom 公钥：证书已损坏",
        ),
        ("merchant-private", "Antom 公钥：这是私钥；此处应为 Antom 公钥"),
        ("merchant-public", "所填的 Antom 公钥其实是商户自己的公钥；请使用 Antom 控制台中显示的"),
        ("", "Antom 公钥：密钥为空"),
    ],
)
def test_what_is_wrong_with_the_antom_public_key_reads_in_chinese(
    qtbot: QtBot,
    window: MainWindow,
    backend: Backend,
    tmp_path: Path,
    public_text: str,
    chinese: str,
) -> None:
    sandbox = backend.sandbox
    private = tmp_path / "merchant.pem"
    private.write_text(sandbox.merchant_private_key_pem)
    public = tmp_path / "antom_public.pem"
    public.write_text(
        {
            "merchant-private": sandbox.merchant_private_key_pem,
            "merchant-public": sandbox.merchant_public_key_pem,
        }.get(public_text, public_text)
    )
    shown = _import_keys(qtbot, window, private, public)
    assert chinese in shown, shown
    assert not ENGLISH_WORDS.search(shown), shown


def _import_keys(qtbot: QtBot, window: MainWindow, private: Path, public: Path) -> str:
    window.open_settings()
    dialog = window.settings_dialog
    dialog.environment.setCurrentIndex(dialog.environment.findData("sandbox"))
    dialog.client_id.setText("SANDBOX_5Y0566SG25J004124")
    dialog.private_key_path.setText(str(private))
    dialog.public_key_path.setText(str(public))
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.keys_error.text() != "", timeout=WAIT)
    shown = dialog.keys_error.text()
    _save(dialog, "bad_key_import")
    dialog.reject()
    return shown


def _test_connection(qtbot: QtBot, window: MainWindow, gateway: str, client_id: str) -> str:
    window.open_settings()
    dialog = window.settings_dialog
    dialog.environment.setCurrentIndex(dialog.environment.findData("sandbox"))
    dialog.region.setCurrentIndex(dialog.region.findData("custom"))
    dialog.gateway_url.setText(gateway)
    dialog.client_id.setText(client_id)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.test_results.property("all_ok") is not None, timeout=WAIT)
    assert dialog.test_results.property("all_ok") is False
    tested = dialog.test_results.text()
    return tested


def test_test_connection_with_a_bad_stored_key_reads_in_chinese(
    qtbot: QtBot, window: MainWindow, backend: Backend, other_rsa: object
) -> None:
    """An encrypted private key in the keyring (imported before the check existed, or by
    hand): Test connection names the key and the fault in Chinese."""
    from cryptography.hazmat.primitives import serialization

    sandbox = backend.sandbox
    encrypted = _pem_private(other_rsa, serialization.BestAvailableEncryption(b"secret"))
    backend.secrets.save(
        "sandbox", Credentials(sandbox.client_id, encrypted, sandbox.antom_public_key_pem)
    )
    tested = _test_connection(qtbot, window, sandbox.base_url, sandbox.client_id)
    assert "商户私钥无法使用：已保存的私钥：密钥已用密码加密；请导出未加密的密钥" in tested, tested
    assert not ENGLISH_WORDS.search(tested), tested
    _save(window.settings_dialog, "bad_key_test_connection")
    window.settings_dialog.resize(1024, 700)  # as large as the window
    _save(window.settings_dialog, "bad_key_test_connection")
    window.settings_dialog.reject()


def test_the_gateway_refusing_the_test_request_reads_in_chinese(
    qtbot: QtBot, window: MainWindow, backend: Backend, other_rsa: object
) -> None:
    """A private key Antom does not know: the sandbox answers INVALID_SIGNATURE (signed, so
    the answer verifies) and the doctor's 'gateway refused' line reads in Chinese."""
    sandbox = backend.sandbox
    backend.secrets.save(
        "sandbox",
        Credentials(sandbox.client_id, _pem_private(other_rsa), sandbox.antom_public_key_pem),
    )
    tested = _test_connection(qtbot, window, sandbox.base_url, sandbox.client_id)
    assert "网关拒绝了请求：INVALID_SIGNATURE（Antom 无法验证我方签名（请检查密钥））" in tested, (
        tested
    )
    assert "refused" not in tested and "the gateway" not in tested, tested
    _save(window.settings_dialog, "gateway_refused_test_connection")
    window.settings_dialog.reject()


def test_the_doctor_and_the_key_checks_keep_their_english() -> None:
    """The command line, the logs and the journal read the English as before."""
    from posapp.commands.doctor import DoctorFailure, DoctorTarget, check_connection
    from posapp.core.antom import signing

    with pytest.raises(antom_errors.KeyFormatError) as bad:
        signing.load_private_key("hello", "the merchant private key")
    assert bad.value.message == "the merchant private key: not valid PEM or Base64 key text"
    target = DoctorTarget("test", "", "", "hello", "", "the stored private key", "x")
    with pytest.raises(DoctorFailure) as failed:
        check_connection(target, 1.0, lambda _line: None)
    assert failed.value.line == (
        "unusable merchant private key: the stored private key: not valid PEM or Base64 key text"
    )
    assert type(failed.value.line) is UserText
    assert f"{failed.value.line}" == str(failed.value.line)


def test_a_refused_capture_reads_in_chinese_in_the_timeline(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    """The journal keeps 'capture refused: AUTH_EXPIRED' (English, as it always did); the
    Orders timeline shows the reason in Chinese."""
    from datetime import timedelta

    from posapp.core.services.pin import TRAINING_PIN
    from tests.ui.test_dialogs_flows import pay

    held = pay(backend)
    backend.sandbox.clock.advance(timedelta(days=8))
    backend.backoffice.capture(held, backend.backoffice.approve(TRAINING_PIN))
    stored = [e.detail.get("reason") for e in backend.repo.events_for_payment(held.id)]
    # journaled as data: the message's id and values, and the English as it always read
    assert {
        "id": "reason.capture_refused",
        "values": {"code": "AUTH_EXPIRED"},
        "text": "capture refused: AUTH_EXPIRED",
    } in stored
    orders = orders_of(qtbot, window, 1)
    orders.select_rows([orders.model.row_of(held.id)])

    def lines() -> list[str]:
        tree = orders.details.timeline
        return [
            tree.topLevelItem(i).child(j).text(1)
            for i in range(tree.topLevelItemCount())
            for j in range(tree.topLevelItem(i).childCount())
        ]

    qtbot.waitUntil(lambda: "原因：请款被拒：AUTH_EXPIRED（授权已过期）" in lines(), timeout=WAIT)
    assert not any(line.startswith("reason:") for line in lines()), lines()
    texts = orders.details.timeline_texts()
    assert "请款已记录" in texts and not any("Capture" in t for t in texts), texts
    orders.details.timeline.expandAll()
    _save(window, "refused_capture_timeline")


def _no_answer() -> UserText:
    from posapp.core.antom.messages import _no_answer

    reason = _no_answer(Api.PAY, antom_errors.GatewayConnectError("refused")).reason
    assert isinstance(reason, UserText)
    return reason


_DECLINE = classify(Api.PAY, Result("DO_NOT_HONOR", ResultStatus.FAIL, "Do not honor")).reason


@pytest.mark.parametrize(
    ("reason", "english", "chinese"),
    [
        (_DECLINE, "declined by the card issuer", "发卡行拒绝交易"),
        (
            UserText("reason.cancel_refused", "x", code="ORDER_STATUS_INVALID"),
            "x",
            "撤销被拒：ORDER_STATUS_INVALID（",
        ),
        (
            UserText("reason.no_verified_answer", "no verified answer: x", reason=_no_answer()),
            "no verified answer: x",
            "没有经过验证的应答：没有经过验证的应答（无法连接支付服务：请检查网络连接。）",
        ),
        (
            UserText(
                "reason.not_sent",
                "not sent: {error}",
                error=antom_errors.named(antom_errors.GatewayConnectError("x")),
            ),
            "not sent: GatewayConnectError",
            "未发送：无法连接支付服务：请检查网络连接。",
        ),
        (UserText("reason.capture_window_passed", "7-day"), "7-day", "7 天请款期限已过"),
    ],
)
def test_journaled_reasons_read_in_chinese(
    qapp: QCoreApplication, reason: UserText, english: str, chinese: str
) -> None:
    from posapp.core.usertext import to_record
    from posapp.ui.views.payment_details import detail_lines, reason_words

    stored = to_record(reason)
    assert i18n.install_translators(qapp, "zh_CN") == "zh_CN"
    try:
        assert chinese in reason_words(stored), reason_words(stored)
        assert detail_lines({"reason": stored})[0].startswith("原因：")
        # a row journaled before reasons were data: shown as stored, never parsed
        assert reason_words(english) == english
    finally:
        i18n.remove_translators(qapp)
    assert reason_words(stored) == english  # the English UI shows the journal's words
    assert detail_lines({"reason": stored}) == [f"reason: {english}"]


def test_every_reason_the_services_journal_reads_in_chinese(qapp: QCoreApplication) -> None:
    """Each ``reason.*`` message of the core (and a decline's words, a refusal's line),
    journaled as data, renders in Chinese on the timeline with its values."""
    from posapp.core.usertext import to_record
    from posapp.ui.views.payment_details import detail_lines

    messages = service_text.core_messages()
    reasons = [i for i in messages if i.startswith("reason.")]
    assert len(reasons) >= 10
    assert i18n.install_translators(qapp, "zh_CN") == "zh_CN"
    try:
        for message_id in [*reasons, _DECLINE.id, "approval.refused_line"]:
            english = messages[message_id]
            values = {name: "Q7Z" for name in service_text.names(english)}
            values = {name.partition("!")[0]: value for name, value in values.items()}
            stored = to_record(UserText(message_id, english, **values))
            (line,) = detail_lines({"reason": stored})
            assert line.startswith("原因：") and "Q7Z" * bool(values) in line, line
            assert english.format(**values) not in line, line
    finally:
        i18n.remove_translators(qapp)


def test_the_settlers_refusals_read_in_chinese(zh: None, backend: Backend) -> None:
    """A capture or refund of a payment without Antom's paymentId (still being checked)."""
    from posapp.core.domain import DomainError
    from tests.ui.test_dialogs_flows import pay

    held = pay(backend)
    capture = backend.repo.record_capture_intent(
        held.id, "CAP-test-1", operator="m", terminal_id="T1"
    )
    unchecked = replace(held, payment_id=None)
    with pytest.raises(DomainError) as capture_refused:
        backend.settler.send_capture(capture, unchecked, operator="m")
    assert capture_refused.value.user_message == (
        "This payment is still being checked; capture it in a moment."
    )
    assert i18n.user_error_text(capture_refused.value) == "这笔付款仍在核实中；请稍后再请款。"
    with pytest.raises(DomainError) as refund_refused:
        backend.settler.send_refund(capture, unchecked, operator="m")  # type: ignore[arg-type]
    assert refund_refused.value.user_message == "This payment cannot be refunded yet."
    assert i18n.user_error_text(refund_refused.value) == "这笔付款暂时还不能退款。"
