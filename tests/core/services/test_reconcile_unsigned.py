"""Antom's report files are not signed: whoever sits at the till can edit one. These tests
forge lines against the real sandbox and check that a file never moves a payment by itself:
online, Antom's signed inquiry answer decides; offline, the line waits as UNCONFIRMED."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from posapp.app import Backend
from posapp.core.domain import OperationStatus, Payment, PaymentStatus
from posapp.core.journal.reconciliation import Discrepancy, DiscrepancyKind, ItemFilter
from posapp.core.money import Money
from posapp.core.services.pin import TRAINING_PIN, WrongPin
from posapp.core.services.reconcile import ImportResult, NotAllowed, Reconciler
from posapp.core.services.settle import Settler
from tests.core.services.conftest import (
    MAGIC_3DS,
    MAGIC_CAPTURE_SLOW,
    MAGIC_REFUND_SLOW,
    approval,
    pay,
)

K = DiscrepancyKind
_P = PaymentStatus
SUCCESSFUL = frozenset({_P.AUTHORISED, _P.CAPTURE_PENDING, _P.CAPTURED})


def _online(backend: Backend) -> Reconciler:
    return Reconciler(
        backend.repo,
        backend.settler,
        backend.clock,
        approve=lambda pin: backend.backoffice.approve(pin),
    )


def _offline(backend: Backend) -> Reconciler:
    """What `posapp reconcile` builds: a Settler with no Antom client."""
    settler = Settler(backend.repo, None, backend.clock, backend.settings.terminal_id)
    return Reconciler(backend.repo, settler, backend.clock)


def _genuine(backend: Backend) -> Path:
    """The sandbox's transaction details of today, as it wrote them."""
    day = backend.sandbox.clock.now().date()
    paths = backend.sandbox.write_reports(day)
    return next(p for p in paths if p.name.startswith("transactionItems_"))


def _forge(
    genuine: Path,
    target: Payment,
    out: Path,
    type_: str,
    status: str,
    request_id: str = "",
    *,
    minor: int | None = None,
    times: int = 1,
) -> Path:
    """``genuine`` plus one line saying ``target`` had a ``type_`` (``request_id``: a
    capture's) ending in ``status``: a copy of a PAYMENT line of the same amount with the
    target's ids."""
    lines = genuine.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    rows = [line.split(",") for line in lines[1:-1]]
    at = header.index
    minor = target.amount.minor if minor is None else minor
    model = next(
        r
        for r in rows
        if r[at("transactionType")] in ("PAYMENT", "AUTHORIZATION")
        and r[at("transactionAmountValue")] == f"{minor // 100}.{minor % 100:02d}"
    )
    row = list(model)
    row[at("transactionType")] = type_
    row[at("transactionRequestId")] = request_id or target.payment_request_id
    row[at("transactionId")] = target.payment_id or ""
    row[at("originalTransactionRequestId")] = (
        target.payment_request_id if type_ != "PAYMENT" else ""
    )
    row[at("status")] = status
    kept = [",".join(r) for r in rows if target.payment_request_id not in r]
    forged = [",".join(row)] * times
    out.write_text("\n".join([lines[0], *kept, *forged, "<END>"]) + "\n", encoding="utf-8")
    return out


def _items(
    backend: Backend, result: ImportResult, *, resolved: bool | None = None, text: str = ""
) -> list[Discrepancy]:
    store = _online(backend).store
    return [
        d
        for f in result.files
        for d in store.items(ItemFilter(file=f.record.id, resolved=resolved, text=text))
    ]


def _status(backend: Backend, payment: Payment) -> PaymentStatus:
    current = backend.repo.get_payment(payment.id)
    assert current is not None
    return current.status


def _inquiries(backend: Backend, payment: Payment) -> int:
    return sum(1 for e in backend.repo.events_for_payment(payment.id) if e.api == "inquiryPayment")


def test_a_forged_capture_line_online_leaves_antoms_answer_standing(
    polled_backend: Backend, tmp_path: Path
) -> None:
    backend = polled_backend
    pay(backend)  # the genuine line the forgery copies
    genuine = _genuine(backend)
    sale = pay(backend, MAGIC_CAPTURE_SLOW).payment
    backend.backoffice.capture(sale, approval(backend))  # Antom: still in process
    [capture] = backend.repo.captures_for(sale.id)
    assert _status(backend, sale) is _P.CAPTURE_PENDING
    forged = _forge(
        genuine, sale, tmp_path / "forged.csv", "CAPTURE", "SUCCESS", capture.capture_request_id
    )
    asked = _inquiries(backend, sale)

    result = _online(backend).import_files([forged])

    assert _status(backend, sale) is _P.CAPTURE_PENDING  # Antom: capture still in process
    after = backend.repo.get_capture(capture.capture_request_id)
    assert after is not None and after.status is OperationStatus.PENDING
    assert _inquiries(backend, sale) > asked  # Antom was asked
    [item] = _items(backend, result, text=capture.capture_request_id)
    assert item.kind is K.STATUS
    assert (item.ours, item.antom) == ("PENDING", "SUCCESS")
    assert result.files[0].record.settled == 0
    notes = [str(e.detail) for e in backend.repo.events_for_payment(sale.id)]
    assert any("checked with Antom: differs" in n and "forged.csv" in n for n in notes)


def test_a_forged_success_for_a_payment_antom_holds_pending(
    polled_backend: Backend, tmp_path: Path
) -> None:
    backend = polled_backend
    pay(backend)
    genuine = _genuine(backend)
    waiting = pay(backend, MAGIC_3DS, three_ds=True).payment  # the buyer has not answered
    before = _status(backend, waiting)
    assert before not in SUCCESSFUL
    forged = _forge(genuine, waiting, tmp_path / "forged.csv", "PAYMENT", "SUCCESS")

    offline = _offline(backend).import_files([forged])
    assert _status(backend, waiting) is before  # the file alone moves nothing
    assert not offline.online and offline.unconfirmed == 1 and offline.discrepancies == 1
    [item] = _items(backend, offline)
    assert item.kind is K.UNCONFIRMED
    assert (item.ours, item.antom) == (before.value, "SUCCESS")

    # the manager does as told: the same file again, online; Antom's answer decides
    online = _online(backend).import_files([forged])
    assert online.files[0].already_imported and online.files[0].rechecked == 1
    assert _status(backend, waiting) not in SUCCESSFUL
    assert online.unconfirmed == 0
    [status] = _items(backend, online, resolved=False)
    assert status.kind is K.STATUS
    [done] = _items(backend, online, resolved=True)
    assert done.kind is K.UNCONFIRMED and done.resolved_by == "antom-inquiry"


def test_a_genuine_line_settles_through_the_inquiry_offline_then_online(
    polled_backend: Backend,
) -> None:
    backend = polled_backend
    lost = pay(backend, minor=4200).payment  # authorised, but our side lost the answer
    backend.repo.journal.db().conn.execute(
        "UPDATE payments SET status = 'PENDING' WHERE id = ?", (lost.id,)
    )
    sandbox = backend.sandbox
    day = sandbox.clock.now().date()
    sandbox.clock.advance(timedelta(days=1))
    report = [p for p in sandbox.write_reports(day) if p.name.startswith("transactionItems_")]

    offline = _offline(backend).import_files(report)
    assert _status(backend, lost) is _P.PENDING
    assert offline.unconfirmed == 1 and offline.files[0].record.settled == 0

    asked = _inquiries(backend, lost)
    online = _online(backend).import_files(report)
    assert _status(backend, lost) is _P.AUTHORISED  # from Antom's answer, not the file
    assert _inquiries(backend, lost) > asked
    assert online.discrepancies == 0 and online.files[0].rechecked == 1
    [done] = _items(backend, online, resolved=True)
    assert done.resolution == "confirmed by Antom"
    asked = _inquiries(backend, lost)
    again = _online(backend).import_files(report)  # nothing left to ask
    assert again.files[0].rechecked == 0 and _inquiries(backend, lost) == asked


def test_a_manager_resolves_a_difference_with_the_pin_and_a_note(
    polled_backend: Backend, tmp_path: Path
) -> None:
    backend = polled_backend
    pay(backend)
    genuine = _genuine(backend)
    waiting = pay(backend, MAGIC_3DS, three_ds=True).payment
    forged = _forge(genuine, waiting, tmp_path / "forged.csv", "PAYMENT", "SUCCESS")
    result = _offline(backend).import_files([forged])
    [item] = _items(backend, result)
    reconciler = _online(backend)
    with pytest.raises(NotAllowed):
        reconciler.resolve(item.id, TRAINING_PIN, "   ")
    with pytest.raises(WrongPin):
        reconciler.resolve(item.id, "99999999", "forged by a cashier")
    with pytest.raises(NotAllowed):
        _offline(backend).resolve(item.id, TRAINING_PIN, "no PIN check here")
    reconciler.resolve(item.id, TRAINING_PIN, "forged  by a cashier", manager="ann")
    [done] = _items(backend, result, resolved=True)
    assert (done.resolved_by, done.resolution) == ("ann", "forged by a cashier")
    assert done.resolved_at is not None
    assert _items(backend, result, resolved=False) == []
    with pytest.raises(NotAllowed):
        reconciler.resolve(item.id, TRAINING_PIN, "twice")
    notes = [e for e in backend.repo.events_for_payment(waiting.id) if e.operator == "ann"]
    assert any("difference resolved" in str(e.detail) for e in notes)
    assert _status(backend, waiting) not in SUCCESSFUL


def test_a_forged_refund_line_asks_antom_once_and_its_answer_stands(
    polled_backend: Backend, tmp_path: Path
) -> None:
    backend = polled_backend
    pay(backend, minor=500)  # the genuine line the forgery copies
    genuine = _genuine(backend)
    sale = pay(backend, MAGIC_REFUND_SLOW).payment
    backend.backoffice.capture(sale, approval(backend))
    backend.backoffice.refund(sale, Money(500, sale.amount.currency), approval(backend))
    [refund] = backend.repo.refunds_for(sale.id)
    assert refund.status is OperationStatus.PENDING  # Antom: still in process
    forged = _forge(
        genuine,
        sale,
        tmp_path / "forged.csv",
        "REFUND",
        "SUCCESS",
        refund.refund_request_id,
        minor=500,
        times=50,
    )

    def asked() -> int:
        events = backend.repo.events_for_payment(sale.id)
        return sum(1 for e in events if e.api == "inquiryRefund")

    before = asked()
    result = _online(backend).import_files([forged])
    after = backend.repo.get_refund(refund.refund_request_id)
    assert after is not None and after.status is OperationStatus.PENDING
    assert asked() == before + 1  # fifty lines, one question
    items = _items(backend, result, text=refund.refund_request_id)
    assert {i.kind for i in items} == {K.STATUS} and len(items) == 50
    assert _status(backend, sale) is _P.CAPTURED
