"""End of day at scale: how fast the till gets through the manager's evening jobs. Prints
figures; asserts nothing about time.

(a) ``bench_reconcile``: a 1,000,000-line transaction details file against a journal of
1,000,000 payments of that day (every line matches): the import's wall time and peak RSS
(goal < 60 s, < 300 MB; measured in a child process of its own, so generating the data
does not count), and its lines/s against a bare parse of the same file (csv.reader, no
checks, no journal) as the limit.
(b) ``bench_batch_capture``: capture 1,000 held payments with "Capture all holds" against the
    training sandbox (its own process, as a till runs it) with 150 ms of latency added to every
    capture. The limit no implementation can beat is N x latency / concurrency; the goal is to
    stay within 1.2x of it. Meanwhile a 4 ms timer on the GUI thread measures how late it fires
    (the dialog and its progress bar are live): goal p99 < 16 ms. Every hold must end captured
    once (journal and the sandbox's ledger agree).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/bench_endofday.py \
        [--only reconcile|batch] [--lines N] [--holds 1000] [--latency 0.15] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from posapp.core.clock import SystemClock
from posapp.core.journal.db import JournalOptions, open_journal
from posapp.core.journal.repository import JournalRepository, to_ms
from posapp.core.services.reconcile import Reconciler
from posapp.core.services.settle import Settler
from posapp.sandbox.reports import TRANSACTION_COLUMNS, major

CUSTOMER = "BENCH_CLIENT"
GOAL_RATIO = 1.2
GOAL_P99_MS = 16.0


def _amount(i: int) -> int:
    return 100 + (i * 7919) % 499_900


def generate(folder: Path, count: int) -> tuple[Path, Path, float]:
    """A journal of ``count`` captured payments made yesterday, and Antom's file of them."""
    start = time.perf_counter()
    day = (datetime.now(UTC) - timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    base_ms = to_ms(day)
    step = 86_400_000 // max(count, 1)
    path = folder / "journal.sqlite3"
    journal = open_journal(path, options=JournalOptions(synchronous="NORMAL"))
    sql = (
        "INSERT INTO payments (payment_request_id, reference_order_id, payment_id, amount_minor, "
        "currency, capture_mode, card_brand, card_bin6, card_last4, status, authorised_ms, "
        "capture_deadline_ms, captured_minor, refunded_minor, operator, terminal_id, "
        "created_ms, updated_ms) VALUES (?, ?, ?, ?, 'USD', 'MANUAL', 'VISA', '405469', '0768', "
        "'CAPTURED', ?, ?, ?, 0, 'op', 'TILL-01', ?, ?)"
    )
    with journal.write() as db:
        for first in range(0, count, 50_000):
            db.conn.executemany(
                sql,
                [
                    (
                        f"PR-{i:09d}",
                        f"ORD-{i:09d}",
                        f"2026{i:016d}",
                        _amount(i),
                        base_ms + i * step + 1500,
                        base_ms + i * step + 7 * 86_400_000,
                        _amount(i),
                        base_ms + i * step,
                        base_ms + i * step + 2000,
                    )
                    for i in range(first, min(first + 50_000, count))
                ],
            )
        db.conn.execute("ANALYZE")
    journal.close()
    report = folder / f"transactionItems_{day:%Y%m%d}_000.csv"
    with report.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(TRANSACTION_COLUMNS)
        stamp = day.isoformat()
        for i in range(count):
            row = {
                "customerId": CUSTOMER,
                "PSP": "ANTOM",
                "transactionType": "AUTHORIZATION",
                "transactionId": f"2026{i:016d}",
                "transactionRequestId": f"PR-{i:09d}",
                "originalTransactionRequestId": f"PR-{i:09d}",
                "referenceTransactionId": f"ORD-{i:09d}",
                "paymentMethodType": "CARD",
                "cardBrand": "VISA",
                "status": "SUCCESS",
                "transactionCreationTime": stamp,
                "transactionAmountValue": major(_amount(i), "USD"),
                "transactionCurrency": "USD",
            }
            writer.writerow([row.get(c, "") for c in TRANSACTION_COLUMNS])
        out.write("<END>\n")
    return path, report, time.perf_counter() - start


def _bare_parse(report: Path) -> tuple[float, float]:
    """Wall and CPU seconds of csv.reader over the file: no checks, no journal."""
    start, cpu = time.perf_counter(), time.process_time()
    with report.open(encoding="utf-8", newline="") as fh:
        for _row in csv.reader(fh):
            pass
    return time.perf_counter() - start, time.process_time() - cpu


def _child(journal: str, report: str) -> None:
    """The import itself, in a process of its own: prints its time and peak RSS as JSON."""
    clock = SystemClock()
    repo = JournalRepository.open(journal, clock=clock)
    reconciler = Reconciler(repo, Settler(repo, None, clock, "TILL-01"), clock, merchant=CUSTOMER)
    start, cpu = time.perf_counter(), time.process_time()
    result = reconciler.import_files([Path(report)])
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    repo.close()
    record = result.files[0].record
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "cpu_seconds": cpu,
                "peak_mib": peak_kib / 1024,
                "lines": record.lines,
                "matched": record.matched,
                "discrepancies": record.discrepancies,
            }
        )
    )


def bench_reconcile(lines: int = 1_000_000) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-eod-") as tmp:
        journal, report, made = generate(Path(tmp), lines)
        size = report.stat().st_size / 2**20
        print(f"(a) reconcile: {lines:,} payments and a {size:.0f} MiB file made in {made:.1f} s")
        bare, bare_cpu = _bare_parse(report)
        run = subprocess.run(
            [sys.executable, __file__, "--child", str(journal), str(report)],
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(run.stdout.strip().splitlines()[-1])
        seconds, cpu = figures["seconds"], figures["cpu_seconds"]
        print(
            f"    import: {seconds:.1f} s wall, {cpu:.1f} s CPU (goal < 60 s), peak RSS "
            f"{figures['peak_mib']:.0f} MiB (goal < 300 MB); {figures['matched']:,} of "
            f"{figures['lines']:,} lines matched, {figures['discrepancies']} discrepancies"
        )
        print(
            f"    {lines / seconds:,.0f} lines/s wall ({lines / cpu:,.0f} per CPU second) "
            f"against a bare parse at {lines / bare:,.0f} lines/s ({lines / bare_cpu:,.0f} per "
            f"CPU second): {cpu / bare_cpu:.1f}x the limit in CPU time"
        )
        load = os.getloadavg()[0]
        print(f"    load average {load:.1f} on {os.cpu_count()} CPUs while measuring")


def bench_batch_capture(holds: int = 1000, latency: float = 0.15, concurrency: int = 8) -> None:
    from posapp.app import build_backend
    from posapp.config import Settings
    from posapp.core.domain import PaymentStatus
    from posapp.core.money import Money
    from posapp.core.services.batch_capture import BatchReport, ItemOutcome
    from posapp.core.services.checkout import CheckoutRequest
    from posapp.core.services.pin import TRAINING_PIN
    from posapp.core.services.schedule import PollSchedule
    from posapp.core.services.secrets import MemorySecretStore
    from posapp.core.services.validation import read_card
    from posapp.paths import app_dirs
    from posapp.ui.application import create_application
    from posapp.ui.tasks import TaskRunner
    from posapp.ui.views.capture_all_dialog import CaptureAllDialog
    from tests.benchmarks.bench_ui import StallMonitor, pump_until

    print(
        f"\n== (b) batch capture: {holds} holds, {latency * 1000:.0f} ms latency, "
        f"{concurrency} at once =="
    )
    app = create_application(["bench"])
    data = Path(tempfile.mkdtemp(prefix="posapp-bench-eod-"))
    backend = build_backend(
        app_dirs(data),
        Settings(),
        secret_store=MemorySecretStore(),
        poll_schedule=PollSchedule(jitter=0),
        pin_cost=2**10,
    )
    try:
        today = date.today()
        card = read_card("4054695723100768", "12/40", "123", today, first_name="A", last_name="L")

        def hold(i: int) -> int:
            result = backend.checkout.pay(
                CheckoutRequest(
                    Money(1000 + i, backend.settings.currency),
                    backend.checkout.new_reference(),
                    "bench",
                    card,
                    hold=True,
                ),
                confirm_duplicate=True,
            )
            return result.payment.id

        t = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            ids = list(pool.map(hold, range(holds)))
        print(f"  {holds} holds authorised in {time.perf_counter() - t:.1f} s (set-up)")
        held = backend.day_report.holds()
        assert len(held) == holds, f"{len(held)} holds found, {holds} expected"
        backend.sandbox.admin(
            "POST", "faults", {"pattern": "*/capture", "kind": "latency", "seconds": latency}
        )
        backend.batch_capture.concurrency = concurrency
        runner = TaskRunner()
        dialog = CaptureAllDialog(backend.batch_capture, runner, held)
        dialog.show()
        monitor = StallMonitor()
        # Peer: the same timer with the dialog open and nothing running (this machine's own
        # timer jitter and its other load)
        monitor.start()
        pump_until(app, lambda: len(monitor.samples) >= 750)
        monitor.stop()
        _m, idle_p99, idle_max, _n = monitor.stats()
        finished: list[BatchReport] = []
        dialog.run_finished.connect(finished.append)
        dialog.pin.field.setText(TRAINING_PIN)
        monitor.start()
        t = time.perf_counter()
        dialog.go_button.click()
        pump_until(app, lambda: bool(finished), timeout=600)
        elapsed = time.perf_counter() - t
        monitor.stop()
        runner.shutdown()
        report = finished[0]
        limit = holds * latency / concurrency
        ratio = elapsed / limit
        _med, p99, worst, n = monitor.stats()
        print(f"  total time                  {elapsed:8.1f} s")
        print(f"  limit N x latency / conc.   {limit:8.1f} s")
        print(
            f"  ratio                       {ratio:8.2f} x   goal <= {GOAL_RATIO} "
            f"{'OK' if ratio <= GOAL_RATIO else 'MISSED'}"
        )
        print(
            f"  GUI stall p99               {p99:8.1f} ms  goal < {GOAL_P99_MS:.0f} "
            f"{'OK' if p99 < GOAL_P99_MS else 'MISSED'} (max {worst:.1f} ms, {n} ticks, "
            f"GUI thread busy {monitor.busy * 100:.0f}%)"
        )
        print(f"  peer: idle GUI stall p99    {idle_p99:8.1f} ms  (max {idle_max:.1f} ms)")
        captured = report.count(ItemOutcome.CAPTURED)
        ledger = backend.sandbox.ledger()
        double = 0
        for pid in ids:
            p = backend.repo.get_payment(pid)
            assert p is not None
            entry = ledger.order(p.reference_order_id, p.amount.currency)
            if entry.captured != p.amount.minor or p.status is not PaymentStatus.CAPTURED:
                double += 1
        print(f"  captured {captured} of {holds}; holds not captured exactly once: {double}")
    finally:
        backend.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("reconcile", "batch"))
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--holds", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.15)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--child", nargs=2, metavar=("JOURNAL", "REPORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return 0
    if args.only in (None, "reconcile"):
        bench_reconcile(args.lines)
    if args.only in (None, "batch"):
        bench_batch_capture(args.holds, args.latency, args.concurrency)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
