"""A till that takes payments until it is killed: the subprocess of the crash test.

    python -m tests.e2e.crash_worker --data-dir DIR --conf FILE --seed N --lane L
    python -m tests.e2e.crash_worker --zygote      (crash_harness's fork server)

It builds the services exactly as the app does (journal file, signed client, settler,
checkout, back office), runs start-up recovery, prints ``READY`` and then loops: authorise
a hold (mostly success cards, some declines), then capture it (sometimes refund part of it
afterwards), cancel it, or leave it held; now and then it retries an order whose attempts
all failed or never left, under the same referenceOrderId with a new paymentRequestId. The
test kills it with SIGKILL at random moments.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from posapp.core.antom.client import AntomClient
from posapp.core.antom.retry import RetryPolicy, no_jitter
from posapp.core.antom.signing import load_private_key, load_public_key
from posapp.core.clock import SystemClock
from posapp.core.domain import PaymentStatus
from posapp.core.journal.location import JournalLocation
from posapp.core.journal.repository import JournalRepository, PageRequest, PaymentFilter
from posapp.core.money import Money
from posapp.core.services.backoffice import BackOfficeError, BackOfficeService
from posapp.core.services.checkout import (
    CheckoutConfig,
    CheckoutRequest,
    CheckoutService,
    DuplicateSuspected,
)
from posapp.core.services.install_key import load_or_create_journal_key
from posapp.core.services.pin import TRAINING_PIN, MemoryPinStore, PinManager
from posapp.core.services.recovery import Recovery
from posapp.core.services.settle import Settler
from posapp.core.services.validation import read_card
from tests.e2e.crash_harness import say, zygote

TERMINAL = "CRASH-01"
CURRENCY = "SGD"
CARDS = [
    "4054695723100768",  # Antom: success, global Visa
    "4054695723100768",
    "4054695723100768",
    "5162774114974622",  # Antom: success, global Mastercard
    "5162774114974622",
    "4054692760174822",  # Antom: decline, global Visa
]
CVV = "737"


# Filled by the zygote before it forks: loading an RSA key (~130 ms) and building an SSL
# context (~60 ms) once, instead of in every till. No connection is opened before the fork.
PRELOADED: dict[str, Any] = {}


def preload(conf: dict[str, str]) -> None:
    PRELOADED["private_key"] = load_private_key(conf["private_key"])
    PRELOADED["public_key"] = load_public_key(conf["public_key"])
    PRELOADED["http"] = httpx.Client(timeout=5.0)


def build(
    data_dir: Path,
    conf: dict[str, str],
    *,
    journal: JournalLocation | None = None,
    terminal: str = TERMINAL,
) -> tuple[JournalRepository, CheckoutService, BackOfficeService, Recovery]:
    """The services on ``journal`` (default: the data dir's SQLite file) as till
    ``terminal``."""
    clock = SystemClock()
    # the data dir's own training journal key, as build_backend would use
    key = load_or_create_journal_key(training=True, data_dir=data_dir)
    where = journal or JournalLocation(path=data_dir / "journal.sqlite3")
    repo = JournalRepository.open(where, clock=clock, key=key)
    client = AntomClient(
        conf["base_url"],
        conf["client_id"],
        PRELOADED.get("private_key", conf["private_key"]),
        PRELOADED.get("public_key", conf["public_key"]),
        http=PRELOADED.get("http"),
        timeout=5.0,
        retry=RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, jitter=no_jitter),
    )
    settler = Settler(repo, client, clock, terminal)
    checkout = CheckoutService(
        repo,
        client,
        settler,
        clock,
        CheckoutConfig(
            terminal_id=terminal, currency=CURRENCY, redirect_url="https://shop.example/back"
        ),
    )
    pins = PinManager(MemoryPinStore(), clock=clock, training=True, n=2**10)
    backoffice = BackOfficeService(repo, settler, pins, clock, terminal)
    return repo, checkout, backoffice, Recovery(repo, settler, clock)


def retry_candidates(repo: JournalRepository, prefix: str = "") -> list[tuple[str, Money]]:
    """Orders whose every attempt failed or never reached Antom: the cashier may retry
    (``prefix``: only this till's orders, on a journal shared with other tills)."""
    page = repo.list_payments(
        PaymentFilter(statuses=frozenset({PaymentStatus.NOT_SENT, PaymentStatus.DECLINED})),
        PageRequest(size=200),
    )
    found: dict[str, Money] = {}
    for p in page.rows:
        if not p.reference_order_id.startswith(prefix):
            continue
        attempts = repo.payments_for_order(p.reference_order_id)
        if all(a.status in (PaymentStatus.NOT_SENT, PaymentStatus.DECLINED) for a in attempts):
            found[p.reference_order_id] = p.amount
    return sorted(found.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--conf", type=Path, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--lane", default="A")
    parser.add_argument("--max-payments", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    conf = json.loads(args.conf.read_text())
    rng = random.Random(args.seed)
    repo, checkout, backoffice, recovery = build(args.data_dir, conf)
    recovery.run()
    retries = retry_candidates(repo)
    say(f"READY {os.getpid()}")
    today = date.today()
    run_id = f"{args.lane}{os.getpid():x}"
    for n in range(1, args.max_payments + 1):
        if retries and rng.random() < 0.3:
            reference, amount = retries.pop(rng.randrange(len(retries)))
        else:
            reference = f"CR-{run_id}-N{n}"
            amount = Money(rng.randint(100, 50_000), CURRENCY)
        pan = rng.choice(CARDS)
        request = CheckoutRequest(
            amount=amount,
            reference_order_id=reference,
            description=f"crash test {n}",
            card=read_card(pan, "12/40", CVV, today),
            hold=True,
            operator="crash",
        )
        try:
            result = checkout.pay(request)
        except DuplicateSuspected:
            continue  # the guard did its job: never charge an order twice
        payment = result.payment
        if payment.status is not PaymentStatus.AUTHORISED:
            continue
        roll = rng.random()
        try:
            if roll < 0.7:
                done = backoffice.capture(payment, backoffice.approve(TRAINING_PIN))
                if done.ok and rng.random() < 0.3:
                    part = Money(max(1, payment.amount.minor // 3), CURRENCY)
                    backoffice.refund(payment, part, backoffice.approve(TRAINING_PIN))
            elif roll < 0.85:
                backoffice.cancel(payment, backoffice.approve(TRAINING_PIN))
        except BackOfficeError as exc:
            print(f"refused: {exc.message}", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(zygote(main, preload) if sys.argv[1:] == ["--zygote"] else main())
