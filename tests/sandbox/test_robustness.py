"""Bad input and load: the sandbox answers or closes cleanly, never crashes or hangs."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posapp.sandbox import Sandbox, httpserver
from tests.sandbox.helpers import PREFIX, RawClient, pay_body

APIS = ["pay", "inquiryPayment", "capture", "cancel", "refund", "inquiryRefund", "consult", "x"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=5)
    ),
    max_leaves=20,
)


# bodies shaped like the real ones, with any part replaced by junk
def _mutated_pay() -> st.SearchStrategy[dict[str, Any]]:
    base = pay_body("fuzz")

    def mutate(paths_and_values: list[tuple[int, Any]]) -> dict[str, Any]:
        body = json.loads(json.dumps(base))
        keys = [
            ("paymentRequestId",),
            ("paymentAmount", "value"),
            ("paymentAmount", "currency"),
            ("order",),
            ("order", "orderAmount"),
            ("paymentMethod", "paymentMethodMetaData", "cardNo"),
            ("paymentMethod", "paymentMethodMetaData", "expiryMonth"),
            ("paymentMethod", "paymentMethodMetaData", "cvv"),
            ("paymentMethod", "paymentMethodMetaData", "cardholderName"),
            ("paymentMethod", "paymentMethodMetaData", "billingAddress"),
            ("paymentFactor",),
            ("env",),
            ("paymentExpiryTime",),
            ("paymentNotifyUrl",),
        ]
        for index, value in paths_and_values:
            path = keys[index % len(keys)]
            target: Any = body
            for key in path[:-1]:
                if not isinstance(target, dict):
                    break
                target = target.setdefault(key, {})
            if isinstance(target, dict):
                target[path[-1]] = value
        return body

    return st.lists(st.tuples(st.integers(0, 100), json_values), max_size=4).map(mutate)


@settings(
    max_examples=int(os.environ.get("SANDBOX_FUZZ_EXAMPLES", "150")),  # more: set the variable
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    api=st.sampled_from(APIS),
    body=st.one_of(
        _mutated_pay(),
        st.dictionaries(st.text(max_size=20), json_values, max_size=6),
        json_values,
    ),
)
def test_random_requests_get_a_signed_answer(raw: RawClient, api: str, body: Any) -> None:
    raw_body = json.dumps(body).encode()
    answer = raw.call(api, raw_body)
    assert answer.verified
    assert answer.status == 200
    assert answer.result["resultStatus"] in ("S", "F", "U")
    assert answer.result["resultStatus"] != "U" or answer.code in (
        "PAYMENT_IN_PROCESS",
        "CAPTURE_IN_PROCESS",
        "REFUND_IN_PROCESS",
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=600))
def test_random_bytes_on_the_socket(sandbox: Sandbox, data: bytes) -> None:
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=5) as sock:
        try:
            sock.sendall(data + b"\r\n\r\n")
            sock.shutdown(socket.SHUT_WR)
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
        except ConnectionResetError:
            reply = b""
    assert reply == b"" or reply.startswith(b"HTTP/1.1 ")
    # and the sandbox still answers
    assert httpx.get(sandbox.base_url + "/", trust_env=False).status_code == 200


def test_huge_body_is_refused_without_reading_it(sandbox: Sandbox) -> None:
    size = httpserver.MAX_BODY_BYTES + 1
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=5) as sock:
        sock.sendall(
            f"POST {PREFIX}pay HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n".encode()
        )
        reply = sock.recv(65536)
    assert reply.startswith(b"HTTP/1.1 413")


def test_huge_header_is_refused(sandbox: Sandbox) -> None:
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=5) as sock:
        sock.sendall(b"POST /ams/sandbox/api/v1/payments/pay HTTP/1.1\r\nX: " + b"a" * 70000)
        reply = b""
        try:
            while chunk := sock.recv(65536):
                reply += chunk
        except ConnectionResetError:
            pass
    assert reply.startswith(b"HTTP/1.1 431")


def test_chunked_and_bad_length_and_bad_version(sandbox: Sandbox) -> None:
    for request, status in (
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", b"411"),
        (b"POST / HTTP/1.1\r\nContent-Length: ten\r\n\r\n", b"400"),
        (b"POST / HTTP/2.0\r\n\r\n", b"505"),
        (b"NONSENSE\r\n\r\n", b"400"),
        (b"POST ftp://x/ams HTTP/1.1\r\n\r\n", b"400"),
    ):
        with socket.create_connection(("127.0.0.1", sandbox.port), timeout=5) as sock:
            sock.sendall(request)
            reply = sock.recv(65536)
        assert reply.startswith(b"HTTP/1.1 " + status), (request, reply)


def test_slow_client_is_cut_off_and_others_are_served(sandbox: Sandbox, monkeypatch) -> None:
    monkeypatch.setattr(httpserver, "REQUEST_TIMEOUT", 0.5)
    slow = socket.create_connection(("127.0.0.1", sandbox.port), timeout=5)
    slow.sendall(b"POST /ams/sandbox/api/v1/payments/pay HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
    started = time.monotonic()
    # meanwhile a normal client is served at once
    assert httpx.get(sandbox.base_url + "/", trust_env=False).status_code == 200
    reply = slow.recv(65536)
    slow.close()
    assert reply.startswith(b"HTTP/1.1 408")
    assert time.monotonic() - started < 4


def test_client_that_vanishes_mid_request(sandbox: Sandbox) -> None:
    for _ in range(20):
        sock = socket.create_connection(("127.0.0.1", sandbox.port), timeout=5)
        sock.sendall(
            b"POST /ams/sandbox/api/v1/payments/pay HTTP/1.1\r\nContent-Length: 500\r\n\r\n{"
        )
        sock.close()
    assert httpx.get(sandbox.base_url + "/", trust_env=False).status_code == 200


def test_keep_alive_serves_many_requests_on_one_connection(raw: RawClient) -> None:
    for i in range(30):
        assert raw.call("inquiryPayment", {"paymentRequestId": f"k{i}"}).code == "ORDER_NOT_EXIST"


def test_same_request_id_from_many_threads_moves_money_once(sandbox: Sandbox) -> None:
    def attempt(_i: int) -> str:
        client = RawClient(sandbox)
        try:
            answer = client.call("pay", pay_body("race", order="race-order"))
            return str(answer.body.get("paymentId"))
        finally:
            client.close()

    with ThreadPoolExecutor(16) as pool:
        ids = set(pool.map(attempt, range(32)))
    assert len(ids) == 1
    entry = sandbox.ledger().order("race-order")
    assert (entry.payments, entry.authorised) == (1, 1000)


def test_concurrent_payments_captures_and_refunds_add_up(sandbox: Sandbox) -> None:
    def flow(i: int) -> None:
        client = RawClient(sandbox)
        try:
            paid = client.call("pay", pay_body(f"cc-{i}", order="cc", capture="MANUAL"))
            pid = paid.body["paymentId"]
            amount = {"currency": "USD", "value": "1000"}
            for _ in range(2):  # a retried capture must not capture twice
                client.call(
                    "capture",
                    {"captureRequestId": f"cap-{i}", "paymentId": pid, "captureAmount": amount},
                )
            client.call(
                "refund",
                {
                    "refundRequestId": f"ref-{i}",
                    "paymentId": pid,
                    "refundAmount": {"currency": "USD", "value": "100"},
                },
            )
        finally:
            client.close()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(flow, range(40)))
    entry = sandbox.ledger().order("cc")
    assert entry.payments == 40
    assert (entry.authorised, entry.captured, entry.refunded) == (40_000, 40_000, 4_000)


def test_stop_returns_promptly_with_idle_connections_open(state_dir) -> None:
    sandbox = Sandbox(state_dir).start()
    idle = [socket.create_connection(("127.0.0.1", sandbox.port)) for _ in range(5)]
    threads_before = threading.active_count()
    started = time.monotonic()
    sandbox.stop()
    assert time.monotonic() - started < 5
    for sock in idle:
        sock.close()
    assert threading.active_count() <= threads_before


def test_pipelined_requests_are_answered_in_order(sandbox: Sandbox, raw: RawClient) -> None:
    path = PREFIX + "inquiryPayment"
    blob = b""
    count = 300
    for i in range(count):
        body = json.dumps({"paymentRequestId": f"pipe-{i}"}).encode()
        head = "".join(f"{k}: {v}\r\n" for k, v in raw.headers(path, body).items())
        blob += (
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n{head}\r\n".encode()
            + body
        )
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=20) as sock:
        sock.sendall(blob)
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.count(b"HTTP/1.1 200 OK") == count
    assert data.count(b"ORDER_NOT_EXIST") == count
    # answers come back in request order: each carries its own signature over its body
    assert data.index(b"HTTP/1.1 200 OK") == 0
