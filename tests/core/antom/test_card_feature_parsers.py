"""Hypothesis: the parsers of saved-card tokens, instalment plans and deleteToken answers
read what they should and refuse anything else with a ProtocolError only; the MPI format
check agrees with its own rules; a token never shows in a repr."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posapp.core.antom.errors import AntomError, ProtocolError
from posapp.core.antom.messages import (
    MPI_VERSIONS,
    ConsultResponse,
    DeleteTokenResponse,
    InstallmentPlan,
    PayResponse,
    StoredCredential,
    mpi_problem,
)
from posapp.core.money import Money

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
OK = {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"}

scalars = st.none() | st.booleans() | st.integers(-(10**9), 10**9) | st.text(max_size=12)
values = st.recursive(
    scalars,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=10), c, max_size=4),
    max_leaves=12,
)
# opaque, base64-like, as Antom's samples (a real token is long enough to be unique in a repr)
tokens = st.from_regex(r"ALIPAY[A-Za-z0-9+/]{16,100}={0,2}", fullmatch=True)


@FUZZ
@given(token=tokens, periods=st.integers(2, 36), as_text=st.booleans())
def test_a_pay_answer_gives_its_token_and_plan_and_hides_the_token(
    token: str, periods: int, as_text: bool
) -> None:
    answer = PayResponse.parse(
        {
            "result": OK,
            "paymentId": "P1",
            "paymentResultInfo": {
                "cardToken": token,
                "networkTransactionId": "N1",
                "expiryMonth": "07",
                "expiryYear": "29",
                "cardholderName": {"firstName": "Ann", "lastName": "Lee"},
                "creditPayPlan": {"installmentNum": str(periods) if as_text else periods},
            },
        }
    )
    card = answer.card
    assert card is not None and card.card_token == token
    assert card.installments == periods and card.cardholder_name == "Ann Lee"
    assert token not in repr(answer) and token not in repr(StoredCredential(token))


@FUZZ
@given(
    nums=st.lists(st.integers(2, 36), min_size=1, max_size=6, unique=True),
    minimum=st.integers(1, 10**6),
    amount=st.integers(1, 2 * 10**6),
)
def test_consult_plans_are_those_allowing_the_amount_fewest_periods_first(
    nums: list[int], minimum: int, amount: int
) -> None:
    data = {
        "result": OK,
        "paymentOptions": [
            {
                "paymentMethodType": "CARD",
                "enabled": True,
                "installment": {
                    "supportCardBrands": [{"cardBrand": "VISA"}],
                    "plans": [
                        {
                            "installmentNum": str(n),
                            "interval": "MONTH",
                            "enabled": True,
                            "minInstallmentAmount": {"currency": "USD", "value": str(minimum)},
                        }
                        for n in nums
                    ],
                },
            }
        ],
    }
    consult = ConsultResponse.parse(data)
    plans = consult.installment_plans("VISA", Money(amount, "USD"))
    expected = sorted(nums) if amount >= minimum else []
    assert [p.periods for p in plans] == expected
    assert consult.installment_plans("MASTERCARD", Money(amount, "USD")) == ()
    assert consult.installment_plans("VISA", Money(amount, "EUR")) == ()


@FUZZ
@given(plan=st.dictionaries(st.sampled_from(
    ["installmentNum", "interval", "interestRate", "enabled", "minInstallmentAmount",
     "maxInstallmentAmount", "extendInfo"]), values, max_size=7))  # fmt: skip
def test_a_malformed_plan_is_a_protocol_error_or_a_sane_plan(plan: dict[str, Any]) -> None:
    data = {
        "result": OK,
        "paymentOptions": [{"paymentMethodType": "CARD", "installment": {"plans": [plan]}}],
    }
    try:
        parsed = ConsultResponse.parse(data)
    except ProtocolError:
        return
    (got,) = parsed.options[0].installments.plans  # type: ignore[union-attr]
    assert isinstance(got, InstallmentPlan) and 2 <= got.periods <= 36


@FUZZ
@given(info=st.dictionaries(st.sampled_from(
    ["cardToken", "expiryMonth", "expiryYear", "cardholderName", "creditPayPlan",
     "networkTransactionId"]), values, max_size=6))  # fmt: skip
def test_random_card_results_parse_or_fail_cleanly(info: dict[str, Any]) -> None:
    for body in ({"result": OK, "paymentId": "P1", "paymentResultInfo": info}, info):
        try:
            PayResponse.parse(body)
            DeleteTokenResponse.parse(body)
        except AntomError:
            pass


hexd = "0123456789abcdef"


@FUZZ
@given(
    version=st.sampled_from([*MPI_VERSIONS, "3.0.0", "2.2", ""]),
    eci=st.text(alphabet="0123456789x", min_size=0, max_size=3),
    cavv=st.sampled_from(
        ["AAACBllleHchZTBWIGV4MAAAAAA=", "A" * 28, "a1" * 20, "A" * 27, "xyz", "A" * 28 + "=="]
    ),
    ds=st.sampled_from(["", "f25084f0-5b16-4c0a-ae5d-b24808a95e4b", "f25084f05b164c0a", "x" * 36]),
)
def test_mpi_values_are_judged_by_their_formats(version: str, eci: str, cavv: str, ds: str) -> None:
    problem = mpi_problem(version, eci, cavv, ds)
    good_version = version in MPI_VERSIONS
    good_eci = len(eci) == 2 and eci[0] == "0" and eci[1] in "01234567"
    good_cavv = (len(cavv) == 28 and cavv.rstrip("=").isalnum()) or (
        len(cavv) == 40 and all(c in hexd for c in cavv.lower())
    )
    ds_ok = (ds.count("-") == 4 and len(ds) == 36) if version.startswith("2") else ds == ""
    assert (problem is None) == (good_version and good_eci and good_cavv and ds_ok)
