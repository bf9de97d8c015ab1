"""The retry policy is pure: decisions and delays without sleeping."""

from __future__ import annotations

import pytest

from posapp.core.antom.errors import (
    GatewayConnectError,
    GatewayTimeoutError,
    HttpStatusError,
    InvalidRequestError,
    ProtocolError,
    RepeatRequestInconsistentError,
    SignatureError,
    TransportError,
)
from posapp.core.antom.messages import Action, AntomOutcome, Classification
from posapp.core.antom.retry import NO_RETRY, RetryPolicy, full_jitter, no_jitter

POLICY = RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=1.5, jitter=no_jitter)


def test_delays_double_up_to_the_cap() -> None:
    assert [POLICY.delay(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 1.5, 1.5]


@pytest.mark.parametrize(
    "error",
    [
        TransportError("reset"),
        GatewayConnectError("refused"),
        GatewayTimeoutError("slow"),
        HttpStatusError("busy", http_status=503),
        HttpStatusError("limit", http_status=429),
        HttpStatusError("bad gateway", http_status=502),
    ],
)
def test_retryable_errors_until_the_last_attempt(error) -> None:
    assert POLICY.after_error(1, error) == 0.5
    assert POLICY.after_error(3, error) == 1.5
    assert POLICY.after_error(4, error) is None
    assert NO_RETRY.after_error(1, error) is None


@pytest.mark.parametrize(
    "error",
    [
        SignatureError("bad"),
        ProtocolError("garbled"),
        HttpStatusError("not found", http_status=404),
        HttpStatusError("bad request", http_status=400),
        RepeatRequestInconsistentError("x"),
        InvalidRequestError("f", "bad"),
    ],
)
def test_never_retried(error) -> None:
    assert POLICY.after_error(1, error) is None


def test_results_only_retried_when_antom_asks_for_a_resend() -> None:
    resend = Classification(AntomOutcome.UNKNOWN, Action.RETRY_SAME_ID, "x")
    assert POLICY.after_result(1, resend) == 0.5
    assert POLICY.after_result(4, resend) is None
    for action in (Action.INQUIRE, Action.FINAL, Action.FIX_INPUT, Action.FIX_CONFIG):
        assert POLICY.after_result(1, Classification(AntomOutcome.UNKNOWN, action, "x")) is None


def test_full_jitter_stays_within_half_and_all_of_the_delay() -> None:
    values = [full_jitter(2.0) for _ in range(500)]
    assert all(1.0 <= v <= 2.0 for v in values)
    assert len(set(values)) > 1
    policy = RetryPolicy(jitter=lambda d: d * 10, max_delay=3.0)
    assert policy.delay(1) == 3.0  # jitter never exceeds the cap


def test_invalid_policies() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(base_delay=-1)
