"""Benchmark: the sandbox's signed pay + inquiryPayment throughput vs the machine's RSA limit.

Run as a script: ``python tests/benchmarks/bench_sandbox.py [--calls N] [--processes 1,auto]``.

Every call costs the sandbox one RSA verify (the request) and one RSA sign (the answer), so
the physical limit is the rate at which this machine can do (verify + sign) pairs, measured in
the same run with 1 thread and with one thread per core (cryptography releases the GIL while
it signs, so threads do scale as far as the cores do). The sandbox is measured with 1, 4 and
16 concurrent keep-alive clients, served by one process (signing threads) and by one process
per core (``Sandbox(processes=N)``). The clients run in a separate process and send requests
they signed before the clock starts (and verify the answers after it stops), so the figure is
the sandbox's own throughput — but the clients share the machine's cores, and their CPU per
call is printed too.

A peer measured in the same run: the same HTTP server and processes answering every request
with one verify and one sign and nothing else (no JSON, no rules, no SQLite) — the ceiling a
Python server of this shape reaches on this machine. Goal: at least 70% of the limit.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from posapp.core.antom import signing
from posapp.sandbox import Sandbox

PREFIX = "/ams/sandbox/api/v1/payments/"
CONCURRENCY = (1, 4, 16)


# -- the limit ---------------------------------------------------------------------------------
def rsa_pair_cpu_us(pairs: int = 300) -> float:
    """CPU time (not wall time: the machine is shared) of one verify + one sign."""
    key = signing.generate_private_key()
    message = b"POST /ams/sandbox/api/v1/payments/pay\nSANDBOX_X.1700000000000." + b"x" * 700
    signature = signing.sign(key, message)
    started = time.thread_time()
    for _ in range(pairs):
        signing.verify(key.public_key(), message, signature)
        signing.sign(key, message)
    return (time.thread_time() - started) / pairs * 1e6


def rsa_pairs_per_second(threads: int, seconds: float = 1.5) -> float:
    """(verify + sign) pairs per second with ``threads`` threads on a 2048-bit key."""
    key = signing.generate_private_key()
    public = key.public_key()
    message = b"POST /ams/sandbox/api/v1/payments/pay\nSANDBOX_X.1700000000000." + b"x" * 700
    signature = signing.sign(key, message)
    counts = [0] * threads
    stop = threading.Event()

    def work(i: int) -> None:
        while not stop.is_set():
            signing.verify(public, message, signature)
            signing.sign(key, message)
            counts[i] += 1

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    time.sleep(seconds)
    stop.set()
    for w in workers:
        w.join()
    return sum(counts) / (time.perf_counter() - started)


# -- the client process --------------------------------------------------------------------------
def _pay_body(request_id: str) -> dict[str, Any]:
    return {
        "productCode": "CASHIER_PAYMENT",
        "paymentRequestId": request_id,
        "paymentAmount": {"currency": "USD", "value": "1250"},
        "order": {
            "referenceOrderId": "bench-" + request_id,
            "orderDescription": "Benchmark sale",
            "orderAmount": {"currency": "USD", "value": "1250"},
        },
        "paymentMethod": {
            "paymentMethodType": "CARD",
            "paymentMethodMetaData": {
                "cardNo": "4054695723100768",
                "cvv": "123",
                "expiryMonth": "12",
                "expiryYear": "30",
                "cardholderName": {"firstName": "Bench", "lastName": "Mark"},
                "is3DSAuthentication": False,
            },
        },
        "paymentFactor": {"isAuthorization": True, "captureMode": "MANUAL"},
        "env": {"terminalType": "WEB", "clientIp": "127.0.0.1"},
        "paymentRedirectUrl": "https://shop.example/return",
    }


def _request_bytes(
    host: str, key: Any, client_id: str, api: str, body: dict[str, Any]
) -> tuple[str, bytes]:
    path = PREFIX + api
    raw = json.dumps(body, separators=(",", ":")).encode()
    request_time = signing.request_time_now()
    content = signing.content_to_sign("POST", path, client_id, request_time, raw)
    header = signing.build_signature_header(signing.sign(key, content))
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\n"
        "Content-Type: application/json; charset=UTF-8\r\n"
        f"Content-Length: {len(raw)}\r\nclient-id: {client_id}\r\n"
        f"request-time: {request_time}\r\nsignature: {header}\r\n\r\n"
    )
    return path, head.encode() + raw


def _headers(head: bytes) -> dict[str, str]:
    lines = head.decode("latin-1").split("\r\n")
    if not lines[0].startswith("HTTP/1.1 200"):
        raise RuntimeError(lines[0])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.lower()] = value.strip()
    return headers


def _drive(
    sockets: list[socket.socket], plans: list[list[tuple[str, bytes]]]
) -> tuple[list[list[tuple[str, bytes, bytes]]], list[str]]:
    """All the keep-alive clients from one thread: each sends its next request as soon as
    the answer to the previous one is in. One thread (no GIL hand-offs) keeps the load
    generator's own CPU per call low: it shares the machine with the sandbox."""
    import selectors

    answers: list[list[tuple[str, bytes, bytes]]] = [[] for _ in sockets]
    errors: list[str] = []
    selector = selectors.DefaultSelector()
    bufs = [bytearray() for _ in sockets]
    step = [0] * len(sockets)
    for c, sock in enumerate(sockets):
        if plans[c]:
            sock.sendall(plans[c][0][1])
            selector.register(sock, selectors.EVENT_READ, c)
    open_count = len(selector.get_map())
    while open_count:
        for key, _mask in selector.select():
            c = key.data
            sock = sockets[c]
            chunk = sock.recv(262144)
            if not chunk:
                errors.append(f"client {c}: connection closed")
                selector.unregister(sock)
                open_count -= 1
                continue
            buf = bufs[c]
            buf += chunk
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                continue
            at = buf.find(b"Content-Length: ", 0, end)
            if at < 0:
                errors.append(f"client {c}: no Content-Length")
                selector.unregister(sock)
                open_count -= 1
                continue
            length = int(buf[at + 16 : buf.find(b"\r\n", at)])
            if len(buf) < end + 4 + length:
                continue
            answers[c].append(
                (plans[c][step[c]][0], bytes(buf[:end]), bytes(buf[end + 4 : end + 4 + length]))
            )
            del buf[: end + 4 + length]
            step[c] += 1
            if step[c] < len(plans[c]):
                sock.sendall(plans[c][step[c]][1])
            else:
                selector.unregister(sock)
                open_count -= 1
    selector.close()
    return answers, errors


def client_process(
    conn: Any, base_url: str, client_id: str, merchant_pem: str, antom_pem: str
) -> None:
    """Receives (tag, clients, pairs); signs, says "ready", waits for "go", fires, verifies,
    and sends back the timings."""
    key = signing.load_private_key(merchant_pem)
    antom = signing.load_public_key(antom_pem)
    host_port = base_url.removeprefix("http://")
    host, port = host_port.rsplit(":", 1)
    while True:
        job = conn.recv()
        if job is None:
            return
        tag, clients, pairs = job
        plans: list[list[tuple[str, bytes]]] = []
        for c in range(clients):
            plan = []
            for i in range(pairs):
                rid = f"{tag}-{c}-{i}"
                plan.append(_request_bytes(host_port, key, client_id, "pay", _pay_body(rid)))
                plan.append(
                    _request_bytes(
                        host_port, key, client_id, "inquiryPayment", {"paymentRequestId": rid}
                    )
                )
            plans.append(plan)
        conn.send("ready")  # signed; the parent measures the RSA limit now, then says go
        conn.recv()
        sockets = [socket.create_connection((host, int(port))) for _ in range(clients)]
        for s in sockets:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        started = time.perf_counter()
        cpu_started = time.process_time()
        try:
            answers, errors = _drive(sockets, plans)
        except (OSError, ValueError) as exc:
            answers, errors = [], [repr(exc)]
        elapsed = time.perf_counter() - started
        client_cpu = time.process_time() - cpu_started
        for s in sockets:
            s.close()
        # after the clock: every answer must verify and be a success
        bad = 0
        for per_client in answers:
            for path, head, body in per_client:
                try:
                    headers = _headers(head)
                except RuntimeError as exc:
                    errors.append(str(exc))
                    bad += 1
                    continue
                parsed = signing.parse_signature_header(headers.get("signature"))
                content = signing.content_to_sign(
                    "POST", path, headers["client-id"], headers["response-time"], body
                )
                ok = signing.verify(antom, content, parsed.signature)
                if not ok or json.loads(body)["result"]["resultStatus"] != "S":
                    bad += 1
        calls = sum(len(a) for a in answers)
        conn.send((calls, elapsed, client_cpu, bad, errors[:3]))


def rsa_limit(cores: int, seconds: float = 0.75) -> tuple[float, float, float]:
    """(limit, 1-thread rate, all-cores rate): the best of 1 thread and one per core."""
    one = rsa_pairs_per_second(1, seconds)
    many = rsa_pairs_per_second(cores, seconds)
    return max(one, many), one, many


# -- the peer: verify + sign and nothing else, on the same server and processes ------------------
_FLOOR_BODY = b'{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}'


def _floor_handler(keys: Any) -> Any:
    from datetime import UTC, datetime

    from posapp.sandbox.httpserver import Reply

    def handle(request: Any) -> Any:
        header = signing.parse_signature_header(request.headers.get("signature"))
        content = signing.content_to_sign(
            "POST",
            request.path,
            request.headers["client-id"],
            request.headers["request-time"],
            request.body,
        )
        if not signing.verify(keys.merchant_public, content, header.signature):
            return Reply(400, b"bad signature")
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        answer = signing.content_to_sign("POST", request.path, keys.client_id, now, _FLOOR_BODY)
        reply = Reply(200, _FLOOR_BODY, [("client-id", keys.client_id), ("response-time", now)])

        def sign() -> None:
            reply.headers.append(
                (
                    "signature",
                    signing.build_signature_header(signing.sign(keys.antom_private, answer)),
                )
            )

        reply.work = sign
        return reply

    return handle


def _floor_child(state: str, intake: socket.socket, pipe: Any) -> None:
    from posapp.sandbox import keys as keys_mod
    from posapp.sandbox.httpserver import HttpServer

    keys = keys_mod.load_or_create(Path(state))
    server = HttpServer("", 0, _floor_handler(keys), workers=0, intake=intake)
    server.start()
    pipe.send("ready")
    try:
        pipe.recv()
    except EOFError:
        pass
    server.stop()


class FloorServer:
    """The peer: ``processes`` processes, connections dealt as the sandbox deals them."""

    def __init__(self, state: Path, processes: int) -> None:
        from posapp.sandbox import keys as keys_mod
        from posapp.sandbox.httpserver import HttpServer

        self.keys = keys_mod.load_or_create(state)
        pairs = [socket.socketpair() for _ in range(processes - 1)]
        for mine, _theirs in pairs:
            mine.setblocking(False)
        self.peers = [mine for mine, _ in pairs]
        workers = None if processes == 1 else 0
        self.server = HttpServer(
            "127.0.0.1", 0, _floor_handler(self.keys), workers=workers, peers=self.peers
        )
        ctx = mp.get_context("spawn")
        self.children = []
        for _mine, theirs in pairs:
            a, b = ctx.Pipe()
            proc = ctx.Process(target=_floor_child, args=(str(state), theirs, b), daemon=True)
            proc.start()
            theirs.close()
            assert a.recv() == "ready"
            self.children.append((proc, a))
        self.server.start()
        self.base_url = f"http://127.0.0.1:{self.server.port}"
        self.client_id = self.keys.client_id
        self.merchant_private_key_pem = self.keys.merchant_private_key_pem
        self.antom_public_key_pem = self.keys.antom_public_key_pem

    def pids(self) -> list[int]:
        return [p.pid for p, _ in self.children if p.pid is not None]

    def stop(self) -> None:
        for proc, pipe in self.children:
            pipe.send("stop")
            proc.join(timeout=10)
        self.server.stop()
        for peer in self.peers:
            peer.close()


# -- running it ----------------------------------------------------------------------------------
def _children_cpu(pids: list[int]) -> float:
    """CPU seconds the other server processes used so far (Linux /proc; 0 elsewhere)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def measure(
    label: str, target: Any, pids: Any, cores: int, calls: int, repeat: int
) -> list[tuple[int, float, float]]:
    """Runs the client process against ``target``; prints a line per concurrency level."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(
        target=client_process,
        args=(
            child,
            target.base_url,
            target.client_id,
            target.merchant_private_key_pem,
            target.antom_public_key_pem,
        ),
    )
    proc.start()
    parent.send(("warm", 4, 50))  # warm-up: connections, SQLite pages, code paths
    parent.recv()
    parent.send("go")
    parent.recv()
    results = []
    for clients in CONCURRENCY:
        pairs = max(1, calls // (2 * clients))
        runs = []
        for attempt in range(repeat):
            parent.send((f"{label[:3]}{clients}-{attempt}", clients, pairs))
            parent.recv()  # the client has signed its requests and waits
            before = rsa_limit(cores)[0]
            parent.send("go")
            cpu_started = time.process_time() + _children_cpu(pids())
            calls_done, elapsed, client_cpu, bad, errors = parent.recv()
            server_cpu = time.process_time() + _children_cpu(pids()) - cpu_started
            after = rsa_limit(cores)[0]
            limit = (before + after) / 2
            rate = calls_done / elapsed
            runs.append((rate / limit, rate, limit, calls_done, server_cpu, client_cpu))
            if bad or errors:
                print(f"   !! {bad} answers bad or unverified, errors {errors}")
        runs.sort()
        ratio, rate, limit, calls_done, server_cpu, client_cpu = runs[len(runs) // 2]
        pair_us = rsa_pair_cpu_us(200)
        results.append((clients, rate, limit))
        spread = ", ".join(f"{r[0]:.0%}" for r in runs)
        server_us = server_cpu / calls_done * 1e6
        print(
            f"  {label}, {clients:2d} clients: {rate:,.0f} calls/s vs limit {limit:,.0f} = "
            f"{ratio:.0%} (runs: {spread}); CPU per call: server {server_us:.0f} us "
            f"(an RSA pair alone {pair_us:.0f} us = {pair_us / server_us:.0%}), "
            f"client {client_cpu / calls_done * 1e6:.0f} us"
        )
    parent.send(None)
    proc.join(timeout=30)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=3000, help="calls per concurrency level")
    parser.add_argument("--in-memory", action="store_true", help="no SQLite file (default: file)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per level (median shown)")
    parser.add_argument(
        "--processes", default="1,auto", help="sandbox process counts to measure (auto: cores)"
    )
    parser.add_argument("--no-peer", action="store_true", help="skip the verify+sign peer")
    args = parser.parse_args()

    cores = os.cpu_count() or 1
    counts = [cores if p == "auto" else int(p) for p in args.processes.split(",")]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {cores} cores, Python {sys.version.split()[0]}, load average {load}")
    print(
        "limit = RSA-2048 (verify + sign) pairs/s, the best of 1 thread and "
        f"{cores} threads, measured just before and just after each run (the machine "
        "is shared: other work moves both)"
    )
    best: list[tuple[str, int, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in counts:
            if args.in_memory and n > 1:
                print(f"(skipped: {n} processes need a state file, not --in-memory)")
                continue
            state = None if args.in_memory else Path(tmp) / f"sandbox-{n}"
            store = "in-memory" if state is None else "SQLite file"
            label = f"sandbox, {n} process{'es' if n > 1 else ''} ({store})"
            with Sandbox(state, processes=n) as sandbox:

                def pids(sb: Sandbox = sandbox) -> list[int]:
                    return [p.pid for p, _pipe in sb._children if p.pid is not None]

                for clients, rate, limit in measure(
                    label, sandbox, pids, cores, args.calls, args.repeat
                ):
                    best.append((label, clients, rate, limit))
            if not args.no_peer:
                peer = FloorServer(Path(tmp) / f"peer-{n}", n)
                try:
                    measure(
                        f"peer: verify+sign only, {n} process{'es' if n > 1 else ''}",
                        peer,
                        peer.pids,
                        cores,
                        args.calls,
                        args.repeat,
                    )
                finally:
                    peer.stop()
    label, clients, rate, limit = max(best, key=lambda r: r[2] / r[3])
    print(
        f"best: {rate:,.0f} calls/s ({label}, {clients} clients) = {rate / limit:.0%} "
        "of the RSA limit (goal: 70%)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
