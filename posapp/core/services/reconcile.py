"""Reconciliation: Antom's transaction and settlement reports against the journal.

``Reconciler.import_files`` reads every file once to check it (a bad file is refused with
its line and column before anything is applied: ReportError), then, file by file:

1. a file imported before (same SHA-256) is not applied again: its stored result is shown;
2. each line is matched to the journal on (transactionType, transactionRequestId), falling
   back to the paymentId in transactionId / originalTransactionId (section 21.5);
3. what a line proves about a payment still being settled is applied through the Settler
   (version-guarded moves, journaled with the file and line as the reason);
4. what differs is kept as a discrepancy: a line no record matches, a payment of the file's
   days no line names (transaction details only), amount, currency or status differing,
   and orders with more than one successful payment;
5. the file row, its discrepancies and an audit NOTE are written in one transaction.

Memory stays flat: lines are streamed in chunks, the journal is looked up a chunk at a
time, discrepancies are spooled to a temporary file, and the payments seen are one bit each.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

from posapp.core.antom.reports import (
    REPORT_FORMAT,
    LineStatus,
    ReportError,
    ReportFormat,
    ReportKind,
    ReportLine,
    ReportReader,
    ReportSummary,
)
from posapp.core.clock import Clock
from posapp.core.domain import (
    SUCCESSFUL_PAYMENT_STATUSES,
    CaptureMode,
    EventKind,
    OperationStatus,
    PaymentStatus,
    PaymentUpdate,
)
from posapp.core.journal.access import Connection
from posapp.core.journal.reconciliation import (
    Discrepancy,
    DiscrepancyKind,
    ImportedFile,
    ReconciliationStore,
)
from posapp.core.journal.repository import JournalRepository, to_ms
from posapp.core.services.settle import Settler
from posapp.core.usertext import UserText

Progress = Callable[[int, int], None]
_P = PaymentStatus
_O = OperationStatus
_K = DiscrepancyKind
_S = LineStatus
CHUNK = 1000

PAYMENT_TYPES = frozenset({"PAYMENT", "AUTHORIZATION"})
CANCEL_TYPES = frozenset({"CANCEL", "VOID"})
# payments Antom has seen, so a transaction-details file of their day must name them
_NOT_AT_ANTOM = ("INTENT", "NOT_SENT")
_OPEN = frozenset({_P.INTENT, _P.PENDING, _P.NEEDS_3DS, _P.NOT_SENT})
_AFTER_SUCCESS = SUCCESSFUL_PAYMENT_STATUSES | {_P.REFUNDED, _P.CANCELLED, _P.RELEASED}
# which local states agree with a payment line's status
_PAYMENT_AGREES: dict[LineStatus | None, frozenset[PaymentStatus]] = {
    _S.SUCCESS: _AFTER_SUCCESS,
    None: _AFTER_SUCCESS,  # settlement details: money moved
    _S.FAIL: frozenset({_P.DECLINED}),
    _S.CANCELLED: frozenset({_P.CANCELLED, _P.RELEASED, _P.CANCEL_PENDING}),
    _S.PROCESSING: frozenset({_P.PENDING, _P.NEEDS_3DS, _P.INTENT, _P.NOT_SENT}),
}
_OPERATION_AGREES: dict[LineStatus | None, frozenset[OperationStatus]] = {
    _S.SUCCESS: frozenset({_O.SUCCEEDED}),
    None: frozenset({_O.SUCCEEDED}),
    _S.FAIL: frozenset({_O.FAILED}),
    _S.CANCELLED: frozenset({_O.FAILED}),
    _S.PROCESSING: frozenset({_O.PENDING, _O.INTENT}),
}
_CAPTURED = frozenset({_P.CAPTURED, _P.PARTIALLY_REFUNDED, _P.REFUNDED})


class ReconcileRefused(ReportError):
    """A file that reads well but is not for this journal (merchant, currency, date)."""


@dataclass(frozen=True, slots=True)
class FileResult:
    """One file of an import: its stored record, whether it was imported before, and what
    the reader noticed without refusing (columns it does not know)."""

    path: Path
    record: ImportedFile
    already_imported: bool
    unknown_columns: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportResult:
    files: tuple[FileResult, ...]

    @property
    def discrepancies(self) -> int:
        return sum(f.record.discrepancies for f in self.files)


@dataclass(frozen=True, slots=True)
class _Row:
    """The journal's side of one payment, capture or refund, as matching needs it."""

    id: int  # payment id (captures and refunds: their payment's)
    request_id: str
    amount_minor: int
    currency: str
    status: str
    payment_id: str = ""
    reference_order_id: str = ""
    capture_mode: str = ""


class Reconciler:
    """Imports Antom reports into the journal; thread-safe as the journal is (one import at a
    time per journal is the caller's job: the UI runs it on the serial writes lane)."""

    def __init__(
        self,
        repo: JournalRepository,
        settler: Settler,
        clock: Clock,
        *,
        merchant: str | None = None,
        currencies: frozenset[str] = frozenset(),
        operator: str = "system",
        terminal_id: str = "",
        fmt: ReportFormat = REPORT_FORMAT,
    ) -> None:
        """``merchant``: the customerId the files must carry (None: the journal's client id,
        if it has one). ``currencies``: the settlement currencies this till accepts (empty:
        any)."""
        self.repo = repo
        self.store = ReconciliationStore(repo.journal)
        self.settler = settler
        self.clock = clock
        self.merchant = merchant
        self.currencies = currencies
        self.operator = operator
        self.terminal_id = terminal_id or settler.terminal_id
        self.fmt = fmt

    # -- checking -------------------------------------------------------------------------
    def check(self, paths: Sequence[Path]) -> list[ReportSummary]:
        """Read every file once; ReportError (with line and column) at the first problem."""
        summaries = []
        merchant = self._merchant()
        now = self.clock.now()
        for path in paths:
            summary = ReportReader(path, self.fmt).check()
            foreign = sorted(summary.customer_ids - {merchant}) if merchant else []
            if foreign:
                raise ReconcileRefused(
                    path,
                    f"a report for merchant {', '.join(foreign)[:80]}; this journal belongs "
                    f"to {merchant}",
                )
            other = sorted(summary.settlement_currencies - self.currencies)
            if self.currencies and other:
                raise ReconcileRefused(
                    path,
                    f"settled in {', '.join(other)}; this till settles in "
                    f"{', '.join(sorted(self.currencies))}",
                )
            margin = timedelta(hours=self.fmt.future_margin_hours)
            if summary.latest is not None and summary.latest > now + margin:
                raise ReconcileRefused(
                    path,
                    f"a report from the future: it has transactions of "
                    f"{summary.latest.date().isoformat()}, and today is {now.date().isoformat()}",
                )
            summaries.append(summary)
        return summaries

    def _merchant(self) -> str | None:
        if self.merchant is not None:
            return self.merchant or None
        identity = self.repo.identity()
        return identity.client_id if identity is not None and identity.client_id else None

    # -- importing ------------------------------------------------------------------------
    def import_files(self, paths: Sequence[Path], progress: Progress | None = None) -> ImportResult:
        summaries = self.check(paths)
        total = sum(s.lines for s in summaries)
        done = 0
        results = []
        for summary in summaries:
            before = self.store.file_by_sha(summary.sha256)
            if before is not None:
                results.append(FileResult(summary.path, before, True, summary.unknown_columns))
                done += summary.lines
                continue

            def step(n: int, base: int = done) -> None:
                if progress is not None:
                    progress(base + n, total)

            record = self._import(summary, step)
            done += summary.lines
            results.append(FileResult(summary.path, record, False, summary.unknown_columns))
        if progress is not None:
            progress(total, total)
        return ImportResult(tuple(results))

    def _import(self, summary: ReportSummary, progress: Progress) -> ImportedFile:
        seen = bytearray()
        matched = settled = 0
        name = summary.path.name
        with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
            reader = ReportReader(summary.path, self.fmt)
            count = 0
            for chunk in _chunks(reader.lines(), CHUNK):
                m, s = self._match_chunk(chunk, name, spool, seen)
                matched += m
                settled += s
                count += len(chunk)
                progress(count, summary.lines)
            if summary.kind is ReportKind.TRANSACTIONS and summary.first_day is not None:
                self._only_in_posapp(summary, seen, spool)
            if summary.first_day is not None:
                self._duplicates(summary, spool)
            spool.seek(0)
            with self.repo.transaction():
                file_id = self.store.record_file(
                    sha256=summary.sha256,
                    name=name,
                    kind=summary.kind.value,
                    first_day=summary.first_day,
                    last_day=summary.last_day,
                    lines=summary.lines,
                    matched=matched,
                    settled=settled,
                    items=(Discrepancy.from_json(line) for line in spool),
                    operator=self.operator,
                    at_ms=to_ms(self.clock.now()),
                )
                record = self.store.file_by_sha(summary.sha256)
                assert record is not None
                self.repo.record_event(
                    EventKind.NOTE,
                    operator=self.operator,
                    terminal_id=self.terminal_id,
                    detail={
                        "note": "Antom report reconciled",
                        "file": name,
                        "sha256": summary.sha256,
                        "reconciliationFile": file_id,
                        "lines": summary.lines,
                        "matched": matched,
                        "settled": settled,
                        "discrepancies": record.discrepancies,
                    },
                )
        return record

    # -- matching -------------------------------------------------------------------------
    def _match_chunk(
        self, chunk: list[ReportLine], name: str, spool: IO[str], seen: bytearray
    ) -> tuple[int, int]:
        look = _Lookup(self.repo, chunk)
        matched = settled = 0
        for line in chunk:
            problems: list[Discrepancy] = []
            proved = False
            type_ = line.type
            if type_ in PAYMENT_TYPES:
                row = look.payment(line.request_id) or look.payment_by_id(line.transaction_id)
                if row is not None:
                    if _P(row.status) in _OPEN:  # only then can the line settle it
                        proved = self._settle_payment(row, line, name)
                        row = look.refresh(row)
                    problems = _compare(row, line, _PAYMENT_AGREES.get(line.status), True)
            elif type_ in ("CAPTURE", "REFUND"):
                op = (look.capture if type_ == "CAPTURE" else look.refund)(line.request_id)
                if op is not None:
                    if not _O(op.status).is_final or _O(op.status) is _O.NOT_SENT:
                        proved = self._settle_operation(op, line, name)
                        op = look.refresh_op(op, type_)
                    problems = _compare(op, line, _OPERATION_AGREES.get(line.status), False)
                    row = op
                elif type_ == "CAPTURE":
                    # automatic capture: no capture request of ours (section 21 [U])
                    row = look.original(line)
                    if row is not None and row.capture_mode == CaptureMode.AUTOMATIC.value:
                        proved = self._settle_auto_capture(row, line, name)
                        row = look.refresh(row)
                        agrees = _CAPTURED if line.status in (_S.SUCCESS, None) else None
                        problems = _compare(row, line, agrees, True)
                    else:
                        row = None
                else:
                    row = None
            elif type_ in CANCEL_TYPES:
                row = look.original(line)
                if row is not None:
                    proved = self._settle_cancel(row, line, name)
                    row = look.refresh(row)
                    agrees = (
                        frozenset({_P.CANCELLED, _P.RELEASED})
                        if line.status in (_S.SUCCESS, None)
                        else None
                    )
                    problems = _compare(row, line, agrees, True)
            else:
                continue  # disputes, fees, reserves: nothing of ours to match
            if row is None:
                problems = [self._unknown(line, look)]
            elif type_ in PAYMENT_TYPES:
                _mark(seen, row.id)  # named by its own line (a capture line is not enough)
            if proved:
                settled += 1
            if not problems:
                matched += 1
            for problem in problems:
                spool.write(problem.to_json() + "\n")
        return matched, settled

    def _unknown(self, line: ReportLine, look: _Lookup) -> Discrepancy:
        kind = _K.ONLY_AT_ANTOM
        if (
            line.type in PAYMENT_TYPES
            and line.status in (_S.SUCCESS, None)
            and line.reference_order_id
            and self.repo.successful_payments_for_order(line.reference_order_id)
        ):
            kind = _K.DUPLICATE  # Antom holds a second payment for an order we were paid for
        return _item(kind, line, antom=str(abs(line.amount_minor)))

    def _reason(self, name: str, line: ReportLine) -> str:
        return UserText(
            "reason.reconciliation",
            "proved by Antom's report {file}, line {line}",
            file=name,
            line=line.line,
        )

    def _settle_payment(self, row: _Row, line: ReportLine, name: str) -> bool:
        payment = self.repo.get_payment(row.id)
        if payment is None or payment.status not in _OPEN:
            return False
        update = PaymentUpdate(payment_id=None if payment.payment_id else line.transaction_id)
        target: PaymentStatus | None = None
        if line.status in (_S.SUCCESS, None):
            manual = payment.capture_mode is CaptureMode.MANUAL
            target = _P.AUTHORISED if manual else _P.CAPTURE_PENDING
            update = PaymentUpdate(
                payment_id=update.payment_id,
                result_status="S",
                authorised_at=payment.authorised_at or line.created or self.clock.now(),
            )
        elif line.status is _S.FAIL:
            target = _P.DECLINED
        elif line.status is _S.CANCELLED:
            target = _P.CANCELLED
        if target is None:
            return False
        moved = self.settler.move(payment, target, update, reason=self._reason(name, line))
        return moved.status is not payment.status

    def _settle_operation(self, op: _Row, line: ReportLine, name: str) -> bool:
        status = {_S.SUCCESS: _O.SUCCEEDED, None: _O.SUCCEEDED, _S.FAIL: _O.FAILED}.get(line.status)
        if status is None or _O(op.status) not in (_O.INTENT, _O.PENDING, _O.NOT_SENT):
            return False
        kind = "capture" if line.type == "CAPTURE" else "refund"
        changed = self.settler.observe_operation(
            kind, op.request_id, status, reason=self._reason(name, line)
        )
        if kind == "capture" and status is _O.SUCCEEDED:
            payment = self.repo.get_payment(op.id)
            if payment is not None and payment.status in _OPEN | {_P.CAPTURE_PENDING}:
                self.settler.move(payment, _P.CAPTURED, reason=self._reason(name, line))
        return changed

    def _settle_auto_capture(self, row: _Row, line: ReportLine, name: str) -> bool:
        payment = self.repo.get_payment(row.id)
        if payment is None or line.status not in (_S.SUCCESS, None):
            return False
        if payment.status not in _OPEN | {_P.CAPTURE_PENDING}:
            return False
        moved = self.settler.move(payment, _P.CAPTURED, reason=self._reason(name, line))
        return moved.status is not payment.status

    def _settle_cancel(self, row: _Row, line: ReportLine, name: str) -> bool:
        payment = self.repo.get_payment(row.id)
        if payment is None or line.status not in (_S.SUCCESS, None):
            return False
        if payment.status not in _OPEN | {_P.CANCEL_PENDING}:
            return False
        moved = self.settler.move(payment, _P.CANCELLED, reason=self._reason(name, line))
        return moved.status is not payment.status

    # -- what the file does not say -------------------------------------------------------
    def _window(self, summary: ReportSummary) -> tuple[int, int]:
        assert summary.first_day is not None and summary.last_day is not None
        start = datetime.combine(summary.first_day, time(0), UTC)
        end = datetime.combine(summary.last_day, time(0), UTC) + timedelta(days=1)
        return to_ms(start), to_ms(end)

    def _only_in_posapp(self, summary: ReportSummary, seen: bytearray, spool: IO[str]) -> None:
        start, end = self._window(summary)
        for row in _stream(
            self.repo,
            "SELECT id, payment_request_id, amount_minor, currency, status, payment_id, "  # noqa: S608 - our columns and marks
            "reference_order_id FROM payments WHERE created_ms >= ? AND created_ms < ? "
            f"AND status NOT IN {_NOT_AT_ANTOM!r} "
            "AND NOT (status = 'DECLINED' AND payment_id IS NULL) ORDER BY created_ms",
            (start, end),
        ):
            pid = int(row[0])
            if pid < len(seen) * 8 and seen[pid >> 3] & (1 << (pid & 7)):
                continue
            spool.write(
                Discrepancy(
                    _K.ONLY_IN_POSAPP,
                    payment=pid,
                    request_id=row[1],
                    transaction_id=row[5] or "",
                    reference_order_id=row[6],
                    currency=row[3],
                    ours=str(row[2]),
                    antom="",
                ).to_json()
                + "\n"
            )

    def _duplicates(self, summary: ReportSummary, spool: IO[str]) -> None:
        start, end = self._window(summary)
        held = tuple(s.value for s in SUCCESSFUL_PAYMENT_STATUSES)
        marks = ", ".join("?" for _ in held)
        for row in _stream(
            self.repo,
            "SELECT p.id, p.payment_request_id, p.payment_id, p.reference_order_id, "  # noqa: S608 - our columns and marks
            "p.currency, p.amount_minor FROM payments p WHERE p.reference_order_id IN ("
            "  SELECT reference_order_id FROM payments WHERE created_ms >= ? AND created_ms < ?"
            f"  AND status IN ({marks}) GROUP BY reference_order_id HAVING count(*) > 1)"
            f" AND p.status IN ({marks}) ORDER BY p.reference_order_id, p.id",
            (start, end, *held, *held),
        ):
            spool.write(
                Discrepancy(
                    _K.DUPLICATE,
                    payment=int(row[0]),
                    request_id=row[1],
                    transaction_id=row[2] or "",
                    reference_order_id=row[3],
                    currency=row[4],
                    ours=str(row[5]),
                ).to_json()
                + "\n"
            )


# -- helpers ------------------------------------------------------------------------------
def _chunks(lines: Iterator[ReportLine], size: int) -> Iterator[list[ReportLine]]:
    chunk: list[ReportLine] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _mark(seen: bytearray, pid: int) -> None:
    need = (pid >> 3) + 1
    if len(seen) < need:
        seen.extend(bytes(max(need - len(seen), len(seen))))
    seen[pid >> 3] |= 1 << (pid & 7)


def _item(
    kind: DiscrepancyKind,
    line: ReportLine,
    *,
    ours: str = "",
    antom: str = "",
    payment: int | None = None,
) -> Discrepancy:
    return Discrepancy(
        kind,
        line=line.line,
        payment=payment,
        transaction_type=line.type,
        request_id=line.request_id,
        transaction_id=line.transaction_id,
        reference_order_id=line.reference_order_id,
        currency=line.currency,
        ours=ours,
        antom=antom,
    )


def _compare(
    row: _Row,
    line: ReportLine,
    agrees: frozenset[PaymentStatus] | frozenset[OperationStatus] | None,
    payment: bool,
) -> list[Discrepancy]:
    out = []
    if line.currency != row.currency:
        out.append(_item(_K.CURRENCY, line, ours=row.currency, antom=line.currency, payment=row.id))
    elif abs(line.amount_minor) != row.amount_minor:
        out.append(
            _item(
                _K.AMOUNT,
                line,
                ours=str(row.amount_minor),
                antom=str(abs(line.amount_minor)),
                payment=row.id,
            )
        )
    status = _P(row.status) if payment else _O(row.status)
    if agrees is None or status not in agrees:
        out.append(
            _item(
                _K.STATUS,
                line,
                ours=row.status,
                antom=line.status_word or (line.status.value if line.status else ""),
                payment=row.id,
            )
        )
    return out


def _stream(repo: JournalRepository, sql: str, params: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
    cursor = repo.journal.db().conn.execute(sql, params)
    while True:
        rows = cursor.fetchmany(2000)
        if not rows:
            return
        yield from rows


class _Lookup:
    """The journal rows one chunk of lines may name, fetched with a few IN queries."""

    def __init__(self, repo: JournalRepository, chunk: list[ReportLine]) -> None:
        self.repo = repo
        conn = repo.journal.db().conn
        rids = {line.request_id for line in chunk if line.request_id}
        originals = {line.original_request_id for line in chunk if line.original_request_id}
        self.payments = {
            r.request_id: r for r in _payments(conn, "payment_request_id", rids | originals)
        }
        # by paymentId only what the request ids did not find (the fallback of 21.5)
        known = self.payments
        ids = {
            i
            for line in chunk
            if line.request_id not in known and line.original_request_id not in known
            for i in (line.transaction_id, line.original_transaction_id)
            if i
        }
        self.by_id = {r.payment_id: r for r in _payments(conn, "payment_id", ids)}
        types = {line.type for line in chunk}
        self.captures = (
            _operations(conn, "captures", "capture_request_id", rids) if "CAPTURE" in types else {}
        )
        self.refunds = (
            _operations(conn, "refunds", "refund_request_id", rids) if "REFUND" in types else {}
        )

    def payment(self, request_id: str) -> _Row | None:
        return self.payments.get(request_id) if request_id else None

    def payment_by_id(self, payment_id: str) -> _Row | None:
        return self.by_id.get(payment_id) if payment_id else None

    def capture(self, request_id: str) -> _Row | None:
        return self.captures.get(request_id)

    def refund(self, request_id: str) -> _Row | None:
        return self.refunds.get(request_id)

    def original(self, line: ReportLine) -> _Row | None:
        """The payment a capture, cancel or refund line belongs to, by its request id, its
        paymentId (transactionId in the current docs) or originalTransactionId (older)."""
        return (
            self.payment(line.original_request_id)
            or self.payment_by_id(line.transaction_id)
            or self.payment_by_id(line.original_transaction_id)
            or self.payment(line.request_id)
        )

    def refresh(self, row: _Row) -> _Row:
        """The row again, after a settlement may have moved it."""
        payment = self.repo.get_payment(row.id)
        if payment is None or payment.status.value == row.status:
            return row
        fresh = _Row(
            row.id,
            row.request_id,
            row.amount_minor,
            row.currency,
            payment.status.value,
            payment.payment_id or row.payment_id,
            row.reference_order_id,
            row.capture_mode,
        )
        self.payments[row.request_id] = fresh
        return fresh

    def refresh_op(self, row: _Row, type_: str) -> _Row:
        op = (self.repo.get_capture if type_ == "CAPTURE" else self.repo.get_refund)(row.request_id)
        if op is None or op.status.value == row.status:
            return row
        return _Row(row.id, row.request_id, row.amount_minor, row.currency, op.status.value)


def _in(conn: Connection, sql: str, values: set[str]) -> Iterator[tuple[Any, ...]]:
    items = sorted(values)
    for start in range(0, len(items), 500):
        part = items[start : start + 500]
        marks = ", ".join("?" for _ in part)
        yield from conn.execute(sql.format(marks=marks), part).fetchall()


def _payments(conn: Connection, column: str, values: set[str]) -> Iterator[_Row]:
    sql = (
        "SELECT id, payment_request_id, amount_minor, currency, status, payment_id, "  # noqa: S608 - our columns and marks
        f"reference_order_id, capture_mode FROM payments WHERE {column} IN ({{marks}})"
    )
    for r in _in(conn, sql, values):
        yield _Row(int(r[0]), r[1], int(r[2]), r[3], r[4], r[5] or "", r[6], r[7])


def _operations(conn: Connection, table: str, column: str, values: set[str]) -> dict[str, _Row]:
    sql = (
        f"SELECT payment, {column}, amount_minor, currency, status FROM {table} "  # noqa: S608
        f"WHERE {column} IN ({{marks}})"
    )
    return {r[1]: _Row(int(r[0]), r[1], int(r[2]), r[3], r[4]) for r in _in(conn, sql, values)}
