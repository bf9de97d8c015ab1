"""A till built by the app's own wiring, taking payments until it is killed: the subprocess
of test_crash_wiring.

    python -m tests.e2e.crash_wiring_worker --data-dir DIR --seed N --lane L [--port P]
    python -m tests.e2e.crash_wiring_worker --zygote   (the fork server of crash_harness)

Each run is a restart of a training till: ``posapp.app.build_backend`` on the data dir (the
journal with its own key, the embedded sandbox on the data dir's sandbox state, the poller,
the notification listener on a fixed port, recovery). It first checks what the last run
left: both clocks move past the moment Antom's "not found" proves "never sent", recovery
runs, and the journal is compared with the sandbox's ledger (``CHECK <pid> <json>``). Then
it starts the poller and the listener, prints ``READY <pid>`` and loops through a seeded mix
of traffic: automatic-capture and authorise-only sales, 3-D Secure challenges (answered on
the sandbox's OTP page, cancelled, or left open), slow cards, declines, captures, cancels and
refunds with the training PIN, and gateway faults added through the sandbox's admin API that
stay active until the kill.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import random
import sys
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from posapp.app import Backend, build_backend
from posapp.config import Settings
from posapp.core.antom.retry import RetryPolicy, no_jitter
from posapp.core.domain import PaymentStatus
from posapp.core.money import Money
from posapp.core.services.backoffice import BackOfficeError
from posapp.core.services.checkout import CheckoutOutcome, CheckoutRequest, DuplicateSuspected
from posapp.core.services.pin import TRAINING_PIN
from posapp.core.services.schedule import PollSchedule
from posapp.core.services.validation import read_card
from posapp.paths import app_dirs
from posapp.sandbox.sandbox import ADMIN_TOKEN_FILE
from posapp.sandbox.scenarios import OTP
from tests.backend_support import PAST_NOT_SENT_PROOF, MovableClock

from . import crash_worker
from .agreement import all_payments, compare, integrity_ok, ledger_orders
from .crash_harness import say, zygote

PREFIX = "CW-"
VISA_OK = "4054695723100768"
MC_OK = "5162774114974622"
DECLINE = "4054692760174822"
CHALLENGE = "4000020000000604"  # 3DS challenge (OTP page)
FRICTIONLESS = "4000020000000703"
SALVAGE = "4000020000000802"  # the issuer demands 3DS: a challenge even when not asked for
SLOW_OK = "4000020000000901"  # PROCESSING for CVV seconds, then approved
SLOW_DECLINE = "4000020000000919"
CARDS = [VISA_OK] * 4 + [MC_OK] * 2 + [DECLINE, CHALLENGE, CHALLENGE, FRICTIONLESS, SALVAGE]
CARDS += [SLOW_OK, SLOW_OK, SLOW_DECLINE]

# Gateway faults the till may meet; added through the admin API and left on until the kill.
FAULTS: list[dict[str, Any]] = [
    {"pattern": "*/pay", "kind": "reset_after", "times": 1},
    {"pattern": "*/pay", "kind": "reset_before", "times": 1},
    {"pattern": "*/pay", "kind": "latency", "seconds": 0.3, "times": 2},
    {"pattern": "*/pay", "kind": "garbled_body", "times": 1},
    {"pattern": "*/capture", "kind": "reset_after", "times": 1},
    {"pattern": "*/capture", "kind": "http_error", "status": 503, "times": 1},
    {"pattern": "*/refund", "kind": "bad_signature", "times": 1},
    {"pattern": "*/refund", "kind": "reset_after", "times": 1},
    {"pattern": "*/cancel", "kind": "missing_signature", "times": 1},
    {"pattern": "*/inquiryPayment", "kind": "latency", "seconds": 0.2},
    {"pattern": "*/inquiryPayment", "kind": "http_error", "status": 502, "times": 3},
    {"pattern": "notifyPayment", "kind": "duplicate_notify"},
]


def preload(_conf: dict[str, str]) -> None:
    """The zygote's imports are this module's; nothing to open before the fork."""


class Admin:
    """The sandbox's admin API (``/sandbox-admin/*``) with the state dir's token: works the
    same whether the sandbox runs in the till's process or in a child of it."""

    def __init__(self, backend: Backend) -> None:
        token = (backend.dirs.sandbox_state / ADMIN_TOKEN_FILE).read_text().strip()
        self.http = httpx.Client(
            base_url=backend.client.base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10.0,
            verify=False,  # plain http on loopback: no TLS context to build (~65 ms)
        )

    def offset(self) -> timedelta:
        answer = self.http.get("/sandbox-admin/clock")
        answer.raise_for_status()
        return timedelta(seconds=float(answer.json()["offsetSeconds"]))

    def advance(self, delta: timedelta) -> None:
        answer = self.http.post(
            "/sandbox-admin/clock/advance", json={"seconds": delta.total_seconds()}
        )
        answer.raise_for_status()

    def fault(self, spec: dict[str, Any]) -> None:
        self.http.post("/sandbox-admin/faults", json=spec).raise_for_status()

    def notifications_acknowledged(self) -> int:
        answer = self.http.get("/sandbox-admin/notifications")
        answer.raise_for_status()
        return sum(1 for n in answer.json()["notifications"] if n["acknowledged"])

    def challenge(self, url: str, *, cancel: bool) -> None:
        form = {"action": "cancel"} if cancel else {"action": "verify", "otp": OTP}
        self.http.post(url, data=form)

    def close(self) -> None:
        self.http.close()


def build(data_dir: Path, port: int, *, child: bool) -> tuple[Backend, MovableClock]:
    """``child``: the sandbox in a child process of the till, where build_backend can start
    one (the GUI's way); otherwise in the till's process (each start of a child is a new
    interpreter: the test takes that cost on a share of the restarts only)."""
    clock = MovableClock()
    where: dict[str, Any] = {}
    if "sandbox_in_process" in inspect.signature(build_backend).parameters:
        where["sandbox_in_process"] = not child
    backend = build_backend(
        app_dirs(data_dir),
        replace(Settings(), notify_listener=True, notify_port=port),
        clock=clock,
        client_timeout=2.0,
        client_retry=RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, jitter=no_jitter),
        poll_schedule=PollSchedule(jitter=0),
        pin_cost=2**10,
        **where,
    )
    return backend, clock


def check(backend: Backend, clock: MovableClock, admin: Admin) -> dict[str, Any]:
    """The restart's proof: after recovery, the journal agrees with the sandbox's ledger."""
    # the restart comes after the killed till's payments expired (both clocks jump): Antom's
    # "not found" then proves "never sent", slow cards and open challenges have ended
    admin.advance(PAST_NOT_SENT_PROOF)
    clock.offset = admin.offset()
    report = backend.recover()
    problems: list[str] = []
    verdict = backend.repo.verify()
    if not verdict.ok:
        problems.append(f"journal verify: {verdict.summary()}")
    integrity = integrity_ok(backend.dirs.journal)
    if integrity != "ok":
        problems.append(f"integrity_check: {integrity}")
    ledger = backend.sandbox.ledger()
    agreement = compare(backend.repo, ledger, currency=backend.settings.currency)
    problems.extend(agreement.problems[:5])
    payments = all_payments(backend.repo)
    lost = ledger_orders(ledger, PREFIX) - {p.reference_order_id for p in payments}
    if lost:
        problems.append(f"orders at Antom, not in the journal: {sorted(lost)[:5]}")
    doubles = sum(1 for p in agreement.problems if "double charge" in p)
    statuses = Counter(p.status.value for p in payments)
    # what the traffic so far exercised (the journal and the sandbox's outbox are cumulative)
    mix: Counter[str] = Counter()
    for p in payments:
        mix[p.capture_mode.value.lower()] += 1
        mix["3ds_challenge"] += p.card.last4 in (CHALLENGE[-4:], SALVAGE[-4:])
        mix["slow"] += p.card.last4 in (SLOW_OK[-4:], SLOW_DECLINE[-4:])
    mix["notifications_acknowledged"] = admin.notifications_acknowledged()
    return {
        "recovered": len(report.changed),
        "payments": agreement.payments,
        "orders": agreement.orders,
        "statuses": statuses,
        "mix": mix,
        "sandbox": type(backend.sandbox).__name__,
        "doubles": doubles,
        "lost": len(lost),
        "problems": problems,
    }


def traffic(backend: Backend, admin: Admin, rng: random.Random, run_id: str, count: int) -> None:
    checkout, backoffice = backend.checkout, backend.backoffice
    currency = backend.settings.currency
    retries = crash_worker.retry_candidates(backend.repo)
    today = date.today()
    for n in range(1, count + 1):
        if rng.random() < 0.2:
            fault = rng.choice(FAULTS)
            admin.fault(fault)
            print(f"fault on: {fault['kind']} {fault['pattern']}", file=sys.stderr, flush=True)
        if retries and rng.random() < 0.2:
            reference, amount = retries.pop(rng.randrange(len(retries)))
        else:
            reference = f"{PREFIX}{run_id}-N{n}"
            amount = Money(rng.randint(100, 50_000), currency)
        pan = rng.choice(CARDS)
        cvv = f"{rng.randint(1, 2):03d}" if pan in (SLOW_OK, SLOW_DECLINE) else "737"
        hold = rng.random() < 0.5  # authorise only; otherwise automatic capture
        # 3-D Secure asked for: the cards that need it (mostly), now and then any card
        three_ds = rng.random() < (0.9 if pan in (CHALLENGE, FRICTIONLESS) else 0.1)
        request = CheckoutRequest(
            amount=amount,
            reference_order_id=reference,
            description=f"crash wiring {n}",
            card=read_card(pan, "12/40", cvv, today),
            hold=hold,
            three_ds=three_ds,
            operator="crash",
        )
        try:
            result = checkout.pay(request)
        except DuplicateSuspected:
            continue  # the guard did its job: never charge an order twice
        payment = result.payment
        if result.outcome is CheckoutOutcome.NEEDS_3DS and payment.three_ds_url:
            roll = rng.random()
            if roll < 0.75:  # the buyer answers (or cancels); the rest stay open
                admin.challenge(payment.three_ds_url, cancel=roll < 0.1)
                print("3ds answered", file=sys.stderr, flush=True)
            continue
        if payment.status not in (PaymentStatus.AUTHORISED, PaymentStatus.CAPTURED):
            continue
        roll = rng.random()
        try:
            if payment.status is PaymentStatus.AUTHORISED:
                if roll < 0.6:
                    done = backoffice.capture(payment, backoffice.approve(TRAINING_PIN))
                    if done.ok and rng.random() < 0.3:
                        part = Money(max(1, payment.amount.minor // 3), currency)
                        backoffice.refund(payment, part, backoffice.approve(TRAINING_PIN))
                elif roll < 0.8:
                    backoffice.cancel(payment, backoffice.approve(TRAINING_PIN))
            elif roll < 0.3:
                part = Money(max(1, payment.amount.minor // 2), currency)
                backoffice.refund(payment, part, backoffice.approve(TRAINING_PIN))
        except BackOfficeError as exc:
            print(f"refused: {exc.message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--lane", default="A")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--max-payments", type=int, default=1_000_000)
    parser.add_argument("--sandbox-child", action="store_true")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    backend, clock = build(args.data_dir, args.port, child=args.sandbox_child)
    admin = Admin(backend)
    try:
        found = check(backend, clock, admin)
        say(f"CHECK {os.getpid()} {json.dumps(found)}")
        backend.start(recover=False)  # the listener, then the poller
        say(f"READY {os.getpid()}")
        traffic(backend, admin, rng, f"{args.lane}{os.getpid():x}", args.max_payments)
    finally:
        admin.close()
        backend.close()
    return 0


if __name__ == "__main__":
    sys.exit(zygote(main, preload) if sys.argv[1:] == ["--zygote"] else main())
