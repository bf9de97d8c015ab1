"""The sanitiser that stands between request bodies and the journal."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from posapp.core.journal.sanitise import REMOVED, sanitise

PAN = "4054695723100768"


def test_card_fields_are_masked_or_removed_at_any_depth() -> None:
    body = {
        "paymentMethod": {
            "paymentMethodMetaData": {
                "cardNo": PAN,
                "CVV": "123",
                "cardPasswordDigest": "12",
                "expiryYear": "28",
            }
        },
        "list": [{"cvc": "9999", "pan": "5162 7741 1497 4622"}],
    }
    clean = sanitise(body)
    meta = clean["paymentMethod"]["paymentMethodMetaData"]
    assert meta == {
        "cardNo": "405469******0768",
        "CVV": REMOVED,
        "cardPasswordDigest": REMOVED,
        "expiryYear": "28",
    }
    assert clean["list"] == [{"cvc": REMOVED, "pan": "516277******4622"}]
    assert body["paymentMethod"]["paymentMethodMetaData"]["cardNo"] == PAN  # input untouched


def test_card_numbers_hidden_in_free_text_are_masked() -> None:
    clean = sanitise({"orderDescription": f"card {PAN[:4]} {PAN[4:8]} {PAN[8:12]} {PAN[12:]}!"})
    assert clean["orderDescription"] == "card 405469******0768!"
    # a timestamp or an amount is not a card number
    assert sanitise({"t": "1767603600000", "v": "123456789012"}) == {
        "t": "1767603600000",
        "v": "123456789012",
    }


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=20,
    )
)
def test_no_pan_survives_anywhere(value: object) -> None:
    wrapped = {"a": value, "b": [value, {"cardNo": PAN, "x": f"..{PAN}.."}], "cvv": "737"}
    text = json.dumps(sanitise(wrapped))
    assert PAN not in text and '"737"' not in text
