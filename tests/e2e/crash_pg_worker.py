"""A till or the back office of a store whose journal is one PostgreSQL database, working
until it is killed: the subprocesses of test_crash_pg.

    python -m tests.e2e.crash_pg_worker --journal URL --key-dir DIR --conf FILE --seed N
        --terminal T --role till|office [--max-payments N]
    python -m tests.e2e.crash_pg_worker --zygote      (crash_harness's fork server)

Each run builds the real services (crash_worker.build: signed client, settler, checkout,
back office with the training manager PIN) on the shared journal under its own terminal id,
runs recovery (which settles what any till left open), prints ``READY`` and loops:

- a till authorises holds (some declined), then captures, cancels or leaves them held and
  refunds part of some captures; now and then it retries one of its own orders whose
  attempts all failed or never left, as crash_worker does;
- the back office takes the store's held authorisations (any till's) and captures or
  cancels them, and refunds part of captured payments, each behind a manager approval.

When the database server is away (the test restarts it) a journal call raises
JournalError: the worker says so on stderr (``journal away``), waits until the server
answers, runs recovery and goes on. A payment is never sent without its intent journaled:
the checkout journals the intent first, and a failing journal stops it there.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import date
from pathlib import Path

import psycopg

from posapp.core.domain import PaymentStatus
from posapp.core.journal.errors import JournalError
from posapp.core.journal.location import parse_location
from posapp.core.journal.repository import JournalRepository, PageRequest, PaymentFilter
from posapp.core.money import Money
from posapp.core.services.backoffice import BackOfficeError, BackOfficeService
from posapp.core.services.checkout import CheckoutRequest, CheckoutService, DuplicateSuspected
from posapp.core.services.pin import TRAINING_PIN
from posapp.core.services.recovery import Recovery
from posapp.core.services.validation import read_card

from . import crash_worker
from .crash_harness import say, zygote

PREFIX = "PG-"
CARDS = crash_worker.CARDS
CURRENCY = crash_worker.CURRENCY


def wait_for_server(url: str) -> None:
    """Until the database server answers again (the test restarts it)."""
    while True:
        try:
            psycopg.connect(url, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            time.sleep(0.05)  # polling for the server to be back, not timing a result


def _away(url: str, exc: JournalError) -> None:
    print(f"journal away: {exc.message.splitlines()[0]}", file=sys.stderr, flush=True)
    wait_for_server(url)


def _till_step(
    rng: random.Random,
    checkout: CheckoutService,
    office: BackOfficeService,
    reference: str,
    amount: Money,
    n: int,
) -> None:
    request = CheckoutRequest(
        amount=amount,
        reference_order_id=reference,
        description=f"store crash test {n}",
        card=read_card(rng.choice(CARDS), "12/40", crash_worker.CVV, date.today()),
        hold=True,
        operator="cashier",
    )
    try:
        result = checkout.pay(request)
    except DuplicateSuspected:
        return  # the guard did its job: never charge an order twice
    payment = result.payment
    if payment.status is not PaymentStatus.AUTHORISED:
        return
    roll = rng.random()
    if roll < 0.5:
        done = office.capture(payment, office.approve(TRAINING_PIN))
        if done.ok and rng.random() < 0.3:
            part = Money(max(1, payment.amount.minor // 3), CURRENCY)
            office.refund(done.payment, part, office.approve(TRAINING_PIN))
    elif roll < 0.65:
        office.cancel(payment, office.approve(TRAINING_PIN))
    # else: left held, for the back office (or for no one)


def _office_step(rng: random.Random, office: BackOfficeService) -> bool:
    """One back-office action on any till's payment; False when there was nothing to do."""
    roll = rng.random()
    if roll < 0.7:
        held = office.held(limit=50)
        if held:
            p = rng.choice(held)
            if roll < 0.5:
                office.capture(p, office.approve(TRAINING_PIN))
            else:
                office.cancel(p, office.approve(TRAINING_PIN))
            return True
    captured = office.repo.list_payments(
        PaymentFilter(
            statuses=frozenset({PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED})
        ),
        PageRequest(size=50),
    ).rows
    if not captured:
        return False
    p = rng.choice(captured)
    part = Money(max(1, p.amount.minor // 4), CURRENCY)
    office.refund(p, part, office.approve(TRAINING_PIN))
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--journal", required=True)
    parser.add_argument("--key-dir", type=Path, required=True)
    parser.add_argument("--conf", type=Path, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--terminal", required=True)
    parser.add_argument("--role", choices=("till", "office"), default="till")
    parser.add_argument("--max-payments", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    began = time.monotonic()
    conf = json.loads(args.conf.read_text())
    rng = random.Random(args.seed)
    location = parse_location(args.journal)
    url = args.journal
    while True:  # the server may be away while this till starts
        try:
            repo, checkout, office, recovery = crash_worker.build(
                args.key_dir, conf, journal=location, terminal=args.terminal
            )
            break
        except JournalError as exc:
            _away(url, exc)
    _recover(url, recovery)
    own = f"{PREFIX}{args.terminal}-"
    retries = _retries(url, repo, own) if args.role == "till" else []
    say(f"READY {os.getpid()}")
    print(f"ready after {time.monotonic() - began:.3f} s", file=sys.stderr, flush=True)
    run_id = f"{own}{os.getpid():x}"
    n = 0
    while n < args.max_payments:
        n += 1
        try:
            if args.role == "office":
                if not _office_step(rng, office):
                    time.sleep(0.05)  # nothing held or captured yet: the tills are busy
                continue
            if retries and rng.random() < 0.3:
                reference, amount = retries.pop(rng.randrange(len(retries)))
            else:
                reference = f"{run_id}-N{n}"
                amount = Money(rng.randint(100, 50_000), CURRENCY)
            _till_step(rng, checkout, office, reference, amount, n)
        except BackOfficeError as exc:
            print(f"refused: {exc.message}", file=sys.stderr, flush=True)
        except JournalError as exc:
            _away(url, exc)
            _recover(url, recovery)
    repo.close()
    return 0


def _recover(url: str, recovery: Recovery) -> None:
    """Start-up (or back-from-away) recovery, however often the server goes away meanwhile."""
    while True:
        try:
            recovery.run()
            return
        except JournalError as exc:
            _away(url, exc)


def _retries(url: str, repo: JournalRepository, prefix: str) -> list[tuple[str, Money]]:
    while True:
        try:
            return crash_worker.retry_candidates(repo, prefix)
        except JournalError as exc:
            _away(url, exc)


if __name__ == "__main__":
    sys.exit(zygote(main, crash_worker.preload) if sys.argv[1:] == ["--zygote"] else main())
