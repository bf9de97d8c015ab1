"""The sandbox's end-of-day reports: Antom-format transaction and settlement details.

Once a day of the sandbox clock (UTC) has ended, ``ReportWriter.catch_up`` writes, for
every ended day with activity, under ``<state-dir>/reports/``:

- ``transactionItems_<yyyyMMdd>_000.csv``: every payment created that day (AUTHORIZATION for
  manual capture, PAYMENT for automatic) with its latest status, and every capture, refund
  and cancel completed that day;
- ``settlementItems_<CUR>_<batchId>_000.csv``: the lines that moved money that day (captures
  and refunds) with fees and net amounts, one batch per currency.

Layout as section 21 of the protocol notes (legacy file names, the only ones documented):
header line, one row per transaction, ``<END>``; UTF-8; amounts in major units.

Fee rule (blended rate, ``paymentMethodFeeAmountValue``): a capture pays 2.90 % of its
amount, rounded half-even to the currency's minor unit, plus 30 minor units (0 for
currencies without decimals: 30 units of JPY), never more than the amount; refunds pay no
fee and give none back. Fees are negative (a charge), so every settled line satisfies
``settlementAmountValue = transactionAmountValue + paymentMethodFeeAmountValue``;
refund amounts are negative.

Faults (for tests and training): ``missing_line`` drops the first payment line,
``extra_line`` adds a payment posapp never made, ``wrong_amount`` adds one major unit to the
first payment line, ``wrong_status`` turns the first successful payment line into FAIL,
``truncated`` cuts the file in the middle of a line (no ``<END>``), ``malformed`` spoils an
amount.
"""

from __future__ import annotations

import csv
import io
import os
import threading
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from posapp.core.money import EXPONENTS
from posapp.sandbox.clock import SandboxClock, iso
from posapp.sandbox.store import Store

REPORTS_DIR = "reports"
_DONE_KEY = "reports_through"  # the last day whose reports were written
FEE_RATE = Decimal("0.029")
FEE_FIXED_MINOR = 30
PSP = "ANTOM_SANDBOX"

TRANSACTION_COLUMNS = (
    "settlementBatchId",
    "customerId",
    "PSP",
    "transactionType",
    "transactionId",
    "transactionRequestId",
    "originalTransactionRequestId",
    "referenceTransactionId",
    "paymentMethodType",
    "cardBrand",
    "status",
    "transactionCreationTime",
    "transactionCompletionTime",
    "transactionAmountValue",
    "transactionCurrency",
    "settlementAmountValue",
    "settlementCurrency",
    "paymentMethodFeeAmountValue",
    "paymentMethodFeeAmountCurrency",
)
SETTLEMENT_COLUMNS = (
    "settlementBatchId",
    "customerId",
    "PSP",
    "transactionType",
    "transactionId",
    "transactionRequestId",
    "originalTransactionRequestId",
    "referenceTransactionId",
    "paymentMethodType",
    "transactionCreationTime",
    "settlementInitiatedDate",
    "transactionAmountValue",
    "transactionCurrency",
    "settlementAmountValue",
    "settlementCurrency",
    "paymentMethodFeeAmountValue",
    "paymentMethodFeeAmountCurrency",
)
US_PER_DAY = 86_400 * 1_000_000


class ReportFault(StrEnum):
    MISSING_LINE = "missing_line"
    EXTRA_LINE = "extra_line"
    WRONG_AMOUNT = "wrong_amount"
    WRONG_STATUS = "wrong_status"
    TRUNCATED = "truncated"
    MALFORMED = "malformed"


def fee_minor(amount_minor: int, currency: str) -> int:
    """The fee rule above, as a positive number of minor units."""
    rate = (Decimal(amount_minor) * FEE_RATE).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return min(amount_minor, int(rate) + FEE_FIXED_MINOR)


def major(minor: int, currency: str) -> str:
    exp = EXPONENTS[currency]
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**exp)
    return f"{sign}{whole}" + (f".{frac:0{exp}d}" if exp else "")


def _day_of(us: int) -> date:
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)).date()


def _start_us(day: date) -> int:
    moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return int(moment.timestamp()) * 1_000_000


class ReportWriter:
    """Writes the reports of ended days (and of any day on demand, with a fault)."""

    def __init__(
        self,
        store: Store,
        clock: SandboxClock,
        state_dir: Path | None,
        customer_id: str,
        *,
        automatic: bool = True,
    ) -> None:
        """``automatic``: write ended days by itself (the first sandbox process only; the
        others write on demand)."""
        self.store = store
        self.clock = clock
        self.folder = None if state_dir is None else state_dir / REPORTS_DIR
        self.customer_id = customer_id
        self.automatic = automatic
        self._lock = threading.Lock()
        self._checked_day: date | None = None

    def catch_up(self) -> list[Path]:
        """The reports of every ended day not written yet (cheap when there is none)."""
        today = self.clock.now().date()
        if self.folder is None or not self.automatic or self._checked_day == today:
            return []
        written: list[Path] = []
        with self._lock:
            done = self.store.get_meta(_DONE_KEY)
            first = self._first_activity()
            if first is None:
                self._checked_day = today
                return []
            day = max(first, date.fromisoformat(done) + timedelta(days=1)) if done else first
            while day < today:
                if self._has_activity(day):
                    written += self.write_day(day)
                self.store.set_meta(_DONE_KEY, day.isoformat())
                day += timedelta(days=1)
            self._checked_day = today
        return written

    def _first_activity(self) -> date | None:
        with self.store.locked() as db:
            row = db.execute("SELECT MIN(created_us) FROM payments").fetchone()
        return None if row[0] is None else _day_of(int(row[0]))

    def _has_activity(self, day: date) -> bool:
        lo, hi = _start_us(day), _start_us(day) + US_PER_DAY
        with self.store.locked() as db:
            return bool(
                db.execute(
                    "SELECT EXISTS(SELECT 1 FROM payments WHERE created_us >= ? AND created_us < ?"
                    " OR cancelled_us >= ? AND cancelled_us < ?)"
                    " OR EXISTS(SELECT 1 FROM captures WHERE capture_us >= ? AND capture_us < ?)"
                    " OR EXISTS(SELECT 1 FROM refunds WHERE refund_us >= ? AND refund_us < ?)",
                    (lo, hi) * 4,
                ).fetchone()[0]
            )

    # -- one day ----------------------------------------------------------------------------
    def write_day(self, day: date, fault: ReportFault | None = None) -> list[Path]:
        if self.folder is None:
            raise ValueError("an in-memory sandbox keeps no reports")
        tx_rows, settled = self._rows(day)
        stamp = day.strftime("%Y%m%d")
        paths = []
        paths.append(
            self._write(f"transactionItems_{stamp}_000.csv", TRANSACTION_COLUMNS, tx_rows, fault)
        )
        by_currency: dict[str, list[dict[str, str]]] = {}
        for row in settled:
            by_currency.setdefault(row["settlementCurrency"], []).append(row)
        for currency, rows in sorted(by_currency.items()):
            batch = rows[0]["settlementBatchId"]
            paths.append(
                self._write(
                    f"settlementItems_{currency}_{batch}_000.csv", SETTLEMENT_COLUMNS, rows, None
                )
            )
        return paths

    def _rows(self, day: date) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
        lo, hi = _start_us(day), _start_us(day) + US_PER_DAY
        tx: list[dict[str, str]] = []
        settled: list[dict[str, str]] = []
        with self.store.locked() as db:
            payments = {
                r["payment_id"]: dict(r)
                for r in db.execute(
                    "SELECT * FROM payments WHERE payment_id IN ("
                    " SELECT payment_id FROM payments WHERE created_us >= ? AND created_us < ?"
                    "  OR cancelled_us >= ? AND cancelled_us < ?"
                    " UNION SELECT payment_id FROM captures WHERE capture_us >= ? AND capture_us < ?"
                    " UNION SELECT payment_id FROM refunds WHERE refund_us >= ? AND refund_us < ?)",
                    (lo, hi) * 4,
                ).fetchall()
            }
            captures = [
                dict(r)
                for r in db.execute(
                    "SELECT * FROM captures WHERE capture_us >= ? AND capture_us < ? "
                    "AND status = 'SUCCESS' ORDER BY capture_us",
                    (lo, hi),
                ).fetchall()
            ]
            refunds = [
                dict(r)
                for r in db.execute(
                    "SELECT * FROM refunds WHERE refund_us >= ? AND refund_us < ? "
                    "AND status = 'SUCCESS' ORDER BY refund_us",
                    (lo, hi),
                ).fetchall()
            ]
        stamp = day.strftime("%Y%m%d")
        for p in sorted(payments.values(), key=lambda p: int(p["created_us"])):
            if not lo <= int(p["created_us"]) < hi:
                continue
            manual = p["capture_mode"] == "MANUAL"
            status = p["status"]
            tx.append(
                self._row(
                    "AUTHORIZATION" if manual else "PAYMENT",
                    p,
                    request_id=p["payment_request_id"],
                    amount=int(p["amount"]),
                    status=status,
                    created=int(p["created_us"]),
                    completed=p["paid_us"] or p["cancelled_us"],
                )
            )
        for p in payments.values():
            at = p["cancelled_us"]
            if at is not None and lo <= int(at) < hi and p["released_us"] is None:
                tx.append(
                    self._row(
                        "CANCEL",
                        p,
                        request_id=p["payment_request_id"],
                        amount=-int(p["amount"]),
                        status="SUCCESS",
                        created=int(at),
                        completed=int(at),
                    )
                )
        for kind, items, id_key, at_key in (
            ("CAPTURE", captures, "capture_request_id", "capture_us"),
            ("REFUND", refunds, "refund_request_id", "refund_us"),
        ):
            for op in items:
                p = payments[op["payment_id"]]
                amount = int(op["amount"]) * (-1 if kind == "REFUND" else 1)
                fee = fee_minor(amount, op["currency"]) if kind == "CAPTURE" else 0
                batch = f"SB{stamp}{op['currency']}"
                row = self._row(
                    kind,
                    p,
                    request_id=op[id_key],
                    amount=amount,
                    status="SUCCESS",
                    created=int(op["created_us"]),
                    completed=int(op[at_key]),
                    fee=fee,
                    batch=batch,
                )
                tx.append(row)
                settled.append({**row, "settlementInitiatedDate": day.isoformat()})
        return tx, settled

    def _row(
        self,
        kind: str,
        p: dict[str, Any],
        *,
        request_id: str,
        amount: int,
        status: str,
        created: int,
        completed: int | None,
        fee: int | None = None,
        batch: str = "",
    ) -> dict[str, str]:
        currency = p["currency"]
        return {
            "settlementBatchId": batch,
            "customerId": self.customer_id,
            "PSP": PSP,
            "transactionType": kind,
            "transactionId": p["payment_id"],  # the paymentId for every type (current docs)
            "transactionRequestId": request_id,
            "originalTransactionRequestId": p["payment_request_id"],
            "referenceTransactionId": p["reference_order_id"],
            "paymentMethodType": "CARD",
            "cardBrand": p["card_brand"],
            "status": status,
            "transactionCreationTime": iso(created),
            "transactionCompletionTime": "" if completed is None else iso(int(completed)),
            "transactionAmountValue": major(amount, currency),
            "transactionCurrency": currency,
            "settlementAmountValue": "" if fee is None else major(amount - fee, currency),
            "settlementCurrency": "" if fee is None else currency,
            "paymentMethodFeeAmountValue": "" if fee is None else major(-fee, currency),
            "paymentMethodFeeAmountCurrency": "" if fee is None else currency,
        }

    def _write(
        self,
        name: str,
        columns: tuple[str, ...],
        rows: Iterable[dict[str, str]],
        fault: ReportFault | None,
    ) -> Path:
        assert self.folder is not None
        rows = [dict(r) for r in rows]
        payment_lines = [r for r in rows if r["transactionType"] in ("AUTHORIZATION", "PAYMENT")]
        if fault is ReportFault.MISSING_LINE and payment_lines:
            rows.remove(payment_lines[0])
        elif fault is ReportFault.EXTRA_LINE:
            extra = dict(payment_lines[0]) if payment_lines else {c: "" for c in columns}
            extra.update(
                transactionId="SBX-EXTRA-PAYMENT",
                transactionRequestId="SBX-EXTRA-REQUEST",
                originalTransactionRequestId="SBX-EXTRA-REQUEST",
                referenceTransactionId="SBX-EXTRA-ORDER",
                customerId=self.customer_id,
                transactionType="PAYMENT",
                status="SUCCESS",
                transactionAmountValue=extra.get("transactionAmountValue") or "1.00",
                transactionCurrency=extra.get("transactionCurrency") or "USD",
            )
            rows.append(extra)
        elif fault is ReportFault.WRONG_AMOUNT and payment_lines:
            line = payment_lines[0]
            currency = line["transactionCurrency"]
            exp = EXPONENTS[currency]
            value = Decimal(line["transactionAmountValue"]) + 1
            line["transactionAmountValue"] = f"{value:.{exp}f}"
        elif fault is ReportFault.WRONG_STATUS:
            for line in payment_lines:
                if line["status"] == "SUCCESS":
                    line["status"] = "FAIL"
                    break
        elif fault is ReportFault.MALFORMED and rows:
            rows[0]["transactionAmountValue"] = "12,3O"
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])
        buffer.write("<END>\n")
        data = buffer.getvalue().encode("utf-8")
        if fault is ReportFault.TRUNCATED:
            data = data[: max(1, len(data) - len(b"<END>\n") - 5)]  # mid-line, no <END>
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / name
        temporary = target.with_name(f".{name}.{os.getpid()}.tmp")
        temporary.write_bytes(data)
        temporary.replace(target)
        return target
