"""Reconciliation: Antom's transaction and settlement reports against the journal.

``Reconciler.import_files`` reads every file once to check it (a bad file is refused with
its line and column before anything is applied: ReportError), then, file by file:

1. a file imported before (same SHA-256) is not applied again: its stored result is shown;
2. each line is matched to the journal on (transactionType, transactionRequestId), falling
   back to the paymentId in transactionId / originalTransactionId (section 21.5);
3. a file is not signed and anyone at the till can edit it, so a line never moves money
   state by itself. A line that would settle a payment, capture, refund or cancel still
   open here makes the Reconciler ask Antom (inquiryPayment; inquiryRefund for a refund,
   at most once per payment and import); Antom's signed answer is applied through the
   Settler's version-guarded moves, and the line is journaled (a NOTE on the payment, with
   the file and line) as agreeing or differing. With no client (the command line) or no
   answer, the row stays open and the line is an UNCONFIRMED discrepancy; importing the
   same file again online asks Antom about those lines and resolves them;
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

from posapp.core.antom.errors import AntomError
from posapp.core.antom.messages import Api
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
    DomainError,
    EventKind,
    OperationStatus,
    PaymentStatus,
)
from posapp.core.journal.access import Connection
from posapp.core.journal.reconciliation import (
    AlreadyResolved,
    Discrepancy,
    DiscrepancyKind,
    ImportedFile,
    ItemFilter,
    ReconciliationStore,
)
from posapp.core.journal.repository import JournalRepository, to_ms
from posapp.core.services.pin import Approval
from posapp.core.services.settle import Settler
from posapp.core.usertext import UserText

Progress = Callable[[int, int], None]
# checks a manager PIN, journaling the attempt (BackOfficeService.approve)
Approve = Callable[[str], Approval]
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
    the reader noticed without refusing (columns it does not know). ``open``: its
    discrepancies not resolved; ``unconfirmed``: those of them Antom has not confirmed
    (lines that would settle something, left as they are); ``rechecked``: lines of a file
    imported before that Antom was asked about this time."""

    path: Path
    record: ImportedFile
    already_imported: bool
    unknown_columns: tuple[str, ...] = ()
    open: int = 0
    unconfirmed: int = 0
    rechecked: int = 0


@dataclass(frozen=True, slots=True)
class ImportResult:
    files: tuple[FileResult, ...]
    online: bool = True  # whether Antom could be asked (a client was there)

    @property
    def discrepancies(self) -> int:
        """Discrepancies still open (a manager resolves the ones explained)."""
        return sum(f.open for f in self.files)

    @property
    def unconfirmed(self) -> int:
        return sum(f.unconfirmed for f in self.files)


class NotAllowed(DomainError):
    """Resolving a discrepancy was refused (no PIN check wired, no note, resolved before)."""


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
        approve: Approve | None = None,
    ) -> None:
        """``merchant``: the customerId the files must carry (None: the journal's client id,
        if it has one). ``currencies``: the settlement currencies this till accepts (empty:
        any). ``approve``: the manager PIN check ``resolve`` needs (None: resolving is
        refused)."""
        self.repo = repo
        self.store = ReconciliationStore(repo.journal)
        self.settler = settler
        self.clock = clock
        self.merchant = merchant
        self.currencies = currencies
        self.operator = operator
        self.terminal_id = terminal_id or settler.terminal_id
        self.fmt = fmt
        self.approve = approve
        self.online = _has_client(settler)
        self._asked: dict[str, bool] = {}  # payment or refund -> answered, for one import

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
        self._asked = {}
        for summary in summaries:

            def step(n: int, _of: int = 0, base: int = done) -> None:
                # lines done in this file (of ``_of``) -> lines done in all of them
                if progress is not None:
                    progress(base + n, total)

            before = self.store.file_by_sha(summary.sha256)
            rechecked = 0
            if before is not None:
                rechecked = self._recheck(summary, before, step)
                record = self.store.file_by_sha(summary.sha256) or before
            else:
                record = self._import(summary, step)
            done += summary.lines
            results.append(
                FileResult(
                    summary.path,
                    record,
                    before is not None,
                    summary.unknown_columns,
                    open=self.store.count_items(ItemFilter(file=record.id, resolved=False)),
                    unconfirmed=self._unconfirmed(record.id),
                    rechecked=rechecked,
                )
            )
        if progress is not None:
            progress(total, total)
        return ImportResult(tuple(results), self.online)

    def _unconfirmed(self, file_id: int) -> int:
        return self.store.count_items(
            ItemFilter(kinds=frozenset({_K.UNCONFIRMED}), file=file_id, resolved=False)
        )

    def _recheck(self, summary: ReportSummary, record: ImportedFile, progress: Progress) -> int:
        """A file imported before: nothing is applied again, but while online the lines left
        UNCONFIRMED are put to Antom now. Each such item is resolved by Antom's answer, and a
        status that still differs becomes a STATUS discrepancy of the file."""
        if not self.online or not self._unconfirmed(record.id):
            return 0
        where = ItemFilter(kinds=frozenset({_K.UNCONFIRMED}), file=record.id, resolved=False)
        waiting: dict[int, list[Discrepancy]] = {}
        for item in self.store.iter_items(where):
            if item.line is not None:
                waiting.setdefault(item.line, []).append(item)
        lines = [ln for ln in ReportReader(summary.path, self.fmt).lines() if ln.line in waiting]
        look = _Lookup(self.repo, lines)
        added: list[Discrepancy] = []
        resolved: list[tuple[Discrepancy, str]] = []
        for line in lines:
            checked = self._match_line(line, look, summary.path.name)
            problems = [] if checked is None else checked[1]
            if any(p.kind is _K.UNCONFIRMED for p in problems):
                continue  # still no answer: stays open
            status = [p for p in problems if p.kind is _K.STATUS]
            added.extend(status)
            note = "Antom's answer differs from the file" if status else "confirmed by Antom"
            resolved.extend((item, note) for item in waiting[line.line])
        progress(summary.lines, summary.lines)
        if not resolved:
            return 0
        at_ms = to_ms(self.clock.now())
        with self.repo.transaction():
            for item, note in resolved:
                self.store.resolve(item.id, by="antom-inquiry", note=note, at_ms=at_ms)
            self.store.add_items(record.id, added)
            self.repo.record_event(
                EventKind.NOTE,
                operator=self.operator,
                terminal_id=self.terminal_id,
                detail={
                    "note": "Antom report re-checked with Antom",
                    "file": record.name,
                    "sha256": record.sha256,
                    "reconciliationFile": record.id,
                    "confirmed": len(resolved),
                    "differing": len(added),
                },
            )
        return len(resolved)

    # -- resolving ------------------------------------------------------------------------
    def resolve(self, item_id: int, pin: str, note: str, *, manager: str = "manager") -> None:
        """A manager marks one discrepancy resolved (the PIN is checked and the attempt
        journaled by ``approve``); journaled with who, when and the note. PinError for a
        wrong PIN, NotAllowed when it cannot be done."""
        note = " ".join(note.split())
        if not note:
            raise NotAllowed(
                UserText("reconcile.resolve_needs_note", "Say how the difference was resolved")
            )
        if self.approve is None:
            raise NotAllowed(
                UserText(
                    "reconcile.resolve_unavailable",
                    "Differences can be resolved only at the till, with the manager PIN",
                )
            )
        item = self.store.item(item_id)
        if item is None or item.resolved:
            raise NotAllowed(
                UserText("reconcile.already_resolved", "This difference was resolved already")
            )
        self.approve(pin)
        try:
            with self.repo.transaction():
                self.store.resolve(
                    item_id, by=manager, note=note[:500], at_ms=to_ms(self.clock.now())
                )
                self.repo.record_event(
                    EventKind.NOTE,
                    operator=manager,
                    terminal_id=self.terminal_id,
                    payment=item.payment,
                    detail={
                        "note": "reconciliation difference resolved",
                        "reconciliationItem": item_id,
                        "reconciliationFile": item.file,
                        "file": item.file_name,
                        "line": item.line,
                        "kind": item.kind.value,
                        "resolution": note[:500],
                    },
                )
        except AlreadyResolved:
            raise NotAllowed(
                UserText("reconcile.already_resolved", "This difference was resolved already")
            ) from None

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
                        "unconfirmed": self._unconfirmed(file_id),
                        "askedAntom": self.online,
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
            checked = self._match_line(line, look, name)
            if checked is None:
                continue  # disputes, fees, reserves: nothing of ours to match
            row, problems, moved = checked
            if row is None:
                problems = [self._unknown(line, look)]
            elif line.type in PAYMENT_TYPES:
                _mark(seen, row.id)  # named by its own line (a capture line is not enough)
            if moved:
                settled += 1
            if not problems:
                matched += 1
            for problem in problems:
                spool.write(problem.to_json() + "\n")
        return matched, settled

    def _match_line(
        self, line: ReportLine, look: _Lookup, name: str
    ) -> tuple[_Row | None, list[Discrepancy], bool] | None:
        """The journal row a line names, what differs, and whether Antom's answer moved it;
        None for a line of a kind posapp does not match."""
        type_ = line.type
        says_done = line.status in (_S.SUCCESS, None)
        if type_ in PAYMENT_TYPES:
            row = look.payment(line.request_id) or look.payment_by_id(line.transaction_id)
            if row is None:
                return None, [], False
            agrees = _PAYMENT_AGREES.get(line.status)
            if _P(row.status) in _OPEN and line.status is not _S.PROCESSING:
                return self._confirm(row, line, name, agrees, payment=True, look=look)
            return row, _compare(row, line, agrees, True), False
        if type_ in ("CAPTURE", "REFUND"):
            op = (look.capture if type_ == "CAPTURE" else look.refund)(line.request_id)
            if op is not None:
                agrees_op = _OPERATION_AGREES.get(line.status)
                open_op = _O(op.status) in (_O.INTENT, _O.PENDING, _O.NOT_SENT)
                if open_op and (says_done or line.status is _S.FAIL):
                    return self._confirm(op, line, name, agrees_op, payment=False, look=look)
                return op, _compare(op, line, agrees_op, False), False
            if type_ == "REFUND":
                return None, [], False
            # automatic capture: no capture request of ours (section 21 [U])
            row = look.original(line)
            if row is None or row.capture_mode != CaptureMode.AUTOMATIC.value:
                return None, [], False
            agrees = _CAPTURED if says_done else None
            if says_done and _P(row.status) in _OPEN | {_P.CAPTURE_PENDING}:
                return self._confirm(row, line, name, agrees, payment=True, look=look)
            return row, _compare(row, line, agrees, True), False
        if type_ in CANCEL_TYPES:
            row = look.original(line)
            if row is None:
                return None, [], False
            agrees = frozenset({_P.CANCELLED, _P.RELEASED}) if says_done else None
            if says_done and _P(row.status) in _OPEN | {_P.CANCEL_PENDING}:
                return self._confirm(row, line, name, agrees, payment=True, look=look)
            return row, _compare(row, line, agrees, True), False
        return None

    def _confirm(
        self,
        row: _Row,
        line: ReportLine,
        name: str,
        agrees: frozenset[PaymentStatus] | frozenset[OperationStatus] | None,
        *,
        payment: bool,
        look: _Lookup,
    ) -> tuple[_Row, list[Discrepancy], bool]:
        """A line that would settle something still open here. The file is not signed (a
        cashier can edit it), so it moves nothing: Antom is asked (inquiryPayment, or
        inquiryRefund for a refund) and its signed answer is applied through the Settler's
        guarded moves; the line is then compared with what the journal holds. With no answer
        (offline, or Antom silent) the row stays as it is and the line is UNCONFIRMED."""
        word = line.status_word or (line.status.value if line.status else "")
        kind = "payment" if payment else ("capture" if line.type == "CAPTURE" else "refund")
        answered = self._ask(row, kind)
        if answered:
            fresh = look.refresh(row) if payment else look.refresh_op(row, line.type)
            problems = _compare(fresh, line, agrees, payment)
            agreed = not any(p.kind is _K.STATUS for p in problems)
            self.settler.note(
                row.id,
                "Antom report line checked with Antom: " + ("agrees" if agreed else "differs"),
                operator=self.operator,
                reason=self._reason(name, line),
                file=name,
                line=line.line,
                fileSays=word,
                posapp=fresh.status,
            )
            return fresh, problems, fresh.status != row.status
        problems = [p for p in _compare(row, line, agrees, payment) if p.kind is not _K.STATUS]
        problems.append(_item(_K.UNCONFIRMED, line, ours=row.status, antom=word, payment=row.id))
        return row, problems, False

    def _ask(self, row: _Row, kind: str) -> bool:
        """Ask Antom about ``row`` (once per import for a payment) and apply the answer;
        False when there is no client or no answer."""
        if not self.online:
            return False
        key = f"refund {row.request_id}" if kind == "refund" else f"payment {row.id}"
        if key in self._asked:  # a forged file may name one row a million times
            return self._asked[key]
        if kind == "refund":
            self._asked[key] = self._ask_refund(row.request_id)
            return self._asked[key]
        answered = False
        payment = self.repo.get_payment(row.id)
        if payment is not None:
            inq = self.settler.inquire(payment)
            if inq is not None:
                self.settler.apply_inquiry(payment, inq, not_found_means_not_sent=False)
                answered = True
        self._asked[key] = answered
        return answered

    def _ask_refund(self, request_id: str) -> bool:
        refund = self.repo.get_refund(request_id)
        if refund is None:
            return False
        try:
            inq = self.settler.client.inquiry_refund(request_id)
        except AntomError as exc:
            self.settler.journal_error(
                Api.INQUIRY_REFUND, exc, payment=refund.payment, request_id=request_id
            )
            return False
        self.settler.journal_response(
            Api.INQUIRY_REFUND, inq, payment=refund.payment, request_id=request_id
        )
        if inq.found:
            self.settler.apply_refund_inquiry(refund, inq)
        return True

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
            "reason.reconciliation_checked",
            "checked with Antom for report {file}, line {line}",
            file=name,
            line=line.line,
        )

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
def _has_client(settler: Settler) -> bool:
    """Whether ``settler`` can ask Antom (the command line's applies reports only)."""
    try:
        settler.client  # noqa: B018 - the property raises when there is none
    except DomainError:
        return False
    return True


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
