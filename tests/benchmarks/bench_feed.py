"""How long a commit at one station takes to reach another station's change feed.

Run: ``POSAPP_TEST_POSTGRESQL_URL=postgresql://... .venv/bin/python tests/benchmarks/bench_feed.py
[--writes N] [--rate PER_S]``

One repository writes payment intents at a steady rate (another station); a second
repository on the same journal follows it with a ``ChangeFeed`` (this station). For each
write: the time from the writer's commit returning to the subscriber's callback. Printed
side by side: PostgreSQL through LISTEN/NOTIFY (the fallback set to 30 s, so it cannot be
the path), and SQLite through the follower (2 s). Seeded, bounded in count and time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from posapp.core.cards import MaskedCard  # noqa: E402
from posapp.core.domain import CaptureMode, NewPayment  # noqa: E402
from posapp.core.journal.location import parse_location  # noqa: E402
from posapp.core.journal.repository import JournalRepository  # noqa: E402
from posapp.core.money import Money  # noqa: E402
from posapp.core.services.changes import Change, ChangeFeed  # noqa: E402


def _measure(
    here: JournalRepository,
    there: JournalRepository,
    writes: int,
    rate: float,
    interval: float | None,
) -> tuple[list[float], dict[str, int]]:
    arrived: dict[int, float] = {}
    cond = threading.Condition()

    def on_change(change: Change) -> None:
        if change.payment is not None:
            with cond:
                arrived.setdefault(change.payment.id, time.perf_counter())
                cond.notify_all()

    feed = ChangeFeed()
    feed.subscribe(on_change)
    feed.follow(here, interval=interval)
    deadline = time.monotonic() + 10
    while getattr(feed, "notices", None) is not None and feed.listens < 1:
        if time.monotonic() > deadline:
            raise SystemExit("the listener did not connect")
        time.sleep(0.01)
    sent: dict[int, float] = {}
    try:
        for n in range(writes):
            p = there.record_intent(
                NewPayment(
                    reference_order_id=f"B-{n}",
                    payment_request_id=f"B-{uuid.uuid4().hex}",
                    amount=Money(100 + n, "SGD"),
                    capture_mode=CaptureMode.MANUAL,
                    card=MaskedCard("VISA", "405469", "0768"),
                    operator="bench",
                    terminal_id="TILL-B",
                )
            )
            sent[p.id] = time.perf_counter()
            time.sleep(1 / rate)
        with cond:
            cond.wait_for(lambda: len(arrived) >= len(sent), timeout=30)
    finally:
        feed.stop()
    latencies = [(arrived[k] - t) * 1000 for k, t in sent.items() if k in arrived]
    return latencies, dict(feed.delivered)


def _report(name: str, latencies: list[float], writes: int, delivered: dict[str, int]) -> None:
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(
        f"{name:<26} n={len(latencies)}/{writes}  median {statistics.median(latencies):7.1f} ms"
        f"  p99 {p99:7.1f} ms  max {latencies[-1]:7.1f} ms  paths {delivered}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="writes per second")
    args = parser.parse_args()
    url = os.environ.get("POSAPP_TEST_POSTGRESQL_URL", "")
    if url:
        import psycopg

        from tests.journal_backends import schema_url

        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"CREATE SCHEMA {schema}")
        try:
            location = parse_location(schema_url(schema))
            here, there = JournalRepository.open(location), JournalRepository.open(location)
            lat, paths = _measure(here, there, args.writes, args.rate, 30.0)
            _report("PostgreSQL, LISTEN/NOTIFY", lat, args.writes, paths)
            here.close()
            there.close()
        finally:
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute(f"DROP SCHEMA {schema} CASCADE")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "journal.sqlite3"
        here, there = JournalRepository.open(path), JournalRepository.open(path)
        lat, paths = _measure(here, there, args.writes, args.rate, None)
        _report("SQLite, follower (2 s)", lat, args.writes, paths)
        here.close()
        there.close()


if __name__ == "__main__":
    main()
