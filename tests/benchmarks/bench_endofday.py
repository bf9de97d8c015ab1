"""End of day at scale; prints figures, asserts nothing about time.

(a) ``bench_reconcile``: a 1,000,000-line transaction details file against a journal of
1,000,000 payments of that day (every line matches): the import's wall time and peak RSS
(goal < 60 s, < 300 MB; measured in a child process of its own, so generating the data
does not count), and its lines/s against a bare parse of the same file (csv.reader, no
checks, no journal) as the limit.

    .venv/bin/python tests/benchmarks/bench_endofday.py [--lines N]
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from posapp.core.clock import SystemClock
from posapp.core.journal.db import JournalOptions, open_journal
from posapp.core.journal.repository import JournalRepository, to_ms
from posapp.core.services.reconcile import Reconciler
from posapp.core.services.settle import Settler
from posapp.sandbox.reports import TRANSACTION_COLUMNS, major

CUSTOMER = "BENCH_CLIENT"


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=2, metavar=("JOURNAL", "REPORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return 0
    bench_reconcile(args.lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
