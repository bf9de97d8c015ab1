"""The training sandbox's admin API, attacked as any local user (issue 10, item 7).

Each test fails on the code before the fix: the admin API answered anyone, took a clock jump
of 252e9 seconds (kept across restarts, failing every later payment) and a latency of NaN
(which held every other delayed reply), and ``posapp sandbox --host 0.0.0.0`` listened on
every interface without a word.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sqlite3
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from posapp.cli import main
from posapp.commands.sandbox import is_loopback
from posapp.sandbox import Sandbox
from posapp.sandbox.httpserver import HttpServer, Reply, Request, text_reply
from posapp.sandbox.sandbox import ADMIN_TOKEN_FILE, MAX_CLOCK_OFFSET
from tests.sandbox.helpers import RawClient, pay_body

ENDPOINTS = [
    ("GET", "process", None),
    ("GET", "clock", None),
    ("POST", "clock/advance", {"seconds": 3600}),
    ("GET", "faults", None),
    ("POST", "faults", {"pattern": "*/pay", "kind": "http_error", "times": 1}),
    ("DELETE", "faults", None),
    ("GET", "ledger", None),
    ("GET", "notifications", None),
    ("POST", "reports", {"date": "2026-01-01", "fault": "extra_line"}),
    ("GET", "no-such-endpoint", None),
]


def _admin(sandbox: Sandbox, token: str | None = None, scheme: str = "Bearer") -> httpx.Client:
    headers = {} if token is None else {"Authorization": f"{scheme} {token}".strip()}
    return httpx.Client(
        base_url=sandbox.base_url + "/sandbox-admin",
        headers=headers,
        trust_env=False,
        timeout=10,
    )


def _call(client: httpx.Client, method: str, name: str, body: object) -> httpx.Response:
    return (
        client.request(method, "/" + name, json=body)
        if body
        else client.request(method, "/" + name)
    )


# -- the token ----------------------------------------------------------------------------------
@pytest.mark.parametrize("credential", ["none", "wrong", "other-scheme", "bare-token"])
def test_admin_without_the_token_is_401_on_every_endpoint(
    sandbox: Sandbox, credential: str
) -> None:
    token = {
        "none": None,
        "wrong": "x" * 43,
        "other-scheme": sandbox.admin_token,  # "Basic <token>" is not the bearer credential
        "bare-token": sandbox.admin_token,  # the token without "Bearer"
    }[credential]
    scheme = {"other-scheme": "Basic", "bare-token": ""}.get(credential, "Bearer")
    with _admin(sandbox, token, scheme) as anyone:
        for method, name, body in ENDPOINTS:
            answer = _call(anyone, method, name, body)
            assert answer.status_code == 401, (method, name, answer.text)
            assert answer.json()["field"] == "Authorization"
    # and nothing happened
    assert sandbox.clock.offset == timedelta(0)
    assert sandbox.faults.active() == []


def test_with_the_token_every_endpoint_answers(sandbox: Sandbox) -> None:
    with _admin(sandbox, sandbox.admin_token) as admin:
        for method, name, body in ENDPOINTS[:-1]:
            answer = _call(admin, method, name, body)
            assert answer.status_code == 200, (method, name, answer.text)
        assert _call(admin, "GET", "no-such-endpoint", None).status_code == 404
    assert sandbox.clock.offset == timedelta(hours=1)


def test_the_token_is_a_private_file_of_the_state_dir_kept_across_restarts(
    state_dir: Path,
) -> None:
    with Sandbox(state_dir) as first:
        token = first.admin_token
    path = state_dir / ADMIN_TOKEN_FILE
    assert path.read_text().strip() == token and len(token) >= 43
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with Sandbox(state_dir) as second:
        assert second.admin_token == token
        with _admin(second, path.read_text().strip()) as admin:
            assert admin.get("/clock").status_code == 200


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_a_token_file_others_could_read_is_replaced(state_dir: Path) -> None:
    with Sandbox(state_dir) as first:
        leaked = first.admin_token
    (state_dir / ADMIN_TOKEN_FILE).chmod(0o644)
    with Sandbox(state_dir) as second:
        assert second.admin_token != leaked
        with _admin(second, leaked) as admin:
            assert admin.get("/clock").status_code == 401
    assert stat.S_IMODE((state_dir / ADMIN_TOKEN_FILE).stat().st_mode) == 0o600


def test_an_in_memory_sandbox_has_a_token_of_its_own() -> None:
    with Sandbox() as one, Sandbox() as two:
        assert one.admin_token != two.admin_token
        with _admin(one, two.admin_token) as admin:
            assert admin.get("/clock").status_code == 401
        with _admin(one, one.admin_token) as admin:
            assert admin.get("/clock").status_code == 200


# -- values -------------------------------------------------------------------------------------
def _post_raw(admin: httpx.Client, path: str, text: str) -> httpx.Response:
    """JSON as text: Python's json reads NaN and Infinity, so a client can send them."""
    return admin.post(path, content=text.encode(), headers={"content-type": "application/json"})


@pytest.mark.parametrize(
    "seconds", ["NaN", "Infinity", "-Infinity", '"5"', "true", "null", "121", "-1", "1e400"]
)
def test_a_latency_that_is_not_a_finite_number_up_to_120_s_is_refused(
    sandbox: Sandbox, seconds: str
) -> None:
    with _admin(sandbox, sandbox.admin_token) as admin:
        answer = _post_raw(
            admin, "/faults", f'{{"pattern": "*/pay", "kind": "latency", "seconds": {seconds}}}'
        )
        assert answer.status_code == 400, answer.text
        assert answer.json()["field"] == "seconds"
        assert "seconds" in answer.json()["error"]
    assert sandbox.faults.active() == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pattern", "5"),
        ("pattern", '""'),
        ("kind", '"explode"'),
        ("kind", "3"),
        ("times", "0"),
        ("times", "1.5"),
        ("times", "NaN"),
        ("status", "NaN"),
        ("status", '"503"'),
    ],
)
def test_every_fault_field_is_checked_and_named(sandbox: Sandbox, field: str, value: str) -> None:
    good = {"pattern": '"*/pay"', "kind": '"http_error"', "status": "503", "times": "1"}
    good[field] = value
    body = "{" + ", ".join(f'"{k}": {v}' for k, v in good.items()) + "}"
    with _admin(sandbox, sandbox.admin_token) as admin:
        answer = _post_raw(admin, "/faults", body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["field"] == field
    assert sandbox.faults.active() == []


@pytest.mark.parametrize(
    "seconds", ["252000000000", "NaN", "Infinity", "-5", '"3600"', "false", str(401 * 86400)]
)
def test_an_absurd_clock_advance_is_refused(sandbox: Sandbox, seconds: str) -> None:
    with _admin(sandbox, sandbox.admin_token) as admin:
        answer = _post_raw(admin, "/clock/advance", f'{{"seconds": {seconds}}}')
        assert answer.status_code == 400, answer.text
        assert answer.json()["field"] == "seconds"
        assert admin.get("/clock").json()["offsetSeconds"] == 0
    assert sandbox.clock.offset == timedelta(0)


def test_the_clock_runs_at_most_400_days_ahead_in_total(sandbox: Sandbox) -> None:
    limit = int(MAX_CLOCK_OFFSET.total_seconds())
    with _admin(sandbox, sandbox.admin_token) as admin:
        assert admin.post("/clock/advance", json={"seconds": limit - 60}).status_code == 200
        answer = admin.post("/clock/advance", json={"seconds": 120})  # past the limit in total
        assert answer.status_code == 400 and answer.json()["field"] == "seconds"
        assert admin.post("/clock/advance", json={"seconds": 60}).status_code == 200
    assert sandbox.clock.offset == MAX_CLOCK_OFFSET
    raw = RawClient(sandbox)
    try:  # a year ahead, the sandbox still takes payments
        assert raw.call("pay", pay_body("admin-limit-1")).code == "SUCCESS"
    finally:
        raw.close()


def test_a_saved_absurd_clock_is_reset_at_start_with_a_warning(
    state_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """State from before the fix: the 252e9-second jump was saved; the next start resets it
    to real time (and says so) instead of failing every payment."""
    with Sandbox(state_dir):
        pass
    with sqlite3.connect(state_dir / "sandbox.sqlite3") as db:
        db.execute(
            "INSERT INTO meta(key, value) VALUES ('clock_offset_us', ?) "
            "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (str(252_000_000_000 * 10**6),),
        )
    with Sandbox(state_dir) as sandbox:
        assert sandbox.clock.offset == timedelta(0)
        assert sandbox.clock_warning is not None and "reset" in sandbox.clock_warning
        raw = RawClient(sandbox)
        try:
            assert raw.call("pay", pay_body("after-reset-1")).code == "SUCCESS"
        finally:
            raw.close()
    assert any("reset" in r.getMessage() for r in caplog.records)
    with Sandbox(state_dir) as again:  # the reset is saved: no warning the next time
        assert again.clock_warning is None and again.clock.offset == timedelta(0)


def test_a_nan_delay_cannot_hold_other_delayed_replies() -> None:
    """Behind the admin checks, the server itself takes only a finite delay: a NaN due time
    sat at the head of its timer queue for ever and held every later delayed reply."""

    def handler(request: Request) -> Reply:
        delay = math.nan if request.route == "/nan" else 0.05
        return Reply(after=delay, then=lambda: text_reply(200, request.route))

    server = HttpServer("127.0.0.1", 0, handler, workers=0)
    server.start()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=20) as http:
            assert http.get("/nan").text.strip() == "/nan"
            assert http.get("/later").text.strip() == "/later"
    finally:
        server.stop()


# -- the command line ---------------------------------------------------------------------------
@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "192.168.1.20", "till.example"])
def test_a_host_that_is_not_loopback_needs_allow_remote(
    capsys: pytest.CaptureFixture[str], host: str
) -> None:
    assert main(["sandbox", "--in-memory", "--host", host]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--allow-remote" in err and "Traceback" not in err


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_hosts_need_nothing(host: str) -> None:
    assert is_loopback(host)


def test_allow_remote_binds_and_warns_on_stderr() -> None:
    argv = ["sandbox", "--in-memory", "--host", "0.0.0.0", "--allow-remote"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "posapp", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline().strip() if proc.stdout else ""
        assert first.startswith("http://0.0.0.0:")
        lines = [proc.stdout.readline().strip() for _ in range(2)] if proc.stdout else []
        token_line = next(line for line in lines if line.startswith("admin token: "))
        token = token_line.removeprefix("admin token: ")
        port = first.rsplit(":", 1)[1]
        with httpx.Client(trust_env=False, timeout=10) as http:
            url = f"http://127.0.0.1:{port}/sandbox-admin/clock"
            assert http.get(url).status_code == 401  # remote or not, the token is needed
            assert http.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        err = proc.stderr.read() if proc.stderr else ""
        assert "WARNING" in err and "0.0.0.0" in err and "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_admin_error_bodies_are_json(sandbox: Sandbox) -> None:
    with _admin(sandbox) as anyone:
        answer = anyone.get("/clock")
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/json")
    assert "admin_token" in json.loads(answer.content)["error"]
