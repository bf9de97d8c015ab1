"""Benchmark: AntomClient pay and inquiryPayment latency against the embedded sandbox.

Run as a script: ``python tests/benchmarks/bench_client.py [--calls N]``. Prints the median
and p99 per call with 1 and 8 threads, next to the physical limit measured in the same run:
one RSA sign + one RSA verify on each side (4 RSA operations) plus a bare loopback HTTP round
trip (same HTTP server code and the same httpx client, no crypto, no JSON, no state).
The goal is a median per call within 1.5x of that limit. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import httpx

from posapp.core.antom import signing
from posapp.core.antom.client import AntomClient, encode_body
from posapp.core.antom.messages import AntomOutcome, PayRequest
from posapp.core.antom.retry import NO_RETRY
from posapp.core.cards import CardDetails
from posapp.core.money import Money

CARD = CardDetails("4054695723100768", 12, 2030, "123", "Bench", "Mark")
REDIRECT = "https://shop.example/back"
_ids = itertools.count()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def timed(fn: Callable[[], object], calls: int, threads: int) -> list[float]:
    """Per-call latencies (seconds) of ``calls`` calls spread over ``threads`` threads."""
    latencies: list[float] = []
    lock = threading.Lock()
    per_thread = max(1, calls // threads)
    start = threading.Barrier(threads)

    def worker() -> None:
        mine: list[float] = []
        start.wait()
        for _ in range(per_thread):
            t0 = time.perf_counter()
            fn()
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400, help="calls per measurement")
    args = parser.parse_args()

    try:
        from posapp.sandbox import Sandbox
        from posapp.sandbox.httpserver import HttpServer, Reply
    except ImportError:
        print("bench_client: the embedded sandbox is not available", file=sys.stderr)
        return 2

    sandbox = Sandbox().start()
    client = AntomClient(
        sandbox.base_url,
        sandbox.client_id,
        sandbox.merchant_private_key_pem,
        sandbox.antom_public_key_pem,
        retry=NO_RETRY,
    )
    merchant = signing.load_private_key(sandbox.merchant_private_key_pem)
    antom_public = signing.load_public_key(sandbox.antom_public_key_pem)
    antom_private = signing.load_private_key(sandbox.antom_private_key_pem)
    merchant_public = merchant.public_key()

    sample_pay = PayRequest(
        "bench-sample", Money(1250, "USD"), CARD, "bench-order", "bench", redirect_url=REDIRECT
    )
    request_body = encode_body(sample_pay.to_body())
    answer_body = b'{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"paymentRequestId":"bench-sample","paymentId":"202601050000000001","paymentAmount":{"currency":"USD","value":"1250"},"paymentCreateTime":"2026-01-05T09:00:00+00:00","paymentTime":"2026-01-05T09:00:00+00:00"}'

    # The bare round trip: the sandbox's own HTTP server code answering a fixed body, and
    # the same kind of keep-alive httpx client; no crypto, no JSON, no state.
    bare = HttpServer("127.0.0.1", 0, lambda request: Reply(200, answer_body))
    bare.start()
    bare_http = httpx.Client(timeout=10.0)
    bare_url = f"http://127.0.0.1:{bare.port}/ams/sandbox/api/v1/payments/pay"

    def crypto() -> None:
        # client signs the request, server verifies it, server signs the answer, client verifies
        req = signing.content_to_sign(
            "POST", "/ams/sandbox/api/v1/payments/pay", "C", "1", request_body
        )
        sig = signing.sign(merchant, req)
        signing.verify(merchant_public, req, sig)
        rsp = signing.content_to_sign(
            "POST", "/ams/sandbox/api/v1/payments/pay", "C", "1", answer_body
        )
        sig2 = signing.sign(antom_private, rsp)
        signing.verify(antom_public, rsp, sig2)

    def round_trip() -> None:
        bare_http.post(
            bare_url, content=request_body, headers={"content-type": "application/json"}
        ).read()

    def limit_call() -> None:
        crypto()
        round_trip()

    def pay() -> None:
        n = next(_ids)
        answer = client.pay(
            PayRequest(
                f"bench-{n}",
                Money(1250, "USD"),
                CARD,
                f"bench-order-{n}",
                "bench",
                redirect_url=REDIRECT,
            )
        )
        if answer.outcome is not AntomOutcome.SUCCEEDED:
            raise RuntimeError(f"pay did not succeed: {answer}")

    paid: list[str] = []

    def inquiry() -> None:
        rid = paid[next(_ids) % len(paid)]
        answer = client.inquiry_payment(rid)
        if not answer.found:
            raise RuntimeError(f"inquiry did not find {rid}")

    # The client alone: the same pay through httpx.MockTransport with a pre-signed answer,
    # next to its own share of the limit (one RSA sign + one RSA verify).
    signed_path = "/ams/sandbox/api/v1/payments/pay"
    mock_time = "1767603600000"
    mock_sig = signing.build_signature_header(
        signing.sign(
            antom_private,
            signing.content_to_sign("POST", signed_path, sandbox.client_id, mock_time, answer_body),
        )
    )
    mock_headers = {
        "signature": mock_sig,
        "response-time": mock_time,
        "client-id": sandbox.client_id,
    }
    mock_client = AntomClient(
        "http://gateway.invalid",
        sandbox.client_id,
        merchant,
        antom_public,
        http=httpx.Client(
            transport=httpx.MockTransport(
                lambda request: httpx.Response(200, content=answer_body, headers=mock_headers)
            )
        ),
        retry=NO_RETRY,
    )

    def client_alone() -> None:
        answer = mock_client.pay(sample_pay)
        if answer.outcome is not AntomOutcome.SUCCEEDED:
            raise RuntimeError(f"mock pay did not succeed: {answer}")

    def client_crypto() -> None:
        req = signing.content_to_sign("POST", signed_path, "C", "1", request_body)
        signing.sign(merchant, req)
        rsp = signing.content_to_sign("POST", signed_path, "C", "1", answer_body)
        signing.verify(
            antom_public,
            rsp,
            mock_sig.split("signature=")[1]
            .replace("%2B", "+")
            .replace("%2F", "/")
            .replace("%3D", "="),
        )

    try:
        # warm up: connections, caches, the sandbox's first writes
        for _ in range(20):
            limit_call()
            pay()
        paid.extend(f"bench-{n}" for n in range(10))

        alone = timed(client_alone, args.calls, 1)
        alone_limit = timed(client_crypto, args.calls, 1)
        print(
            f"client alone (MockTransport, pre-signed answer), 1 thread: median "
            f"{statistics.median(alone) * 1000:.2f} ms vs its 1 sign + 1 verify "
            f"{statistics.median(alone_limit) * 1000:.2f} ms: ratio "
            f"{statistics.median(alone) / statistics.median(alone_limit):.2f}x"
        )
        rows: list[tuple[str, int, list[float], list[float], float]] = []
        for threads in (1, 8):
            t0 = time.perf_counter()
            crypto_lat = timed(crypto, args.calls, threads)
            rtt_lat = timed(round_trip, args.calls, threads)
            limit_lat = timed(limit_call, args.calls, threads)
            for name, fn in (("pay", pay), ("inquiryPayment", inquiry)):
                t1 = time.perf_counter()
                lat = timed(fn, args.calls, threads)
                wall = time.perf_counter() - t1
                rows.append((name, threads, lat, limit_lat, len(lat) / wall))
            print(
                f"physical limit, {threads} thread(s): 4 RSA ops median "
                f"{statistics.median(crypto_lat) * 1000:.2f} ms, bare loopback round trip median "
                f"{statistics.median(rtt_lat) * 1000:.2f} ms, together median "
                f"{statistics.median(limit_lat) * 1000:.2f} ms / p99 {percentile(limit_lat, 0.99) * 1000:.2f} ms "
                f"(measured in {time.perf_counter() - t0:.1f} s)"
            )
        print()
        print(
            f"{'operation':<16}{'threads':>8}{'calls':>7}{'median ms':>11}{'p99 ms':>9}"
            f"{'limit med':>11}{'limit p99':>11}{'ratio med':>11}{'ratio p99':>11}{'calls/s':>9}"
        )
        for name, threads, lat, limit_lat, rate in rows:
            med, p99 = statistics.median(lat), percentile(lat, 0.99)
            lmed, lp99 = statistics.median(limit_lat), percentile(limit_lat, 0.99)
            print(
                f"{name:<16}{threads:>8}{len(lat):>7}{med * 1000:>11.2f}{p99 * 1000:>9.2f}"
                f"{lmed * 1000:>11.2f}{lp99 * 1000:>11.2f}{med / lmed:>10.2f}x{p99 / lp99:>10.2f}x{rate:>9.0f}"
            )
        print()
        client_extra = statistics.median(alone) - statistics.median(alone_limit)
        for name, threads, lat, limit_lat, _rate in rows:
            if threads == 1:
                extra = statistics.median(lat) - statistics.median(limit_lat)
                print(
                    f"{name}, 1 thread: {extra * 1000:.2f} ms over the limit, of which the client "
                    f"~{client_extra * 1000:.2f} ms and the sandbox's own work (state, JSON, "
                    f"checks) ~{(extra - client_extra) * 1000:.2f} ms"
                )
        print("goal: median per call within 1.5x of the limit (ratio med <= 1.50)")
    finally:
        client.close()
        bare_http.close()
        bare.stop()
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
