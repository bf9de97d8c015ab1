"""A minimal signed Antom-like HTTP server on loopback (stdlib only).

Used by the doctor tests and by the client benchmark when the embedded sandbox is not there:
it verifies each request's signature like Antom, keeps pay results in memory, and signs every
answer with lower-case headers. It is not a simulator: pay always succeeds.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from posapp.core.antom import signing


class SignedServer:
    def __init__(
        self,
        client_id: str,
        merchant_public_key: rsa.RSAPublicKey,
        antom_private_key: rsa.RSAPrivateKey,
        *,
        tamper: bool = False,
    ) -> None:
        self.client_id = client_id
        self.merchant_public_key = merchant_public_key
        self.antom_private_key = antom_private_key
        self.tamper = tamper  # sign, then change the body: the client must refuse it
        self.payments: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SignedServer:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                status, data = outer.answer(self.path, self.headers, body)
                raw = json.dumps(data, separators=(",", ":")).encode()
                rtime = signing.request_time_now()
                content = signing.content_to_sign("POST", self.path, outer.client_id, rtime, raw)
                sig = signing.sign(outer.antom_private_key, content)
                if outer.tamper:
                    raw = raw.replace(b'"F"', b'"S"').replace(b"ORDER_NOT_EXIST", b"SUCCESS")
                self.send_response(status)
                self.send_header("content-type", "application/json; charset=UTF-8")
                self.send_header("content-length", str(len(raw)))
                self.send_header("client-id", outer.client_id)
                self.send_header("response-time", rtime)
                self.send_header("signature", signing.build_signature_header(sig))
                self.end_headers()
                self.wfile.write(raw)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SignedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def answer(self, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        def result(code: str, status: str) -> dict[str, Any]:
            return {"resultCode": code, "resultStatus": status, "resultMessage": code.lower()}

        try:
            header = signing.parse_signature_header(headers.get("signature"))
            content = signing.content_to_sign(
                "POST", path, headers.get("client-id", ""), headers.get("request-time", ""), body
            )
            good = signing.verify(self.merchant_public_key, content, header.signature)
        except signing.SignatureError:
            good = False
        if not good:
            return 200, {"result": result("INVALID_SIGNATURE", "F")}
        data = json.loads(body)
        api = path.rsplit("/", 1)[-1]
        with self._lock:
            if api == "pay":
                rid = data["paymentRequestId"]
                stored = self.payments.setdefault(
                    rid,
                    {
                        "paymentRequestId": rid,
                        "paymentId": f"2026{len(self.payments):012d}",
                        "paymentAmount": data["paymentAmount"],
                        "paymentCreateTime": time.strftime(
                            "%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()
                        ),
                    },
                )
                return 200, {"result": result("SUCCESS", "S"), **stored}
            if api == "inquiryPayment":
                stored = self.payments.get(data.get("paymentRequestId", ""))
                if stored is None:
                    return 200, {"result": result("ORDER_NOT_EXIST", "F")}
                return 200, {
                    "result": result("SUCCESS", "S"),
                    "paymentStatus": "SUCCESS",
                    "paymentResultCode": "SUCCESS",
                    **stored,
                }
        return 200, {"result": result("NO_INTERFACE_DEF", "F")}
