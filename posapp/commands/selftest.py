"""`posapp --self-test [--data-dir DIR]`: one training payment end to end; one result line.

Steps (the failing one is named): backend (embedded sandbox, journal, services) ->
authorise (a hold on Antom's published success card) -> inquire (inquiryPayment agrees) ->
capture (with a manager approval) -> journal (hash chain verified, requests and answers
recorded, no card number or CVV in the journal or its WAL) -> ledger (the sandbox holds
exactly one captured payment for the order). Without --data-dir everything happens in a
temporary folder that is removed afterwards.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SELF_TEST_PAN = "4054695723100768"  # Antom's published sandbox card: success, global Visa
SELF_TEST_CVV = "737"


class StepFailed(Exception):
    def __init__(self, step: str, message: str) -> None:
        super().__init__(f"{step}: {message}")
        self.step = step
        self.message = message


class _Steps:
    def __init__(self) -> None:
        self.current = "start"

    def __call__(self, name: str) -> None:
        self.current = name

    def fail(self, message: str) -> StepFailed:
        return StepFailed(self.current, message)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    steps = _Steps()
    from posapp.paths import DataDirError, check_data_dir

    data_dir: Path | None = getattr(args, "data_dir", None)
    temp: str | None = None
    if data_dir is not None:
        # bad input, not a failed test: one line on stderr, exit 2 (raised to posapp.cli)
        data_dir = check_data_dir(data_dir, may_create=True)
    else:
        temp = tempfile.mkdtemp(prefix="posapp-selftest-")
        data_dir = Path(temp)
    try:
        summary = check_services(data_dir, steps, log_level=getattr(args, "log_level", "INFO"))
        # H7: bundled resources and the main window, offscreen (posapp/ui/self_check.py)
        steps("gui")
        from posapp.ui.self_check import GuiCheckFailed, run_gui_checks

        try:
            summary += "; " + run_gui_checks(data_dir)
        except GuiCheckFailed as exc:
            raise StepFailed(exc.step, exc.message) from exc
    except StepFailed as exc:
        print(f"self-test: FAILED at {exc.step}: {exc.message}")
        return 1
    except DataDirError as exc:
        if temp is not None:  # our own temporary folder: a failed test, not bad input
            print(f"self-test: FAILED at {steps.current}: {exc.message}")
            return 1
        raise  # a folder under --data-dir that cannot be made or written: bad input
    except Exception as exc:  # noqa: BLE001 - whatever breaks, name the step, one line
        message = getattr(exc, "user_message", None) or f"{type(exc).__name__}: {exc}"
        print(f"self-test: FAILED at {steps.current}: {message}")
        return 1
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    print(f"self-test: OK ({summary}) in {time.perf_counter() - started:.1f} s")
    return 0


def check_services(data_dir: Path, steps: _Steps, *, log_level: str = "INFO") -> str:
    """The services half of the self-test; returns a short summary or raises StepFailed."""
    from dataclasses import replace

    from posapp.app import build_backend
    from posapp.config import ConfigError, Environment, Settings, load_settings
    from posapp.core.domain import EventKind, OperationStatus, PaymentStatus
    from posapp.core.money import Money
    from posapp.core.services.backoffice import BackOfficeService
    from posapp.core.services.checkout import CheckoutRequest
    from posapp.core.services.pin import TRAINING_PIN, MemoryPinStore, PinManager
    from posapp.core.services.validation import read_card
    from posapp.logs import setup_logging
    from posapp.paths import app_dirs

    steps("backend")
    dirs = app_dirs(data_dir).create()
    setup_logging(dirs.logs, log_level)
    try:
        settings = load_settings(dirs.settings_file)
    except ConfigError:
        settings = Settings()
    # Always training: the self-test must never touch a real gateway or real money.
    settings = replace(settings, environment=Environment.TRAINING, notify_listener=True)
    backend = build_backend(dirs, settings)
    try:
        checkout, repo, sandbox = backend.checkout, backend.repo, backend.sandbox
        # The till's own PIN may have been changed: approvals here use a private manager.
        pins = PinManager(MemoryPinStore(), clock=backend.clock, training=True, n=2**12)
        backoffice = BackOfficeService(
            repo, backend.settler, pins, backend.clock, settings.terminal_id
        )
        amount = Money.parse("12.34", settings.currency)

        steps("authorise")
        card = read_card(
            SELF_TEST_PAN, "12/40", SELF_TEST_CVV, backend.clock.now().date(), first_name="Self"
        )
        result = checkout.pay(
            CheckoutRequest(
                amount=amount,
                reference_order_id=checkout.new_reference(),
                description="posapp self-test",
                card=card,
                hold=True,
                operator="self-test",
            ),
            confirm_duplicate=True,
        )
        payment = result.payment
        if payment.status is not PaymentStatus.AUTHORISED:
            raise steps.fail(f"expected a hold, got {payment.status.value} ({result.message})")

        steps("inquire")
        observed = backend.settler.settle_payment(payment, not_found_means_not_sent=False)
        if observed.payment.status is not PaymentStatus.AUTHORISED or not payment.payment_id:
            raise steps.fail(f"inquiryPayment says {observed.detail} / {observed.payment.status}")

        steps("capture")
        approval = backoffice.approve(TRAINING_PIN, manager="self-test")
        captured = backoffice.capture(payment.id, approval, operator="self-test")
        if captured.ok is not True or captured.payment.status is not PaymentStatus.CAPTURED:
            raise steps.fail(captured.message)
        captures = repo.captures_for(payment.id)
        if [c.status for c in captures] != [OperationStatus.SUCCEEDED]:
            raise steps.fail(f"captures in the journal: {[c.status.value for c in captures]}")

        steps("journal")
        verdict = repo.verify()
        if not verdict.ok:
            raise steps.fail(verdict.summary())
        events = repo.events_for_payment(payment.id)
        seen = {(e.kind, e.api) for e in events}
        for needed in (
            (EventKind.REQUEST_SENT, "pay"),
            (EventKind.RESPONSE_RECEIVED, "pay"),
            (EventKind.RESPONSE_RECEIVED, "inquiryPayment"),
            (EventKind.REQUEST_SENT, "capture"),
            (EventKind.RESPONSE_RECEIVED, "capture"),
        ):
            if needed not in seen:
                raise steps.fail(f"no {needed[0].value} {needed[1]} event in the journal")
        _no_card_data(dirs.journal, steps)

        steps("ledger")
        if sandbox is not None:
            entry = sandbox.ledger().order(payment.reference_order_id, amount.currency)
            if entry.payments != 1 or entry.captured != amount.minor:
                raise steps.fail(f"the sandbox holds {entry.to_json()}")
        return (
            f"training payment {amount} authorised, inquired and captured; "
            f"{verdict.rows} journal rows verified"
        )
    finally:
        backend.close()


def _no_card_data(journal: Path, steps: Any) -> None:
    needles = (SELF_TEST_PAN.encode(), f'"{SELF_TEST_CVV}"'.encode())
    for path in (journal, journal.with_name(journal.name + "-wal")):
        if not path.exists():
            continue
        data = path.read_bytes()
        for needle in needles:
            if needle in data:
                raise steps.fail(f"{path.name} contains card data")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run(argparse.Namespace(data_dir=None, log_level="INFO")))
