"""Journal speed at 1,000,000 payments: the order-list queries and durable writes.

Run: ``.venv/bin/python tests/benchmarks/bench_journal.py [--rows N] [--keep FILE]``

Prints, for each query the screens use, the median and worst of several runs (goal: under
50 ms) with the OFFSET equivalent as the peer for the deep page; durable state transitions
per second under synchronous=FULL and NORMAL next to the disk's raw fsync rate (the
physical limit of a durable commit); and peak memory (tracemalloc for Python objects,
ru_maxrss for the whole process, SQLite's page cache included). Goal: under 200 MB.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from posapp.core.clock import SystemClock  # noqa: E402
from posapp.core.domain import PaymentStatus  # noqa: E402
from posapp.core.journal.db import JournalOptions, open_journal  # noqa: E402
from posapp.core.journal.repository import (  # noqa: E402
    Cursor,
    JournalRepository,
    PageDirection,
    PageRequest,
    PaymentFilter,
    to_ms,
)

GOAL_MS = 50.0
GOAL_MB = 200.0
OP = {"operator": "bench", "terminal_id": "TILL-BENCH"}

# (status, share) of a year of trading at one busy store
MIX = [
    (PaymentStatus.CAPTURED, 0.70),
    (PaymentStatus.PARTIALLY_REFUNDED, 0.02),
    (PaymentStatus.REFUNDED, 0.03),
    (PaymentStatus.AUTHORISED, 0.08),
    (PaymentStatus.DECLINED, 0.09),
    (PaymentStatus.CANCELLED, 0.04),
    (PaymentStatus.RELEASED, 0.02),
    (PaymentStatus.PENDING, 0.003),
    (PaymentStatus.CAPTURE_PENDING, 0.002),
    (PaymentStatus.NOT_SENT, 0.005),
]
BRANDS = [("VISA", "405469"), ("MASTERCARD", "516277"), ("AMEX", "371449")]


def _rows(count: int, now_ms: int, seed: int = 7) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(seed)
    statuses = [s.value for s, _ in MIX]
    weights = [w for _, w in MIX]
    year_ms = 365 * 24 * 3600 * 1000
    step = year_ms / count
    for i in range(count):
        created = now_ms - year_ms + int(i * step) + rng.randrange(0, 1000)
        status = rng.choices(statuses, weights)[0]
        brand, bin6 = rng.choice(BRANDS)
        amount = rng.randrange(100, 500_000)
        held = status == "AUTHORISED"
        # holds are recent (the last 7 days); older ones were captured or released
        if held:
            created = now_ms - rng.randrange(0, 7 * 24 * 3600 * 1000)
        authorised = created + 1500 if status not in ("DECLINED", "NOT_SENT", "PENDING") else None
        captured = amount if status in ("CAPTURED", "PARTIALLY_REFUNDED", "REFUNDED") else 0
        refunded = (
            amount if status == "REFUNDED" else amount // 3 if status == "PARTIALLY_REFUNDED" else 0
        )
        yield (
            f"PR-{i:09d}",
            f"ORD-{rng.randrange(10**8):08d}-{i % 97:02d}",
            None if status in ("NOT_SENT",) else f"2026{i:016d}",
            amount,
            "USD",
            "MANUAL",
            brand,
            bin6,
            f"{rng.randrange(10000):04d}",
            status,
            authorised,
            None if authorised is None else authorised + 7 * 24 * 3600 * 1000,
            captured,
            refunded,
            f"op{rng.randrange(12)}",
            f"TILL-{rng.randrange(4):02d}",
            created,
            created + 2000,
        )


def generate(path: Path, count: int) -> float:
    """Fill a fresh journal with ``count`` payments (bulk insert, one transaction)."""
    start = time.perf_counter()
    journal = open_journal(path, options=JournalOptions(synchronous="NORMAL"))
    now_ms = to_ms(datetime.now(UTC))
    sql = (
        "INSERT INTO payments (payment_request_id, reference_order_id, payment_id, amount_minor, "
        "currency, capture_mode, card_brand, card_bin6, card_last4, status, authorised_ms, "
        "capture_deadline_ms, captured_minor, refunded_minor, operator, terminal_id, "
        "created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    with journal.write() as db:
        rows = _rows(count, now_ms)
        while True:
            chunk = [row for _, row in zip(range(50_000), rows, strict=False)]
            if not chunk:
                break
            db.conn.executemany(sql, chunk)
    with journal.write() as db:
        db.conn.execute("ANALYZE")
    journal.db().conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    journal.close()
    return time.perf_counter() - start


def timed(fn: Callable[[], Any], runs: int = 15) -> tuple[float, float, float, Any]:
    """(first, median, worst) in ms, and the last result."""
    times = []
    result = None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times[0], statistics.median(times), max(times), result


def fsync_rate(directory: Path, n: int = 200) -> float:
    """Raw durable-write rate of this disk: small write + fsync per iteration."""
    path = directory / "fsync.probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        t0 = time.perf_counter()
        for i in range(n):
            os.pwrite(fd, b"x" * 4096, (i % 8) * 4096)
            os.fsync(fd)
        return n / (time.perf_counter() - t0)
    finally:
        os.close(fd)
        path.unlink()


def transitions_per_second(path: Path, mode: str, n: int) -> float:
    """Durable state changes (read + check + update + chained audit row, one commit each)."""
    repo = JournalRepository.open(
        path, clock=SystemClock(), options=JournalOptions(synchronous=mode)
    )  # type: ignore[arg-type]
    try:
        held = repo.held_authorisations(limit=n)
        t0 = time.perf_counter()
        for p in held:
            repo.transition(p.id, PaymentStatus.CANCEL_PENDING, **OP)
        elapsed = time.perf_counter() - t0
        # put them back for the next run (not timed)
        for p in held:
            repo.transition(p.id, PaymentStatus.AUTHORISED, **OP)
        return len(held) / elapsed
    finally:
        repo.close()


def hold_payments(repo: JournalRepository, n: int) -> None:
    """``n`` authorised holds, each journaled as a till does (intent, request, answer), in
    one transaction: 3 audit rows a payment."""
    from posapp.core.cards import MaskedCard
    from posapp.core.domain import CaptureMode, NewPayment
    from posapp.core.money import Money

    with repo.transaction():
        for i in range(n):
            p = repo.record_intent(
                NewPayment(
                    f"ORD-{i}",
                    f"PR-{i}",
                    Money(100 + i, "USD"),
                    CaptureMode.MANUAL,
                    MaskedCard("VISA", "405469", "0768"),
                    **OP,
                )
            )
            repo.record_request(
                "pay", {"paymentRequestId": p.payment_request_id}, payment=p.id, **OP
            )
            repo.transition(p.id, PaymentStatus.AUTHORISED, **OP)


def verify_rate(directory: Path, payments: int) -> tuple[int, float]:
    """Audit rows checked per second by ``journal verify`` (a fresh journal, 3 rows each):
    the keyed chain (HMAC-SHA256 under a journal key) and the replay of the state rows."""
    from posapp.core.services.install_key import new_journal_key

    repo = JournalRepository.open(directory / "verify.sqlite3", key=new_journal_key())
    try:
        hold_payments(repo, payments)
        t0 = time.perf_counter()
        result = repo.verify()
        elapsed = time.perf_counter() - t0
        assert result.ok, result.summary()
        return result.rows, result.rows / elapsed
    finally:
        repo.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="reuse (or create and keep) this journal file")
    parser.add_argument("--transitions", type=int, default=300)
    parser.add_argument("--verify-payments", type=int, default=20_000)
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="bench-journal-")
    path: Path = args.keep or Path(tmp.name) / "journal.sqlite3"
    if path.exists():
        print(f"reusing {path}")
    else:
        seconds = generate(path, args.rows)
        print(
            f"generated {args.rows:,} payments in {seconds:.1f} s -> {path.stat().st_size / 1e6:.0f} MB"
        )

    results: list[tuple[str, float, float, float]] = []
    replay: list[Callable[[], Any]] = []

    def record(name: str, fn: Callable[[], Any], runs: int = 15) -> Any:
        first, median, worst, result = timed(fn, runs)
        results.append((name, first, median, worst))
        replay.append(fn)
        return result

    # open: a new Journal object, schema check, first connection, as at start-up
    def do_open() -> JournalRepository:
        return JournalRepository.open(path)

    first_open, med_open, worst_open, repo = timed(do_open, runs=1)
    results.append(("open journal", first_open, med_open, worst_open))
    total = sum(repo.count_by_status().values())
    print(f"journal holds {total:,} payments")

    page = record("first page (50 newest)", lambda: repo.list_payments())
    assert len(page.rows) == 50
    # a cursor half-way down the list (found once, not timed): the deep page continues it
    conn = repo.journal.db().conn
    half = total // 2
    created_ms, rid = conn.execute(
        "SELECT created_ms, id FROM payments ORDER BY created_ms DESC, id DESC LIMIT 1 OFFSET ?",
        (half,),
    ).fetchone()
    deep = PageRequest(PageDirection.OLDER, Cursor(created_ms, rid))
    got = record(f"deep page (keyset, row {half:,})", lambda: repo.list_payments(page=deep))
    assert len(got.rows) == 50
    record(
        f"  peer: same page with OFFSET {half:,}",
        lambda: conn.execute(
            "SELECT * FROM payments ORDER BY created_ms DESC, id DESC LIMIT 50 OFFSET ?", (half,)
        ).fetchall(),
        runs=3,
    )
    record("previous page (keyset, newer)", lambda: repo.list_payments(page=got.newer()))
    record(
        "jump to end (oldest page)",
        lambda: repo.list_payments(page=PageRequest(PageDirection.LAST)),
    )
    record(
        "filter: status PENDING (rare)",
        lambda: repo.list_payments(PaymentFilter(statuses=frozenset({PaymentStatus.PENDING}))),
    )
    record(
        "filter: DECLINED+CANCELLED, deep",
        lambda: repo.list_payments(
            PaymentFilter(statuses=frozenset({PaymentStatus.DECLINED, PaymentStatus.CANCELLED})),
            deep,
        ),
    )
    day_start = datetime.now(UTC) - timedelta(days=100)
    one_day = PaymentFilter(created_from=day_start, created_to=day_start + timedelta(days=1))
    record("filter: one day", lambda: repo.list_payments(one_day))

    sample = conn.execute(
        "SELECT reference_order_id, card_last4, payment_id FROM payments WHERE id = ?", (half,)
    ).fetchone()
    ref, last4, payment_id = sample
    hits = record("search: order reference", lambda: repo.list_payments(PaymentFilter(text=ref)))
    assert any(p.reference_order_id == ref for p in hits.rows)
    hits = record("search: last 4", lambda: repo.list_payments(PaymentFilter(text=last4)))
    assert hits.rows and all(
        p.card.last4 == last4 or p.reference_order_id.startswith(last4) for p in hits.rows
    )
    hits = record("search: paymentId", lambda: repo.list_payments(PaymentFilter(text=payment_id)))
    assert [p.payment_id for p in hits.rows] == [payment_id]
    record(
        "search: order prefix 'ORD-1234'",
        lambda: repo.list_payments(PaymentFilter(text="ORD-1234")),
    )
    held = record("held by time left (50)", lambda: repo.held_authorisations())
    assert held and all(
        a.capture_deadline <= b.capture_deadline  # type: ignore[operator]
        for a, b in itertools.pairwise(held)
    )
    # the Orders view's windowed model (H6): row count and a scroll-bar jump by position
    record("count rows, no filter", lambda: repo.count_payments())
    record("count rows, last-4 search", lambda: repo.count_payments(PaymentFilter(text=last4)))
    record(
        "scroll jump: 50 rows at position 900,000",
        lambda: repo.payments_at(None, total - 900_000 - 50, 50, from_oldest=True),
    )
    record(
        f"  info: 50 rows at position {half:,} (OFFSET)",
        lambda: repo.payments_at(None, half, 50),
        runs=3,
    )
    record("counts by status", lambda: repo.count_by_status())
    record("counts by status, one day", lambda: repo.count_by_status(one_day))
    record(
        "needing settlement (poller batch of 200)",
        lambda: repo.payments_needing_settlement(limit=200),
    )
    unsettled = record(
        "  info: all needing settlement", lambda: repo.payments_needing_settlement(), runs=3
    )
    record("payment by paymentRequestId", lambda: repo.payment_by_request_id(f"PR-{half:09d}"))
    record(
        "duplicate check for a page",
        lambda: repo.duplicate_orders(p.reference_order_id for p in page.rows),
    )
    # memory: replay every query once under tracemalloc (kept out of the timings above,
    # because tracing every allocation slows Python code several times over)
    tracemalloc.start()
    for fn in replay:
        fn()
    _, py_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    repo.close()

    print()
    print(f"{'query':44} {'first':>8} {'median':>8} {'worst':>8}  goal {GOAL_MS:.0f} ms")
    failures = 0
    for name, first, median, worst in results:
        peer = name.startswith("  ")
        ok = peer or median < GOAL_MS
        failures += not ok
        mark = "" if peer else ("ok" if ok else "SLOW")
        print(f"{name:44} {first:8.2f} {median:8.2f} {worst:8.2f}  {mark}")
    deep_med = next(m for n, _, m, _ in results if n.startswith("deep page"))
    offset_med = next(m for n, _, m, _ in results if n.startswith("  peer"))
    print(f"keyset deep page is {offset_med / deep_med:,.0f}x faster than OFFSET")
    share = sum(w for status, w in MIX if status.needs_settlement) * 100
    print(f"({len(unsettled):,} payments need settlement here: {share:.1f}% of the generated mix)")

    print()
    # alternate the modes over several rounds: the machine is shared and noisy
    rates: dict[str, list[float]] = {"FULL": [], "NORMAL": []}
    raws = []
    for _ in range(3):
        raws.append(fsync_rate(path.parent))
        for mode in rates:
            rates[mode].append(transitions_per_second(path, mode, args.transitions))
    raw = statistics.median(raws)
    full = statistics.median(rates["FULL"])
    normal = statistics.median(rates["NORMAL"])

    def spread(values: list[float]) -> str:
        return f"[{min(values):.0f}..{max(values):.0f}]"

    print(f"medians of 3 rounds of {args.transitions} transitions, each its own commit")
    print(
        f"disk: raw 4 KiB write+fsync       {raw:8.0f} /s {spread(raws):>13}"
        "  (the physical limit of a durable commit)"
    )
    print(
        f"durable transitions, sync=FULL   {full:8.0f} /s {spread(rates['FULL']):>13}"
        f"  ({full / raw:.2f} x fsync rate)"
    )
    print(
        f"transitions, sync=NORMAL (WAL)   {normal:8.0f} /s {spread(rates['NORMAL']):>13}"
        f"  ({normal / raw:.2f} x fsync rate)"
    )
    print(f"FULL costs {normal / full:.1f}x NORMAL; a till makes a few transitions a minute")

    rows, rate = verify_rate(Path(tmp.name), args.verify_payments)
    print(f"journal verify: {rate:,.0f} audit rows/s ({rows:,} rows; 1M rows ~ {1e6 / rate:.0f} s)")

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print()
    print(f"peak Python memory (tracemalloc, all queries): {py_peak / 1e6:6.1f} MB")
    print(f"peak process RSS (whole run):              {rss_mb:6.1f} MB   goal < {GOAL_MB:.0f} MB")
    tmp.cleanup()
    if rss_mb >= GOAL_MB:
        failures += 1
    print("ALL GOALS MET" if not failures else f"{failures} GOAL(S) MISSED")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
