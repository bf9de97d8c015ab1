"""Random and mutated input to every parser and to verification: only documented errors."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from posapp.core.antom import signing
from posapp.core.antom.client import AntomClient, decode_body
from posapp.core.antom.errors import (
    AntomError,
    KeyFormatError,
    ProtocolError,
    RepeatRequestInconsistentError,
    SignatureError,
)
from posapp.core.antom.messages import AntomOutcome, PayRequest, parsers
from posapp.core.antom.notifications import parse_notification, verify_notification
from posapp.core.antom.retry import NO_RETRY
from posapp.core.cards import CardDetails
from posapp.core.money import Money

from .fakes import CLIENT_ID, antom_key, merchant_key, signed_headers

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)
FIELD_NAMES = [
    "result",
    "resultCode",
    "resultStatus",
    "resultMessage",
    "paymentId",
    "paymentRequestId",
    "paymentAmount",
    "currency",
    "value",
    "paymentStatus",
    "transactions",
    "transactionType",
    "transactionStatus",
    "transactionAmount",
    "paymentTime",
    "paymentResultInfo",
    "threeDSResult",
    "captureId",
    "refundId",
    "refundStatus",
    "paymentOptions",
    "paymentOptionDetail",
    "supportCardBrands",
    "cardBrand",
    "logo",
    "notifyType",
    "captureAmount",
    "refundAmount",
    "normalUrl",
    "redirectActionForm",
    "challenged",
    "enabled",
    "funding",
]

VALID: list[dict[str, Any]] = [
    {
        "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"},
        "paymentRequestId": "p-1",
        "paymentId": "pid",
        "paymentStatus": "SUCCESS",
        "paymentAmount": {"currency": "USD", "value": "100"},
        "paymentTime": "2026-01-05T09:00:00+08:00",
        "paymentResultInfo": {"cardBrand": "VISA", "threeDSResult": {"challenged": True}},
        "transactions": [
            {
                "transactionType": "CAPTURE",
                "transactionStatus": "SUCCESS",
                "transactionAmount": {"currency": "USD", "value": "100"},
                "transactionResult": {"resultCode": "SUCCESS", "resultStatus": "S"},
            }
        ],
        "captureId": "c",
        "captureRequestId": "cr",
        "refundId": "r",
        "refundRequestId": "rr",
        "refundStatus": "SUCCESS",
        "paymentOptions": [
            {
                "paymentMethodType": "CARD",
                "enabled": True,
                "paymentOptionDetail": {
                    "supportCardBrands": [{"cardBrand": "VISA"}],
                    "funding": ["CREDIT"],
                },
            }
        ],
    },
    {
        "notifyType": "CAPTURE_RESULT",
        "result": {"resultCode": "SUCCESS", "resultStatus": "S"},
        "captureRequestId": "cr",
        "paymentId": "pid",
        "captureId": "c",
        "captureAmount": {"currency": "USD", "value": "100"},
    },
]


def _mutate(obj: Any, path: list[int], replacement: Any) -> Any:
    """Replace the value reached by following ``path`` (indices into keys/items)."""
    if not path:
        return replacement
    if isinstance(obj, dict) and obj:
        keys = list(obj)
        key = keys[path[0] % len(keys)]
        return {**obj, key: _mutate(obj[key], path[1:], replacement)}
    if isinstance(obj, list) and obj:
        i = path[0] % len(obj)
        return [*obj[:i], _mutate(obj[i], path[1:], replacement), *obj[i + 1 :]]
    return replacement


def _all_parsers(data: object) -> None:
    for parser in parsers().values():
        try:
            parser.parse(data, "p-1")
        except ProtocolError:
            pass
    try:
        parse_notification(data)
    except ProtocolError:
        pass


@FUZZ
@given(json_values)
def test_random_json_into_every_parser(data: object) -> None:
    _all_parsers(data)


@FUZZ
@given(
    st.sampled_from(VALID),
    st.lists(st.integers(min_value=0, max_value=50), max_size=5),
    json_values,
)
def test_mutated_valid_bodies_into_every_parser(base, path, replacement) -> None:
    _all_parsers(_mutate(base, path, replacement))


@FUZZ
@given(st.sampled_from(VALID), st.sampled_from(FIELD_NAMES), json_values)
def test_injected_fields_into_every_parser(base, name, value) -> None:
    _all_parsers({**base, name: value})
    _all_parsers({**base, "result": {**base["result"], name: value}})


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_into_decode_and_parse(raw: bytes) -> None:
    try:
        data = decode_body(raw)
    except ProtocolError:
        return
    _all_parsers(data)


@FUZZ
@given(st.sampled_from(VALID), st.integers(min_value=0, max_value=2000), st.integers(0, 255))
def test_byte_flipped_bodies(base, pos, byte) -> None:
    raw = bytearray(json.dumps(base).encode())
    raw[pos % len(raw)] = byte
    try:
        data = decode_body(bytes(raw))
    except ProtocolError:
        return
    _all_parsers(data)


# -- verification --------------------------------------------------------------------------

header_text = st.text(alphabet=st.characters(codec="latin-1"), max_size=80)


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["signature", "Signature", "response-time", "client-id", "x"])
        | header_text,
        header_text,
        max_size=5,
    ),
    st.binary(max_size=100),
)
def test_random_headers_into_verification(headers, body) -> None:
    with pytest.raises(SignatureError):
        signing.verify_message(
            antom_key().public_key(), "POST", "/p", headers, body, time_header="response-time"
        )


def _signed_headers(body: bytes) -> dict[str, str]:
    content = signing.content_to_sign("POST", "/p", "C", "1700000000000", body)
    return {
        "signature": signing.build_signature_header(signing.sign(antom_key(), content)),
        "response-time": "1700000000000",
        "client-id": "C",
    }


BODY = json.dumps(VALID[1]).encode()
HEADERS = _signed_headers(BODY)


@FUZZ
@given(st.sampled_from(sorted(HEADERS)), st.integers(0, 500), st.characters(codec="latin-1"))
def test_mutated_signed_headers(name, pos, char) -> None:
    value = HEADERS[name]
    i = pos % len(value)
    assume(value[i] != char)
    changed = {**HEADERS, name: value[:i] + char + value[i + 1 :]}
    try:
        signing.verify_message(
            antom_key().public_key(), "POST", "/p", changed, BODY, time_header="response-time"
        )
    except SignatureError:
        return
    # the only harmless edits are the ones the header format ignores (e.g. keyVersion)
    assert name == "signature" and "signature=" in changed[name]


@FUZZ
@given(st.integers(0, len(BODY) - 1), st.integers(1, 255))
def test_every_body_bit_matters(pos, flip) -> None:
    body = bytearray(BODY)
    body[pos] ^= flip
    with pytest.raises(SignatureError):
        signing.verify_message(
            antom_key().public_key(),
            "POST",
            "/p",
            HEADERS,
            bytes(body),
            time_header="response-time",
        )


@FUZZ
@given(st.dictionaries(header_text, header_text, max_size=4), st.binary(max_size=200))
def test_random_notifications(headers, body) -> None:
    with pytest.raises((SignatureError, ProtocolError)):
        verify_notification(antom_key().public_key(), "/notify", headers, body)


@FUZZ
@given(st.text(max_size=200))
def test_signature_header_and_time_parsers(text) -> None:
    try:
        signing.parse_signature_header(text)
    except SignatureError:
        pass
    try:
        signing.parse_time_header(text)
    except SignatureError:
        pass


@FUZZ
@given(st.binary(max_size=400) | st.text(max_size=400))
def test_random_key_material(material) -> None:
    for loader in (signing.load_private_key, signing.load_public_key):
        with pytest.raises(KeyFormatError):
            loader(material, "fuzz.pem")


# -- the whole client ----------------------------------------------------------------------

ascii_header = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([200, 200, 200, 400, 500, 503]),
    st.binary(max_size=200) | st.sampled_from(VALID).map(lambda v: json.dumps(v).encode()),
    st.dictionaries(
        st.sampled_from(["signature", "response-time", "client-id", "content-type"]),
        ascii_header,
        max_size=4,
    ),
    st.booleans(),
)
def test_client_meets_garbage(status, body, headers, sign) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        out = dict(headers)
        if sign:
            out = signed_headers(request, body)
        return httpx.Response(status, content=body, headers=out)

    client = AntomClient(
        "https://g.test",
        CLIENT_ID,
        merchant_key(),
        antom_key().public_key(),
        http=httpx.Client(transport=httpx.MockTransport(handler)),
        retry=NO_RETRY,
    )
    try:
        client.inquiry_payment("p-1")
    except AntomError:
        pass
    card = CardDetails("4054695723100768", 12, 2030, "123")
    try:
        answer = client.pay(
            PayRequest("p-1", Money(100, "USD"), card, "o", "d", redirect_url="https://s.example/r")
        )
    except RepeatRequestInconsistentError:
        return
    # a pay never raises for garbage: it is either a parsed answer or UNKNOWN
    assert answer.result is not None or answer.outcome is AntomOutcome.UNKNOWN
