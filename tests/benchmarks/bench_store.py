"""A store on one PostgreSQL journal (issue 15), side by side with the SQLite journal.

(a) ``orders``: every query the Orders screen issues (each tab, status and period filter,
    search, keyset scroll both ways, jumps by position, the held list by time left, counts,
    the details pane, the change feed's reads), through the screen's own adapter
    (``JournalOrderSource``) and the repository, on a 1,000,000-payment journal on each
    back-end in the same run: median and p95 in ms, PG/SQLite ratio; goal < 50 ms. Any query
    over the goal has its plan printed (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE).
(b) ``feed``: 4 tills (real service stacks in this process: checkout, poller, listener) paying
    10 payments/s in all against one sandbox (its own process) and one journal, plus a
    back-office station following the journal through ``ChangeFeed``'s public API
    (``subscribe``; ``Backend.start`` sets the follower up): the time from a till announcing
    its change (right after the commit) to the back office's feed delivering that change or a
    later one of the same payment: p50/p99/max; goal p99 < 1 s. PostgreSQL for ``--minutes``,
    the SQLite peer (4 tills on one file) for ``--peer-minutes``.
(c) ``durable``: version-guarded state changes, each its own commit, per second: SQLite with
    the journal's normal ``synchronous=FULL``; PostgreSQL on a cluster of our own started with
    ``fsync=on`` (the test cluster of tests/run.sh runs with fsync off: shown for information).

Run through the test wrapper (it provides PostgreSQL):

    POSAPP_TEST_HANG_SECONDS=3600 bash tests/run.sh tests/benchmarks/bench_store.py -q -s \
        -p no:cacheprovider -o faulthandler_timeout=0  # (b) runs 12 min: no 5 or 15 min stop
    BENCH_STORE_ARGS="--minutes 1 --rows 100000" bash tests/run.sh tests/benchmarks/bench_store.py -q -s
    (one test per part: -k orders, -k feed, -k durable)

or directly with a server: ``POSAPP_TEST_POSTGRESQL_URL=postgresql://... .venv/bin/python
tests/benchmarks/bench_store.py [--only orders,feed,durable] [--rows N] [--minutes M]``.
Prints figures; asserts only that nothing was lost (every till change reached the back office).
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from posapp.core.domain import Payment, PaymentStatus  # noqa: E402
from posapp.core.journal.location import JournalLocation, parse_location  # noqa: E402
from posapp.core.journal.repository import (  # noqa: E402
    Cursor,
    JournalRepository,
    PaymentFilter,
    to_ms,
)
from tests.benchmarks.bench_journal import _rows, fsync_rate, hold_payments  # noqa: E402
from tests.benchmarks.bench_journal import generate as generate_sqlite  # noqa: E402

GOAL_MS = 50.0
GOAL_FEED_P99_S = 1.0
PG_URL = os.environ.get("POSAPP_TEST_POSTGRESQL_URL", "")
COLUMNS = (
    "payment_request_id, reference_order_id, payment_id, amount_minor, currency, capture_mode, "
    "card_brand, card_bin6, card_last4, status, authorised_ms, capture_deadline_ms, "
    "captured_minor, refunded_minor, operator, terminal_id, created_ms, updated_ms"
)
OP = {"operator": "bench", "terminal_id": "TILL-BENCH"}


# -- small helpers ------------------------------------------------------------------------
def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def ratio(pg: float, lite: float) -> str:
    return f"{pg / lite:6.2f}x" if lite > 0 else "     -"


def schema_url(base: str, schema: str) -> str:
    glue = "&" if "?" in base else "?"
    return f"{base}{glue}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def pg_schema(base: str, keep: str | None = None) -> Iterator[str]:
    """A schema on the server at ``base`` (``keep``: this name, created if missing and left
    in place afterwards; else a fresh one, dropped at the end); yields its URL."""
    import psycopg

    name = keep or f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA IF NOT EXISTS {name}")
    try:
        yield schema_url(base, name)
    finally:
        if keep is None:
            with psycopg.connect(base, autocommit=True) as admin:
                admin.execute(f"DROP SCHEMA {name} CASCADE")


@contextmanager
def own_cluster(root: Path, *, fsync: bool) -> Iterator[str]:
    """A throw-away PostgreSQL cluster (as tests/run.sh starts one, but with ``fsync`` as
    asked; PostgreSQL's default synchronous_commit=on): yields its URL."""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not bins:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
    pg_bin = bins[-1]
    folder = Path(tempfile.mkdtemp(prefix="bench-pg-", dir=root))
    folder.chmod(0o755)
    as_pg: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "nobody")
        as_pg = ["runuser", "-u", "nobody", "--"]
    data = folder / "data"
    subprocess.run(
        [
            *as_pg,
            str(pg_bin / "initdb"),
            "-D",
            str(data),
            "-U",
            "posapp",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    options = f"-k {folder} -c listen_addresses= -c fsync={'on' if fsync else 'off'}"
    subprocess.run(
        [
            *as_pg,
            str(pg_bin / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(folder / "log"),
            "-w",
            "-o",
            options,
            "start",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield f"postgresql://posapp@/postgres?host={folder}"
    finally:
        subprocess.run(
            [*as_pg, str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            check=False,
            stdout=subprocess.DEVNULL,
        )
        shutil.rmtree(folder, ignore_errors=True)


# -- (a) the Orders queries at 1,000,000 payments -------------------------------------------
def generate_pg(url: str, count: int) -> float:
    """Fill a freshly migrated PostgreSQL journal with the rows bench_journal puts in SQLite:
    COPY with the secondary indexes and the per-row counting trigger set aside, then the
    indexes rebuilt from their own definitions, the counts taken once, VACUUM ANALYZE."""
    import psycopg

    start = time.perf_counter()
    JournalRepository.open(url).close()  # creates and migrates the schema
    now_ms = to_ms(datetime.now(UTC))
    with psycopg.connect(url) as conn:
        conn.execute("SET maintenance_work_mem = '256MB'")
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'payments' "
            "AND schemaname = current_schema() AND indexname LIKE 'ix_%'"
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        conn.execute("ALTER TABLE payments DISABLE TRIGGER payments_count_insert")
        with conn.cursor() as cur, cur.copy(f"COPY payments ({COLUMNS}) FROM STDIN") as copy:
            for row in _rows(count, now_ms):
                copy.write_row(row)
        conn.execute("ALTER TABLE payments ENABLE TRIGGER payments_count_insert")
        for _, definition in indexes:
            conn.execute(definition)
        conn.execute("DELETE FROM status_counts")
        conn.execute(
            "INSERT INTO status_counts (status, n) SELECT status, count(*) FROM payments "
            "GROUP BY status"
        )
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE payments")
    return time.perf_counter() - start


@dataclass
class Case:
    name: str
    fn: Callable[[], Any]
    runs: int = 20
    cold: Callable[[], None] | None = None  # run before each timed call (drop a cache)


@dataclass
class Timing:
    median: float
    p95: float
    statements: list[tuple[str, list[Any]]] = field(default_factory=list)


@contextmanager
def recording_statements(log: list[tuple[str, list[Any]]]) -> Iterator[None]:
    """Keep the SQL the repository's parts send (for the plans of slow queries): the one
    place every part reads through, wrapped for the timed queries only."""
    from posapp.core.journal.access import JournalAccess

    rows = JournalAccess.rows

    def recording(self: JournalAccess, db: Any, sql: str, params: Any = ()) -> Any:
        log.append((sql, list(params)))
        return rows(self, db, sql, params)

    JournalAccess.rows = recording  # type: ignore[method-assign]
    try:
        yield
    finally:
        JournalAccess.rows = rows  # type: ignore[method-assign]


def order_cases(repo: JournalRepository) -> list[Case]:
    """The Orders screen's queries, as the screen's adapter and the services issue them."""
    from posapp.ui.models.order_model import OrderQuery
    from posapp.ui.models.orders_backend import JournalOrderSource, held_cursor

    source = JournalOrderSource(repo)
    block = 100  # OrderModel.BLOCK: rows per window the model fetches

    def drop_held_cache() -> None:
        source._released_cache = None

    everything = OrderQuery()
    total = source.count(everything)
    half = repo.get_payment(total // 2)
    assert half is not None
    ref, last4, payment_id = half.reference_order_id, half.card.last4, half.payment_id or ""
    deep = Cursor.of(half)
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    periods = {
        "today": midnight,
        "7 days": midnight - timedelta(days=6),
        "30 days": midnight - timedelta(days=29),
    }
    held = OrderQuery(held=True)
    first_held = source.window(held, offset=0, limit=block, total=0)
    cases: list[Case] = []

    def both(label: str, query: OrderQuery) -> None:
        """The model's two first calls for a query: the row count and the first window."""
        n = source.count(query)
        cases.append(Case(f"{label}: count", lambda: source.count(query)))
        cases.append(
            Case(
                f"{label}: first 100", lambda: source.window(query, offset=0, limit=block, total=n)
            )
        )

    # All orders tab
    both("all", everything)
    cases += [
        Case(
            "all: scroll down (keyset, row 500k)",
            lambda: source.window(everything, offset=0, limit=block, total=total, after=deep),
        ),
        Case(
            "all: scroll up (keyset, row 500k)",
            lambda: source.window(everything, offset=0, limit=block, total=total, before=deep),
        ),
        Case(
            "all: jump to row 250k (OFFSET)",
            lambda: source.window(everything, offset=total // 4, limit=block, total=total),
            runs=5,
        ),
        Case(
            "all: jump to row 750k (from oldest)",
            lambda: source.window(everything, offset=3 * total // 4, limit=block, total=total),
            runs=5,
        ),
        Case(
            "all: jump to end",
            lambda: source.window(everything, offset=total - block, limit=block, total=total),
        ),
    ]
    # status filter (rare, common, two in a row are separate queries on the screen)
    for status in (PaymentStatus.PENDING, PaymentStatus.DECLINED, PaymentStatus.CAPTURED):
        both(f"status {status.value}", OrderQuery(statuses=frozenset({status})))
    # period filter, alone and with a status
    for label, since in periods.items():
        both(f"period {label}", OrderQuery(since=since))
    both(
        "period 30 days + DECLINED",
        OrderQuery(since=periods["30 days"], statuses=frozenset({PaymentStatus.DECLINED})),
    )
    # search box
    both("search last 4", OrderQuery(text=last4))
    both("search order ref", OrderQuery(text=ref))
    both("search order prefix 'ORD-1234'", OrderQuery(text="ORD-1234"))
    both("search paymentId", OrderQuery(text=payment_id))
    both("search requestId", OrderQuery(text=half.payment_request_id))
    both("search no match 'zzz'", OrderQuery(text="zzz"))
    both(
        "search last 4 + CAPTURED + 30 days",
        OrderQuery(
            text=last4, statuses=frozenset({PaymentStatus.CAPTURED}), since=periods["30 days"]
        ),
    )
    # Held tab (least time left first); the adapter caches the lapsed holds 2 s: measured cold
    cases += [
        Case("held: count", lambda: source.count(held), cold=drop_held_cache),
        Case(
            "held: first 100",
            lambda: source.window(held, offset=0, limit=block, total=0),
            cold=drop_held_cache,
        ),
        Case(
            "held: scroll down (keyset)",
            lambda: source.window(
                held, offset=0, limit=block, total=0, after=held_cursor(first_held[-1])
            ),
            cold=drop_held_cache,
        ),
    ]
    held_total = source.count(held)
    cases.append(
        Case(
            "held: jump to the middle (position)",
            lambda: source.window(held, offset=held_total // 2, limit=block, total=held_total),
            runs=5,
            cold=drop_held_cache,
        )
    )
    # Held + search, period or terminal (the journal's SQL since the held search moved there)
    for label, query in (
        ("held + search last 4", OrderQuery(held=True, text=last4)),
        ("held + search order prefix 'ORD-1'", OrderQuery(held=True, text="ORD-1")),
        ("held + search no match 'zzz'", OrderQuery(held=True, text="zzz")),
        ("held + period today", OrderQuery(held=True, since=periods["today"])),
        ("held + terminal", OrderQuery(held=True, terminal=half.terminal_id)),
    ):
        n = source.count(query)
        cases.append(
            Case(f"{label}: count", partial(source.count, query), runs=5, cold=drop_held_cache)
        )
        cases.append(
            Case(
                f"{label}: first 100",
                partial(source.window, query, offset=0, limit=block, total=n),
                runs=5,
                cold=drop_held_cache,
            )
        )
    # Duplicates tab, the status bar, the details pane, the live feed's reads
    page_refs = [
        p.reference_order_id for p in source.window(everything, offset=0, limit=block, total=total)
    ]
    last_event = repo.last_event_id()
    cases += [
        Case("duplicates: flagged orders", lambda: repo.duplicate_flagged_orders()),
        Case("duplicate marks for a window", lambda: repo.duplicate_orders(page_refs)),
        Case("counts by status", lambda: repo.count_by_status()),
        Case(
            "info: counts by status, 30 days (no screen)",
            lambda: repo.count_by_status(PaymentFilter(created_from=periods["30 days"])),
        ),
        Case(
            "details: payment + events",
            lambda: (repo.get_payment(half.id), repo.events_for_payment(half.id)),
        ),
        Case("by paymentRequestId", lambda: repo.payment_by_request_id(half.payment_request_id)),
        Case("feed: touched since", lambda: repo.payments_touched_since(max(0, last_event - 50))),
        Case("feed: versions of 100", lambda: repo.payment_versions(range(1, 101))),
        Case("feed: last event id", lambda: repo.last_event_id()),
    ]
    return cases


def time_cases(repo: JournalRepository) -> dict[str, Timing]:
    log: list[tuple[str, list[Any]]] = []
    results: dict[str, Timing] = {}
    with recording_statements(log):
        for case in order_cases(repo):
            times = []
            for _ in range(case.runs):
                if case.cold is not None:
                    case.cold()
                log.clear()
                t0 = time.perf_counter()
                case.fn()
                times.append((time.perf_counter() - t0) * 1000)
            results[case.name] = Timing(statistics.median(times), pct(times, 0.95), list(log))
    return results


def explain(repo: JournalRepository, statements: list[tuple[str, list[Any]]]) -> list[str]:
    lines: list[str] = []
    conn = repo.journal.db().conn
    seen: set[str] = set()
    for sql, params in statements:
        if sql in seen:
            continue
        seen.add(sql)
        lines.append(f"    SQL: {' '.join(sql.split())[:400]}")
        if repo.access.dialect.name == "sqlite":
            for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall():
                lines.append(f"      {row[3]}")
        else:
            for (text,) in conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params).fetchall():
                lines.append(f"      {text}")
    return lines


def bench_orders(args: argparse.Namespace, work: Path) -> int:
    print(f"\n== (a) Orders queries at {args.rows:,} payments: SQLite and PostgreSQL ==")
    lite_path: Path = args.sqlite_keep or work / "orders.sqlite3"
    if lite_path.exists():
        print(f"sqlite: reusing {lite_path}")
    else:
        seconds = generate_sqlite(lite_path, args.rows)
        print(f"sqlite: generated {args.rows:,} payments in {seconds:.0f} s")
    failures = 0
    with pg_schema(PG_URL, args.pg_keep) as url:
        lite = JournalRepository.open(lite_path)
        pg = JournalRepository.open(url)
        try:
            if sum(pg.count_by_status().values()) == 0:
                seconds = generate_pg(url, args.rows)
                print(f"postgresql: generated {args.rows:,} payments in {seconds:.0f} s")
            else:
                print(f"postgresql: reusing schema {args.pg_keep}")
            got = {
                name: sum(r.count_by_status().values())
                for name, r in (("sqlite", lite), ("pg", pg))
            }
            print(f"payments: {got}")
            lite_t = time_cases(lite)
            pg_t = time_cases(pg)
            print(
                f"\n{'query':44} {'SQLite med':>10} {'p95':>7} {'PG med':>8} {'p95':>7} {'PG/SQLite':>9}"
                f"  goal {GOAL_MS:.0f} ms"
            )
            slow: list[str] = []
            for name, a in lite_t.items():
                b = pg_t[name]
                over = [n for n, t in (("SQLite", a), ("PG", b)) if t.median >= GOAL_MS]
                if name.startswith("info:"):  # not a query of the Orders screen: no goal
                    over = []
                mark = "ok" if not over else "SLOW " + "+".join(over)
                failures += bool(over)
                if over:
                    slow.append(name)
                print(
                    f"{name:44} {a.median:10.2f} {a.p95:7.2f} {b.median:8.2f} {b.p95:7.2f}"
                    f" {ratio(b.median, a.median):>9}  {mark}"
                )
            for name in slow:
                print(f"\nplans for '{name}':")
                for backend, repo, timing in (
                    ("SQLite", lite, lite_t[name]),
                    ("PG", pg, pg_t[name]),
                ):
                    print(f"  {backend} (median {timing.median:.1f} ms):")
                    print("\n".join(explain(repo, timing.statements)))
        finally:
            lite.close()
            pg.close()
    return failures


# -- (b) 4 tills -> the back office's change feed -----------------------------------------
VISA_OK = "4054695723100768"
PIN = "246813"


@dataclass
class FeedRun:
    """What the tills announced and the back office received, on one monotonic clock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    origin: dict[tuple[int, int], float] = field(default_factory=dict)  # (id, version) -> t
    received: dict[int, list[tuple[float, int]]] = field(default_factory=dict)  # id -> (t, v)
    pay_ms: list[float] = field(default_factory=list)
    paid: int = 0
    captured: int = 0
    errors: list[str] = field(default_factory=list)

    def at_till(self, payment: Payment | None) -> None:
        if payment is None:
            return
        t = time.monotonic()
        with self.lock:
            self.origin.setdefault((payment.id, payment.version), t)

    def at_office(self, payment: Payment | None) -> None:
        if payment is None:
            return
        t = time.monotonic()
        with self.lock:
            self.received.setdefault(payment.id, []).append((t, payment.version))

    def latencies(self) -> tuple[list[float], int, int]:
        """Per till change: seconds until the office got that version or a later one; how
        many never reached it; how many the office had before any till announced them (the
        office station's own poller settled them: not a till's change, left out)."""
        with self.lock:
            origin = dict(self.origin)
            received = {k: list(v) for k, v in self.received.items()}
        out: list[float] = []
        missing = early = 0
        for (pid, version), t0 in origin.items():
            got = [t for t, v in received.get(pid, []) if v >= version]
            if not got:
                missing += 1
            elif min(got) < t0:
                early += 1
            else:
                out.append(min(got) - t0)
        return out, missing, early


def _settings(sandbox_url: str, client_id: str, terminal: str, listener: bool) -> Any:
    from posapp.config import Environment, Settings

    return replace(
        Settings(),
        environment=Environment.SANDBOX,
        region="custom",
        gateway_url=sandbox_url,
        client_id=client_id,
        terminal_id=terminal,
        notify_listener=listener,
        payment_redirect_url="https://shop.example/back",
    )


def run_store(
    location: JournalLocation, work: Path, seconds: float, rate: float, tills: int
) -> FeedRun:
    from posapp.app import Backend, build_backend
    from posapp.config import Environment
    from posapp.core.antom.retry import RetryPolicy, no_jitter
    from posapp.core.money import Money
    from posapp.core.services.checkout import CheckoutRequest
    from posapp.core.services.pin import prove_merchant
    from posapp.core.services.schedule import PollSchedule
    from posapp.core.services.secrets import Credentials, MemorySecretStore
    from posapp.core.services.validation import read_card
    from posapp.paths import AppDirs, app_dirs
    from posapp.sandbox.process import SandboxProcess

    run = FeedRun()
    sandbox = SandboxProcess(work / "antom").start()
    store = MemorySecretStore()
    store.save(
        Environment.SANDBOX.value,
        Credentials(
            sandbox.client_id, sandbox.merchant_private_key_pem, sandbox.antom_public_key_pem
        ),
    )
    shared = app_dirs(work / "data")
    built: list[Backend] = []

    def station(name: str, listener: bool) -> Backend:
        dirs = (
            shared
            if not built
            else AppDirs(
                data=shared.data, config=work / f"{name}-config", logs=work / f"{name}-logs"
            )
        )
        backend = build_backend(
            dirs,
            _settings(sandbox.base_url, sandbox.client_id, f"TILL-{name}", listener),
            secret_store=store,
            client_timeout=5.0,
            client_retry=RetryPolicy(
                max_attempts=3, base_delay=0.05, max_delay=0.2, jitter=no_jitter
            ),
            poll_schedule=PollSchedule(jitter=0),
            pin_cost=2**10,
            journal=location,
        )
        built.append(backend)
        return backend

    stop = threading.Event()
    try:
        till_backends = [station(f"{k + 1:02d}", True) for k in range(tills)]
        proof = prove_merchant(
            sandbox.client_id,
            sandbox.merchant_private_key_pem,
            sandbox.client_id,
            sandbox.merchant_private_key_pem,
        )
        till_backends[0].pins.reset(PIN, proof)
        office = station("OFFICE", False)
        for b in till_backends:
            b.changes.subscribe(lambda change: run.at_till(change.payment))
        office.changes.subscribe(lambda change: run.at_office(change.payment))
        for b in [*till_backends, office]:
            b.start(recover=False)
        card = read_card(
            VISA_OK, "12/40", "123", datetime.now(UTC).date(), first_name="Ann", last_name="Lee"
        )
        interval = tills / rate
        t_start = time.monotonic() + 0.5

        def cashier(k: int, backend: Backend) -> None:
            n = 0
            held: Payment | None = None
            while not stop.is_set():
                due = t_start + k * interval / tills + n * interval
                if stop.wait(max(0.0, due - time.monotonic())):
                    break
                n += 1
                try:
                    t0 = time.perf_counter()
                    result = backend.checkout.pay(
                        CheckoutRequest(
                            amount=Money(1000 + n, backend.settings.currency),
                            reference_order_id=backend.checkout.new_reference(),
                            description="bench",
                            card=card,
                            hold=n % 2 == 0,
                        ),
                        confirm_duplicate=True,
                    )
                    with run.lock:
                        run.pay_ms.append((time.perf_counter() - t0) * 1000)
                        run.paid += 1
                    if held is not None:  # the previous hold is captured now
                        current = backend.repo.get_payment(held.id)
                        if current is not None and current.status is PaymentStatus.AUTHORISED:
                            office_ = backend.backoffice
                            office_.capture(current, office_.approve(PIN))
                            with run.lock:
                                run.captured += 1
                    held = result.payment if n % 2 == 0 else None
                except Exception as exc:  # noqa: BLE001 - counted and shown
                    with run.lock:
                        run.errors.append(f"{type(exc).__name__}: {exc}")

        workers = [
            threading.Thread(target=cashier, args=(k, b), name=f"till-{k}", daemon=True)
            for k, b in enumerate(till_backends)
        ]
        for w in workers:
            w.start()
        stop.wait(seconds + 0.5)
        stop.set()
        for w in workers:
            w.join(60)
        # let the back office catch up (a wait for a condition, bounded)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and run.latencies()[1]:
            time.sleep(0.1)
    finally:
        stop.set()
        for backend in reversed(built):
            backend.close()
        sandbox.stop()
    return run


def feed_summary(label: str, run: FeedRun, seconds: float) -> dict[str, float]:
    lat, missing, early = run.latencies()
    figures = {
        "p50": pct(lat, 0.50),
        "p99": pct(lat, 0.99),
        "max": max(lat) if lat else float("nan"),
        "changes": float(len(lat)),
        "missing": float(missing),
        "pay_p50": pct(run.pay_ms, 0.5),
        "pay_p99": pct(run.pay_ms, 0.99),
        "rate": run.paid / seconds,
    }
    print(
        f"{label}: {run.paid} payments ({figures['rate']:.1f}/s), {run.captured} captures, "
        f"{len(lat)} till changes delivered, {missing} never delivered, {len(run.errors)} errors"
        f" ({early} changes the office station made itself, left out)"
    )
    for err in run.errors[:5]:
        print(f"  error: {err}")
    return figures


def bench_feed(args: argparse.Namespace, work: Path) -> int:
    print(
        f"\n== (b) 4 tills at {args.rate:g} payments/s in all -> back office change feed "
        f"(PG {args.minutes:g} min, SQLite peer {args.peer_minutes:g} min) =="
    )
    results: dict[str, dict[str, float]] = {}
    failures = 0
    with pg_schema(PG_URL) as url:
        seconds = args.minutes * 60
        run = run_store(parse_location(url), work / "feed-pg", seconds, args.rate, 4)
        results["PG"] = feed_summary("PostgreSQL", run, seconds)
    if args.peer_minutes > 0:
        seconds = args.peer_minutes * 60
        run = run_store(
            JournalLocation(path=work / "feed-lite" / "data" / "journal.sqlite3"),
            work / "feed-lite",
            seconds,
            args.rate,
            4,
        )
        results["SQLite"] = feed_summary("SQLite", run, seconds)
    print(
        f"\n{'till change -> office feed':28} {'p50 s':>8} {'p99 s':>8} {'max s':>8} {'pay p50 ms':>11} {'pay p99 ms':>11}"
    )
    for label, f in results.items():
        print(
            f"{label:28} {f['p50']:8.3f} {f['p99']:8.3f} {f['max']:8.3f} {f['pay_p50']:11.1f} {f['pay_p99']:11.1f}"
        )
        failures += int(f["missing"] > 0)
    if "SQLite" in results:
        pg_f, lite_f = results["PG"], results["SQLite"]
        print(
            f"{'PG/SQLite':28} {ratio(pg_f['p50'], lite_f['p50']):>8} {ratio(pg_f['p99'], lite_f['p99']):>8}"
            f" {ratio(pg_f['max'], lite_f['max']):>8} {ratio(pg_f['pay_p50'], lite_f['pay_p50']):>11}"
            f" {ratio(pg_f['pay_p99'], lite_f['pay_p99']):>11}"
        )
    met = results["PG"]["p99"] < GOAL_FEED_P99_S
    print(f"goal p99 < {GOAL_FEED_P99_S:.0f} s on PostgreSQL: {'met' if met else 'MISSED'}")
    lost = {label: int(f["missing"]) for label, f in results.items() if f["missing"]}
    assert not lost, f"till changes the back office never received: {lost}"
    return failures + (not met)


# -- (c) durable transitions per second ---------------------------------------------------
def held_journal(location: str | Path, n: int) -> None:
    repo = JournalRepository.open(location)
    try:
        hold_payments(repo, n)
    finally:
        repo.close()


def transition_rate(location: str | Path, n: int) -> float:
    """Version-guarded transitions (read, check, update, chained audit row), one commit each."""
    repo = JournalRepository.open(location)
    try:
        held = repo.held_authorisations(limit=n)
        t0 = time.perf_counter()
        for p in held:
            repo.transition(p.id, PaymentStatus.CANCEL_PENDING, expected_version=p.version, **OP)
        elapsed = time.perf_counter() - t0
        for p in held:  # back for the next round (not timed)
            repo.transition(p.id, PaymentStatus.AUTHORISED, **OP)
        return len(held) / elapsed
    finally:
        repo.close()


def bench_durable(args: argparse.Namespace, work: Path) -> int:
    print(f"\n== (c) durable transitions per second ({args.transitions} per round, 3 rounds) ==")
    n = args.transitions
    lite = work / "durable.sqlite3"
    held_journal(lite, n)
    rates: dict[str, list[float]] = {"sqlite": [], "pg_fsync_on": [], "pg_fsync_off": []}
    raws: list[float] = []
    with own_cluster(work, fsync=True) as own, pg_schema(own) as on, pg_schema(PG_URL) as off:
        held_journal(on, n)
        held_journal(off, n)
        for _ in range(3):  # alternated: the machine is shared and noisy
            raws.append(fsync_rate(work))
            rates["sqlite"].append(transition_rate(lite, n))
            rates["pg_fsync_on"].append(transition_rate(on, n))
            rates["pg_fsync_off"].append(transition_rate(off, n))
    med = {k: statistics.median(v) for k, v in rates.items()}

    def spread(values: list[float]) -> str:
        return f"[{min(values):.0f}..{max(values):.0f}]"

    raw = statistics.median(raws)
    print(f"disk: raw 4 KiB write+fsync            {raw:8.0f} /s {spread(raws):>13}")
    print(
        f"SQLite, synchronous=FULL (default)     {med['sqlite']:8.0f} /s {spread(rates['sqlite']):>13}"
    )
    print(
        f"PostgreSQL, fsync=on (own cluster)     {med['pg_fsync_on']:8.0f} /s {spread(rates['pg_fsync_on']):>13}"
        f"  PG/SQLite {ratio(med['pg_fsync_on'], med['sqlite']).strip()}"
    )
    print(
        f"  info: PostgreSQL, fsync=off (tests)  {med['pg_fsync_off']:8.0f} /s {spread(rates['pg_fsync_off']):>13}"
        f"  PG/SQLite {ratio(med['pg_fsync_off'], med['sqlite']).strip()}"
    )
    return 0


# -- entry points -------------------------------------------------------------------------
def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", default="orders,feed,durable", help="comma-separated parts")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--minutes", type=float, default=10.0, help="(b) on PostgreSQL")
    parser.add_argument("--peer-minutes", type=float, default=2.0, help="(b) SQLite peer; 0: none")
    parser.add_argument("--rate", type=float, default=10.0, help="(b) payments/s, all tills")
    parser.add_argument("--transitions", type=int, default=300)
    parser.add_argument("--sqlite-keep", type=Path, help="(a) reuse or keep this SQLite journal")
    parser.add_argument("--pg-keep", help="(a) reuse or keep this schema on the server")
    args = parser.parse_args(argv)
    parts = {p.strip() for p in args.only.split(",") if p.strip()}
    unknown = parts - {"orders", "feed", "durable"}
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    args.parts = parts
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    if not PG_URL:
        print("POSAPP_TEST_POSTGRESQL_URL is not set: run through tests/run.sh", file=sys.stderr)
        return 2
    print(
        f"bench_store: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, parts {sorted(args.parts)}"
    )
    failures = 0
    with tempfile.TemporaryDirectory(prefix="bench-store-", dir="/var/tmp") as tmp:
        work = Path(tmp)
        work.chmod(0o755)
        if "orders" in args.parts:
            failures += bench_orders(args, work)
        if "feed" in args.parts:
            failures += bench_feed(args, work)
        if "durable" in args.parts:
            failures += bench_durable(args, work)
    print("\nALL GOALS MET" if not failures else f"\n{failures} goal(s) missed (see above)")
    return 0 if not failures else 1


def _part(name: str) -> None:
    """pytest entry for one part (benchmarks are collected only when this file is named;
    one test per part keeps each under the suite's hang watchdog, tests/conftest.py);
    BENCH_STORE_ARGS passes options, e.g. "--minutes 1 --rows 100000"."""
    assert PG_URL, "run through tests/run.sh (it provides PostgreSQL)"
    main([*shlex.split(os.environ.get("BENCH_STORE_ARGS", "")), "--only", name])


def test_orders() -> None:
    _part("orders")  # prints figures; goals are reported, not asserted


def test_feed() -> None:
    _part("feed")  # asserts that every till change reached the back office


def test_durable() -> None:
    _part("durable")


if __name__ == "__main__":
    sys.exit(main())
