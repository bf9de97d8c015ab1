"""``Sandbox(state_dir, processes=N)``: several processes, one listening socket, one state.

Whatever process a connection lands on, the sandbox must behave as one: idempotency, the
clock, faults, slow authorisations settling, notifications, the ledger.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from posapp.sandbox import Sandbox
from tests.sandbox.helpers import NotifyReceiver, RawClient, pay_body

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="one process on Windows")

SLOW_CARD = "4000020000000901"  # PROCESSING for a few seconds, then approved


@pytest.fixture
def multi(state_dir: Path) -> Iterator[Sandbox]:
    with Sandbox(state_dir, processes=2) as sb:
        yield sb


def _admin(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _pid(client: httpx.Client, token: str) -> int:
    return int(client.get("/sandbox-admin/process", headers=_admin(token)).json()["pid"])


def _clients_per_process(sandbox: Sandbox, tries: int = 40) -> dict[int, RawClient]:
    """One keep-alive client whose connection landed on each process."""
    found: dict[int, RawClient] = {}
    spare: list[RawClient] = []
    for _ in range(tries):
        client = RawClient(sandbox)
        pid = _pid(client.http, sandbox.admin_token)
        if pid in found:
            spare.append(client)
        else:
            found[pid] = client
        if len(found) == sandbox.processes:
            break
    for client in spare:
        client.close()
    assert len(found) == sandbox.processes, f"connections reached only {sorted(found)}"
    return found


def test_connections_are_served_by_every_process(multi: Sandbox) -> None:
    clients = _clients_per_process(multi)
    assert os.getpid() in clients  # the first process serves too
    for pid, client in clients.items():
        answer = client.call("pay", pay_body(f"p-{pid}"))
        assert answer.code == "SUCCESS" and answer.verified
        client.close()


def test_a_payment_taken_by_one_process_is_known_to_the_other(multi: Sandbox) -> None:
    one, two = _clients_per_process(multi).values()
    paid = one.call("pay", pay_body("shared-1"))
    assert paid.code == "SUCCESS"
    seen = two.call("inquiryPayment", {"paymentRequestId": "shared-1"})
    assert seen.body["paymentStatus"] == "SUCCESS"
    assert seen.body["paymentId"] == paid.body["paymentId"]
    # the same request again through the other process: the same answer, no second charge
    again = two.call("pay", pay_body("shared-1"))
    assert again.body["paymentId"] == paid.body["paymentId"]
    changed = two.call("pay", pay_body("shared-1", value="2000"))
    assert changed.code == "REPEAT_REQ_INCONSISTENT"
    assert multi.ledger().order("order-shared-1").authorised == 1000
    one.close()
    two.close()


def test_one_request_id_raced_from_many_connections_charges_once(multi: Sandbox) -> None:
    clients = [RawClient(multi) for _ in range(12)]
    pids = {_pid(c.http, multi.admin_token) for c in clients}
    answers: list[str] = []
    start = threading.Barrier(len(clients))

    def fire(client: RawClient) -> None:
        start.wait()
        answers.append(client.call("pay", pay_body("race-1")).body["paymentId"])

    threads = [threading.Thread(target=fire, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(answers) == len(clients) and len(set(answers)) == 1
    assert len(pids) == 2  # both processes took part in the race
    ledger = multi.ledger()
    assert ledger.order("order-race-1").authorised == 1000
    for c in clients:
        c.close()


def test_a_clock_jump_through_either_process_is_seen_by_both(multi: Sandbox) -> None:
    clients = _clients_per_process(multi)
    pids = list(clients)
    first, second = (clients[p].http for p in pids)
    auth = _admin(multi.admin_token)
    first.post("/sandbox-admin/clock/advance", json={"seconds": 3600}, headers=auth)
    assert second.get("/sandbox-admin/clock", headers=auth).json()["offsetSeconds"] == 3600
    second.post("/sandbox-admin/clock/advance", json={"seconds": 60}, headers=auth)
    assert first.get("/sandbox-admin/clock", headers=auth).json()["offsetSeconds"] == 3660
    multi.clock.advance(timedelta(seconds=1))  # the in-process API as well
    assert second.get("/sandbox-admin/clock", headers=auth).json()["offsetSeconds"] == 3661
    assert multi.clock.offset == timedelta(seconds=3661)
    for c in clients.values():
        c.close()


def test_the_seven_day_release_applies_whichever_process_is_asked(multi: Sandbox) -> None:
    one, two = _clients_per_process(multi).values()
    assert one.call("pay", pay_body("held-1")).code == "SUCCESS"
    multi.clock.advance(timedelta(days=8))
    late = two.call(
        "capture",
        {
            "paymentId": _payment_id(one, "held-1"),
            "captureRequestId": "c1",
            "captureAmount": {"currency": "USD", "value": "1000"},
        },
    )
    assert late.result["resultStatus"] == "F"
    seen = two.call("inquiryPayment", {"paymentRequestId": "held-1"})
    assert seen.body["paymentStatus"] == "CANCELLED"
    one.close()
    two.close()


def _payment_id(client: RawClient, request_id: str) -> str:
    answer = client.call("inquiryPayment", {"paymentRequestId": request_id})
    return str(answer.body["paymentId"])


def test_a_slow_authorisation_settles_when_the_other_process_is_asked(multi: Sandbox) -> None:
    clients = _clients_per_process(multi)
    pids = [p for p in clients if p != os.getpid()] + [os.getpid()]
    child, parent = clients[pids[0]], clients[pids[1]]
    # taken by the further process, which also records when it falls due
    first = child.call("pay", pay_body("slow-1", card=SLOW_CARD, cvv="120"))  # for 120 s
    assert first.code == "PAYMENT_IN_PROCESS"
    multi.clock.advance(timedelta(seconds=60))
    assert parent.call("inquiryPayment", {"paymentRequestId": "slow-1"}).code == "SUCCESS"
    assert multi.ledger().order("order-slow-1").authorised == 0
    multi.clock.advance(timedelta(seconds=61))
    settled = parent.call("inquiryPayment", {"paymentRequestId": "slow-1"})
    assert settled.body["paymentStatus"] == "SUCCESS"
    child.close()
    parent.close()


def test_a_fault_fires_its_number_of_times_across_processes(multi: Sandbox) -> None:
    clients = _clients_per_process(multi)
    for pid, client in clients.items():
        assert client.call("pay", pay_body(f"f-{pid}")).code == "SUCCESS"
    multi.faults.add("*/inquiryPayment", "http_error", status=503, times=3)
    statuses = []
    for _ in range(4):
        for client in clients.values():
            path = client.prefix + "inquiryPayment"
            raw = b'{"paymentRequestId": "nothing"}'
            statuses.append(client.http.post(path, content=raw, headers=client.headers(path, raw)))
    assert [r.status_code for r in statuses].count(503) == 3
    # a fault added through the admin endpoint of either process is seen by all
    any_client = next(iter(clients.values()))
    auth = _admin(multi.admin_token)
    any_client.http.post(
        "/sandbox-admin/faults",
        json={"pattern": "*/pay", "kind": "http_error", "times": 1},
        headers=auth,
    )
    assert [f.kind.value for f in multi.faults.active()] == ["http_error"]
    multi.faults.clear()
    for client in clients.values():
        assert client.http.get("/sandbox-admin/faults", headers=auth).json() == {"faults": []}
        client.close()


def test_notifications_of_payments_taken_by_a_further_process_are_delivered(
    multi: Sandbox,
) -> None:
    receiver = NotifyReceiver()
    try:
        clients = _clients_per_process(multi)
        child = next(c for p, c in clients.items() if p != os.getpid())
        answer = child.call("pay", pay_body("n-1", capture="AUTOMATIC", notify_url=receiver.url))
        assert answer.code == "SUCCESS"
        deadline = time.monotonic() + 10
        while not receiver.bodies("PAYMENT_RESULT") and time.monotonic() < deadline:
            time.sleep(0.05)
        kinds = {b["paymentRequestId"] for b in receiver.bodies("PAYMENT_RESULT")}
        assert "n-1" in kinds
        for client in clients.values():
            client.close()
    finally:
        receiver.close()


def test_stop_ends_every_process(state_dir: Path) -> None:
    sandbox = Sandbox(state_dir, processes=3).start()
    children = [p for p, _pipe in sandbox._children]
    assert len(children) == 2 and all(p.is_alive() for p in children)
    sandbox.stop()
    assert not any(p.is_alive() for p in children)
    # and the state dir starts again, single-process, with what was kept
    with Sandbox(state_dir) as again:
        assert again.client_id.startswith("SANDBOX_")


def test_several_processes_need_a_state_dir() -> None:
    with pytest.raises(ValueError, match="state dir"):
        Sandbox(None, processes=2)
    with pytest.raises(ValueError, match="at least 1"):
        Sandbox(None, processes=0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers: look at its state
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_the_command_serves_from_several_processes_and_cleans_up(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "posapp",
            "sandbox",
            "--state-dir",
            str(tmp_path / "s"),
            "--processes",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip() if proc.stdout else ""
        assert url.startswith("http://127.0.0.1:")
        pids = set()
        for _ in range(40):
            with httpx.Client(base_url=url, trust_env=False) as client:
                pids.add(_pid(client, (tmp_path / "s" / "admin_token").read_text().strip()))
            if len(pids) == 2:
                break
        assert len(pids) == 2 and proc.pid in pids
        child = next(p for p in pids if p != proc.pid)
        # the first process killed outright: the other one notices and ends too
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_the_command_refuses_processes_it_cannot_run(tmp_path: Path) -> None:
    for args, expected in (
        (["--in-memory", "--processes", "2"], "drop --in-memory"),
        (["--processes", "0"], "1 to 64"),
        (["--processes", "many"], "1 to 64"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "posapp", "--data-dir", str(tmp_path), "sandbox", *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2, done.stderr
        assert expected in done.stderr and "Traceback" not in done.stderr


def test_a_further_process_that_dies_is_replaced_and_nothing_is_refused(
    multi: Sandbox,
) -> None:
    dead = multi._children[0][0]
    assert dead.pid is not None
    os.kill(dead.pid, signal.SIGKILL)
    dead.join(timeout=10)
    for i in range(6):  # new connections meanwhile: served, by whichever process is there
        client = RawClient(multi)
        assert client.call("pay", pay_body(f"after-{i}")).code == "SUCCESS"
        client.close()
    deadline = time.monotonic() + 60
    while multi.restarts < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert multi.restarts == 1
    clients = _clients_per_process(multi)
    assert os.getpid() in clients and dead.pid not in clients
    for i, client in enumerate(clients.values()):
        assert client.call("inquiryPayment", {"paymentRequestId": f"after-{i}"}).verified
        client.close()
    assert multi.ledger().order("order-after-5").authorised == 1000
