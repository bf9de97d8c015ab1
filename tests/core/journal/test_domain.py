"""The payment and operation state machines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from posapp.core.domain import (
    OPERATION_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    UNSETTLED_PAYMENT_STATUSES,
    IllegalTransition,
    OperationStatus,
    PaymentStatus,
    capture_deadline,
)

P = PaymentStatus


def test_every_status_has_a_row_in_the_table() -> None:
    assert set(PAYMENT_TRANSITIONS) == set(PaymentStatus)
    assert set(OPERATION_TRANSITIONS) == set(OperationStatus)


@pytest.mark.parametrize("current", list(PaymentStatus))
@pytest.mark.parametrize("target", list(PaymentStatus))
def test_check_transition_follows_the_table(current: P, target: P) -> None:
    legal = target is current or target in PAYMENT_TRANSITIONS[current]
    if legal:
        current.check_transition(target)
    else:
        with pytest.raises(IllegalTransition) as info:
            current.check_transition(target)
        assert info.value.current == current.value and info.value.target == target.value


def test_money_never_comes_back_from_a_final_refusal() -> None:
    for final in (P.DECLINED, P.CANCELLED, P.RELEASED, P.REFUNDED):
        assert not PAYMENT_TRANSITIONS[final]
        assert final.is_final
    with pytest.raises(IllegalTransition):
        P.DECLINED.check_transition(P.CAPTURED)
    with pytest.raises(IllegalTransition):
        P.CAPTURED.check_transition(P.AUTHORISED)
    with pytest.raises(IllegalTransition):
        P.CAPTURED.check_transition(P.CANCELLED)  # a captured payment is refunded, not voided


def test_unknown_outcomes_need_settlement_and_are_not_final() -> None:
    assert {P.INTENT, P.PENDING, P.CAPTURE_PENDING} <= UNSETTLED_PAYMENT_STATUSES
    for status in UNSETTLED_PAYMENT_STATUSES:
        assert status.needs_settlement and not status.is_final
    assert not P.AUTHORISED.is_final and not P.AUTHORISED.needs_settlement
    assert P.AUTHORISED.holds_money and P.CAPTURED.holds_money and not P.REFUNDED.holds_money


def test_not_sent_can_still_learn_the_truth() -> None:
    P.NOT_SENT.check_transition(P.AUTHORISED)
    assert P.NOT_SENT.is_final


def test_operation_machine() -> None:
    Op = OperationStatus
    Op.INTENT.check_transition(Op.PENDING)
    Op.PENDING.check_transition(Op.SUCCEEDED)
    with pytest.raises(IllegalTransition):
        Op.SUCCEEDED.check_transition(Op.FAILED)
    with pytest.raises(IllegalTransition):
        Op.FAILED.check_transition(Op.SUCCEEDED)


def test_capture_deadline_is_seven_days() -> None:
    t = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert capture_deadline(t) == t + timedelta(days=7)


def test_labels_exist_for_every_status() -> None:
    assert all(s.label for s in PaymentStatus)
