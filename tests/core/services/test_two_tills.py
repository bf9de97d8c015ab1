"""Two tills on one journal (one SQLite file, or one PostgreSQL database), against one
sandbox, working at the same time.

Both tills are Antom-sandbox installs of one client id (a journal belongs to one environment),
talking to one simulator; till B is a second service stack on the same data folder (same
journal file, its own settings and PIN file, terminal TILL-B). Each has its own poller and
notification listener, and each poller also settles what the other till left open. Both pay,
capture, cancel and refund at once, with some answers lost on the way. Afterwards the
journal's hash chain verifies (the `posapp journal verify` command), every action is there
exactly once under the till that made it, and the sandbox's ledger agrees with the journal
order by order: nothing lost, nothing charged twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import posapp.core.services.secrets as secrets_module
from posapp.app import Backend, build_backend
from posapp.cli import main
from posapp.config import Environment, save_settings
from posapp.core.domain import EventKind, OperationStatus, Payment, PaymentStatus
from posapp.core.journal.location import JournalLocation
from posapp.core.money import Money
from posapp.core.services.pin import prove_merchant
from posapp.core.services.schedule import PollSchedule
from posapp.core.services.secrets import Credentials, MemorySecretStore
from posapp.paths import AppDirs, app_dirs
from posapp.sandbox import Sandbox
from tests.e2e.agreement import compare

from .conftest import FAST_RETRY, fresh, pay, with_settings

ROUNDS = 6  # per till: two of each flow below
SETTLE_WITHIN = 60.0  # seconds (generous: CI machines are slow and shared)
PIN = "246813"  # six digits: these are not training tills


@dataclass
class Till:
    name: str
    backend: Backend
    pin: str
    payments: list[tuple[str, Payment]] = field(default_factory=list)  # (flow, payment)
    errors: list[str] = field(default_factory=list)


def _until(what: str, done: Callable[[], bool], timeout: float = SETTLE_WITHIN) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.02)


def _status_is(backend: Backend, p: Payment, status: PaymentStatus) -> Callable[[], bool]:
    return lambda: fresh(backend, p).status is status


@pytest.fixture
def tills(tmp_path: Path, data_dir: Path, journal: JournalLocation) -> Iterator[tuple[Till, Till]]:
    # one journal belongs to one environment: both tills are Antom-sandbox tills of one
    # client id, talking to one simulator (which till A's backend stops at close); they
    # share one keyring, hence one journal key and one manager PIN record
    sandbox = Sandbox(tmp_path / "antom").start()
    store = MemorySecretStore()
    store.save(
        Environment.SANDBOX.value,
        Credentials(
            sandbox.client_id, sandbox.merchant_private_key_pem, sandbox.antom_public_key_pem
        ),
    )
    shared = app_dirs(data_dir)
    built: list[Backend] = []

    def till(name: str, dirs: AppDirs) -> Till:
        backend = build_backend(
            dirs,
            with_settings(
                environment=Environment.SANDBOX,
                region="custom",
                gateway_url=sandbox.base_url,
                client_id=sandbox.client_id,
                terminal_id=f"TILL-{name}",
                notify_listener=True,
                payment_redirect_url="https://shop.example/back",  # needed outside training
            ),
            secret_store=store,
            client_timeout=3.0,
            client_retry=FAST_RETRY,
            poll_schedule=PollSchedule(jitter=0),
            pin_cost=2**10,
            journal=journal,  # the data folder's file, or one database on the test server
        )
        built.append(backend)
        return Till(name, backend, PIN)

    try:
        a = till("A", shared)
        a.backend.sandbox = sandbox  # the simulator stops with till A
        # outside training the first PIN is set with the merchant's credentials
        proof = prove_merchant(
            sandbox.client_id,
            sandbox.merchant_private_key_pem,
            sandbox.client_id,
            sandbox.merchant_private_key_pem,
        )
        a.backend.pins.reset(PIN, proof)
        b_dirs = AppDirs(data=shared.data, config=tmp_path / "b-config", logs=tmp_path / "b-logs")
        b = till("B", b_dirs)
        assert b.backend.repo is not a.backend.repo
        assert b.backend.dirs.journal == a.backend.dirs.journal  # one file, two stacks
        assert a.backend.repo.key == b.backend.repo.key  # both MAC under one install key
        yield a, b
    finally:
        for backend in reversed(built):
            backend.close()
        if not built:
            sandbox.stop()


def _work(till: Till, rounds: int) -> None:
    """One cashier's session: hold + capture + partial refund, hold + cancel, automatic
    capture + full refund; each step waits (with a deadline) for the outcome to settle."""
    backend = till.backend
    office = backend.backoffice
    for k in range(rounds):
        flow = ("capture", "cancel", "auto")[k % 3]
        minor = 1000 + 10 * k + (1 if till.name == "B" else 0)
        result = pay(backend, minor=minor, hold=flow != "auto")
        p = result.payment
        till.payments.append((flow, p))
        if flow == "capture":
            _until(f"{p.payment_request_id} held", _status_is(backend, p, PaymentStatus.AUTHORISED))
            office.capture(p, office.approve(till.pin))
            _until(
                f"{p.payment_request_id} captured", _status_is(backend, p, PaymentStatus.CAPTURED)
            )
            office.refund(fresh(backend, p), Money(100, "SGD"), office.approve(till.pin))
            _until(
                f"{p.payment_request_id} partly refunded",
                _status_is(backend, p, PaymentStatus.PARTIALLY_REFUNDED),
            )
        elif flow == "cancel":
            _until(f"{p.payment_request_id} held", _status_is(backend, p, PaymentStatus.AUTHORISED))
            office.cancel(p, office.approve(till.pin))
            _until(
                f"{p.payment_request_id} cancelled", _status_is(backend, p, PaymentStatus.CANCELLED)
            )
        else:
            _until(
                f"{p.payment_request_id} captured", _status_is(backend, p, PaymentStatus.CAPTURED)
            )
            office.refund(fresh(backend, p), Money(minor, "SGD"), office.approve(till.pin))
            _until(
                f"{p.payment_request_id} refunded", _status_is(backend, p, PaymentStatus.REFUNDED)
            )


def _run(till: Till, rounds: int) -> None:
    try:
        _work(till, rounds)
    except Exception as exc:  # noqa: BLE001 - reported by the test thread
        till.errors.append(f"till {till.name}: {type(exc).__name__}: {exc}")


def test_two_tills_on_one_journal_lose_nothing_and_charge_once(
    tills: tuple[Till, Till],
    data_dir: Path,
    journal: JournalLocation,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = tills
    sandbox = a.backend.sandbox
    # answers are lost on the way: more often than the client's own retries cover (3 tries),
    # so either till's poller finishes some operations under their request ids
    sandbox.faults.add("*/pay", "reset_after", times=2)
    for api in ("capture", "refund", "cancel"):
        sandbox.faults.add(f"*/{api}", "reset_after", times=FAST_RETRY.max_attempts + 1)
    for till in tills:
        till.backend.start()
    for till in tills:
        assert till.backend.recovered.wait(30)
    workers = [
        threading.Thread(target=_run, args=(t, ROUNDS), name=f"till-{t.name}") for t in tills
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(SETTLE_WITHIN * ROUNDS)
    assert not any(w.is_alive() for w in workers)
    assert a.errors + b.errors == []
    repo = a.backend.repo

    def nothing_open() -> bool:
        return not repo.payments_needing_settlement() and not repo.refunds_needing_settlement()

    _until("both tills settled everything", nothing_open)

    # every action once, under the till that made it
    finals = {
        "capture": PaymentStatus.PARTIALLY_REFUNDED,
        "cancel": PaymentStatus.CANCELLED,
        "auto": PaymentStatus.REFUNDED,
    }
    for till in tills:
        terminal = f"TILL-{till.name}"
        assert len(till.payments) == ROUNDS
        for flow, p in till.payments:
            now = fresh(a.backend, p)  # read through the other stack's connection too
            assert fresh(b.backend, p) == now
            assert now.terminal_id == terminal
            assert now.status is finals[flow], (till.name, flow, now.status)
            events = repo.events_for_payment(p.id)
            pays = [e for e in events if e.kind is EventKind.REQUEST_SENT and e.api == "pay"]
            assert [(e.terminal_id, e.request_id) for e in pays] == [
                (terminal, p.payment_request_id)
            ]
            captures = repo.captures_for(p.id)
            refunds = repo.refunds_for(p.id)
            # a manual capture is journaled as one; an automatic one is the payment's own
            expect_captures = 1 if flow == "capture" else 0
            expect_refunds = 0 if flow == "cancel" else 1
            assert [c.status for c in captures] == [OperationStatus.SUCCEEDED] * expect_captures
            assert [r.status for r in refunds] == [OperationStatus.SUCCEEDED] * expect_refunds
            # whoever re-sent an operation (this till or the other's poller) used its id
            sent = {
                e.request_id
                for e in events
                if e.kind is EventKind.REQUEST_SENT and e.api in ("capture", "refund")
            }
            assert sent == {c.capture_request_id for c in captures} | {
                r.refund_request_id for r in refunds
            }
    all_ids = [p.id for t in tills for _, p in t.payments]
    assert len(set(all_ids)) == 2 * ROUNDS

    # the sandbox agrees order by order: nothing lost, nothing charged twice
    sandbox.faults.clear()
    agreement = compare(repo, sandbox.ledger())
    assert agreement.ok, agreement.problems
    assert agreement.payments == 2 * ROUNDS
    assert repo.verify().ok

    # `posapp journal verify` on the journal both tills wrote, with till A's settings and
    # keyring (the journal key lives there outside training)
    save_settings(app_dirs(data_dir).settings_file, a.backend.settings)
    monkeypatch.setattr(secrets_module, "KeyringSecretStore", lambda: a.backend.secrets)
    b.backend.close()
    a.backend.close()
    where = journal.url or str(journal.path)
    assert main(["journal", "verify", "--data-dir", str(data_dir), "--journal", where]) == 0
