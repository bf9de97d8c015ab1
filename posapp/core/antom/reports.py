"""Antom's reconciliation reports (transaction details, settlement details): format and reader.

What the protocol notes (antom-protocol.md section 21) confirm: CSV, UTF-8, the first line
names the columns, one row per transaction, the last line is ``<END>``; columns are found by
name (their order is not documented). What they leave open is kept in ONE place,
``REPORT_FORMAT`` below, so that a fact learnt later is one edit: where two readings exist
the reader accepts both.

The reader streams: a file is read line by line (twice: once to check all of it, once to
use it), never held in memory, so a 100 MB file costs what a 1 KB one does.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

from posapp.core.money import EXPONENTS


class ReportKind(StrEnum):
    TRANSACTIONS = "TRANSACTIONS"  # transaction details of one day
    SETTLEMENT = "SETTLEMENT"  # settlement details of one batch


class LineStatus(StrEnum):
    """A line's outcome; settlement lines carry no status and are SUCCESS (money moved)."""

    SUCCESS = "SUCCESS"
    FAIL = "FAIL"
    PROCESSING = "PROCESSING"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True, slots=True)
class ReportFormat:
    """Everything the reader assumes about the files. [C] confirmed by the docs, [U] not
    confirmed (section 21 "Not confirmed"): correct it here when Antom says otherwise."""

    delimiter: str = ","  # [C] comma-separated in every sample
    end_marker: str = "<END>"  # [C] last line of every file
    # [C] UTF-8; with or without a byte-order mark (Excel adds one when a file is re-saved)
    encoding: str = "utf-8"
    # [U] amounts as decimal strings in MAJOR units ("12.34"; "1200" for JPY); Antom's own
    # tool rounds to 2 dp, which only makes sense for major units. Integer strings are read
    # as major units too.
    amount_units: str = "major"
    # [U] the value set of `status` (transaction details only); every spelling seen in the
    # docs and API answers maps to one outcome. Unknown words are kept, not refused.
    status_words: Mapping[str, LineStatus] = field(
        default_factory=lambda: MappingProxyType(
            {
                "SUCCESS": LineStatus.SUCCESS,
                "SUCCEEDED": LineStatus.SUCCESS,
                "S": LineStatus.SUCCESS,
                "FAIL": LineStatus.FAIL,
                "FAILED": LineStatus.FAIL,
                "F": LineStatus.FAIL,
                "PROCESSING": LineStatus.PROCESSING,
                "PENDING": LineStatus.PROCESSING,
                "U": LineStatus.PROCESSING,
                "CANCELLED": LineStatus.CANCELLED,
                "CANCELED": LineStatus.CANCELLED,
                "CLOSED": LineStatus.CANCELLED,
            }
        )
    )
    # [U] the sign of REFUND (and CANCEL) gross amounts: the net formula implies negative;
    # both signs are accepted and compared by size.
    signed_types: frozenset[str] = frozenset({"REFUND", "CANCEL", "VOID", "REFUND_REVERSAL"})
    # [U] transactionId of a CAPTURE / REFUND line: the paymentId (current pages) or the
    # captureId / refundId (older pages). The matcher keys on the request id and tries both.
    transaction_id_readings: tuple[str, ...] = ("paymentId", "operationId")
    # [U] time zone of times without an offset: read as UTC
    naive_times_are_utc: bool = True
    # [U] the customerId of the files is the Antom client id the journal belongs to
    customer_is_client_id: bool = True
    # how far ahead of our clock a line may be dated before the file counts as "from the
    # future" (clocks of two machines; Antom stamps in its own time zone)
    future_margin_hours: int = 14
    # [C] older column names -> current ones (parse by header name)
    aliases: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType(
            {
                "acquirer": "PSP",
                "pspName": "wallet",
                "paymentTime": "transactionCreationTime",
                "settlementTime": "transactionCompletionTime",
            }
        )
    )


REPORT_FORMAT = ReportFormat()

# Columns the reader needs, per kind of file ([C] section 21.3).
REQUIRED: Mapping[ReportKind, tuple[str, ...]] = MappingProxyType(
    {
        ReportKind.TRANSACTIONS: (
            "customerId",
            "transactionType",
            "transactionId",
            "transactionRequestId",
            "transactionAmountValue",
            "transactionCurrency",
            "status",
        ),
        ReportKind.SETTLEMENT: (
            "settlementBatchId",
            "customerId",
            "transactionType",
            "transactionId",
            "transactionRequestId",
            "transactionAmountValue",
            "transactionCurrency",
            "settlementAmountValue",
            "settlementCurrency",
        ),
    }
)

# Every other column section 21.3 names: read or ignored quietly; anything else is named
# in a warning (Antom adds columns; a new one never stops an import).
_FEES = (
    "fee",
    "taxFee",
    "processingFee",
    "interchangeFee",
    "schemeFee",
    "acquirerMarkup",
    "paymentMethodFee",
    "refundFee",
    "financingFee",
    "rdrFee",
    "anticipationFee",
    "riskDecisionServiceFee",
    "riskManagementFee",
    "cdrnFee",
    "iofFee",
    "withholdingTax",
    "fxFee",
)
FEE_COLUMNS: tuple[str, ...] = tuple(f"{name}AmountValue" for name in _FEES)
KNOWN_COLUMNS: frozenset[str] = frozenset(
    {
        *REQUIRED[ReportKind.TRANSACTIONS],
        *REQUIRED[ReportKind.SETTLEMENT],
        *FEE_COLUMNS,
        *(f"{name}AmountCurrency" for name in _FEES),
        *(f"{name}Currency" for name in _FEES),
        "feeCurrency",
        "fxFeeAmountCurrency",
        "withholdingTaxFeeCurrency",
        "nonGuaranteeCouponValue",
        "nonGuaranteeCouponCurrency",
        "disputeHandlingFee",
        "disputeHandlingFeeCurrency",
        "disputeReverseFee",
        "disputeReverseFeeCurrency",
        "PSP",
        "acquirerReferenceNo",
        "ARN",
        "referenceMerchantId",
        "referenceStoreId",
        "originalTransactionId",
        "originalTransactionRequestId",
        "referenceTransactionId",
        "orderDescription",
        "paymentMethodType",
        "wallet",
        "transactionCreationTime",
        "transactionUpdateTime",
        "transactionCompletionTime",
        "settlementInitiatedDate",
        "productCode",
        "convertedTransactionAmountValue",
        "convertedCurrency",
        "quoteCurrencyPair",
        "quotePrice",
        "installmentsNum",
        "issuingCountry",
        "cardBrand",
        "funding",
        "3DAuthentication",
        "3DOffered",
        "liabilityShift",
        "accountHolderName",
        "originalCardSummary",
        "cardNumber(Last 4 digits)",
        "issuer",
        "reason",
    }
)
# an amount in major units: digits, at most one point, an optional sign (no exponent, no
# thousands separator); ASCII digits only
_AMOUNT = re.compile(r"([+-]?)([0-9]+)(?:\.([0-9]{1,12}))?", re.ASCII)
_POWERS = tuple(10**n for n in range(10))


class ReportError(ValueError):
    """A file that cannot be imported; ``line``/``column`` (1-based) when one place is at
    fault. Nothing of the file has been applied when this is raised."""

    def __init__(
        self, path: Path, message: str, line: int | None = None, column: int | None = None
    ):
        where = str(path) if line is None else f"{path}:{line}" + (f":{column}" if column else "")
        super().__init__(f"{where}: {message}")
        self.path = path
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class ReportLine:
    """One row, amounts in signed minor units of their own currency."""

    line: int
    type: str
    transaction_id: str
    request_id: str
    original_request_id: str
    original_transaction_id: str
    reference_order_id: str
    status: LineStatus | None
    status_word: str
    amount_minor: int
    currency: str
    settlement_minor: int | None
    settlement_currency: str
    fee_minor: int
    customer_id: str
    batch_id: str
    created_text: str  # transactionCreationTime as written (checked by ReportReader.check)

    @property
    def created(self) -> datetime | None:
        return _parse_time(self.created_text) if self.created_text else None


@dataclass(frozen=True, slots=True)
class ReportSummary:
    """What the checking pass learnt about a whole file."""

    path: Path
    kind: ReportKind
    sha256: str
    lines: int
    customer_ids: frozenset[str]
    settlement_currencies: frozenset[str]
    first_day: date | None
    last_day: date | None
    latest: datetime | None
    unknown_columns: tuple[str, ...]


def _column_of(raw: bytes, start: int) -> int:
    return len(raw[:start].decode("utf-8", "replace")) + 1


class ReportReader:
    """Reads one report file; ``check()`` reads all of it once and raises ReportError at the
    first problem, then ``lines()`` streams the rows."""

    def __init__(self, path: Path, fmt: ReportFormat = REPORT_FORMAT) -> None:
        self.path = Path(path)
        self.fmt = fmt
        self._unterminated = False  # the last line has no line break

    def _fail(
        self, message: str, line: int | None = None, column: int | None = None
    ) -> ReportError:
        return ReportError(self.path, message, line, column)

    def _locate_decode_error(self) -> ReportError:
        """The line and column of the first byte that is not UTF-8 (the slow way: only
        after the fast reader met one)."""
        with self.path.open("rb") as handle:
            for number, raw in enumerate(iter(lambda: handle.readline(1 << 20), b""), 1):
                data = (
                    raw[len(codecs.BOM_UTF8) :]
                    if number == 1 and raw.startswith(codecs.BOM_UTF8)
                    else raw
                )
                try:
                    data.decode(self.fmt.encoding)
                except UnicodeDecodeError as exc:
                    return self._fail(
                        f"not UTF-8 text (byte 0x{data[exc.start]:02x}); Antom's reports are "
                        "UTF-8: export or save the file as UTF-8 CSV",
                        number,
                        _column_of(data, exc.start),
                    )
        return self._fail("not UTF-8 text; Antom's reports are UTF-8")

    def _open(self, digest: hashlib._Hash | None) -> tuple[int, bool]:
        """Check the first bytes (UTF-16, XLSX); hash the file; its size and whether its
        last line ends with a line break."""
        try:
            with self.path.open("rb") as handle:
                head = handle.read(4)
                if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                    raise self._fail(
                        "UTF-16 text; Antom's reports are UTF-8: save the file as UTF-8 CSV", 1, 1
                    )
                if head.startswith(b"PK\x03\x04"):
                    raise self._fail(
                        "an XLSX workbook, not CSV: download the report as CSV (or save it as CSV)"
                    )
                if digest is not None:
                    digest.update(head)
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(block)
                size = handle.seek(0, 2)
                handle.seek(max(size - 1, 0))
                last = handle.read(1)
        except OSError as exc:
            raise self._fail(f"cannot be read ({exc.strerror or exc})") from None
        return size, last in (b"\n", b"")

    def _rows(self, digest: hashlib._Hash | None = None) -> Iterator[tuple[int, list[str]]]:
        """(line number, fields) of every record: csv's C reader over the decoded stream;
        a line longer than csv's field limit or a byte that is not UTF-8 stops it."""
        _size, terminated = self._open(digest)
        self._unterminated = not terminated
        try:
            handle = self.path.open(encoding=self.fmt.encoding + "-sig", newline="")
        except OSError as exc:
            raise self._fail(f"cannot be read ({exc.strerror or exc})") from None
        with handle:
            reader = csv.reader(handle, delimiter=self.fmt.delimiter, strict=True)
            try:
                for row in reader:
                    yield reader.line_num, row
            except UnicodeDecodeError:
                raise self._locate_decode_error() from None
            except csv.Error as exc:
                raise self._fail(f"not valid CSV ({exc})", reader.line_num + 1) from None

    def _header(
        self, rows: Iterator[tuple[int, list[str]]]
    ) -> tuple[ReportKind, dict[str, int], list[str]]:
        first = next(rows, None)
        if first is None:
            raise self._fail("the file is empty (not even a header line)")
        _, names = first
        names = [self.fmt.aliases.get(n.strip(), n.strip()) for n in names]
        if not names or names == [self.fmt.end_marker] or names == [""]:
            raise self._fail("no header line: the file is empty", 1, 1)
        seen: dict[str, int] = {}
        for index, name in enumerate(names):
            if name in seen:
                raise self._fail(f"column {name!r} appears twice", 1, index + 1)
            seen[name] = index
        if "summaryType" in seen:
            raise self._fail(
                "a settlement summary (totals only): import the settlement details or "
                "transaction details file instead",
                1,
            )
        kind = ReportKind.TRANSACTIONS if "status" in seen else ReportKind.SETTLEMENT
        missing = [n for n in REQUIRED[kind] if n not in seen]
        if missing:
            raise self._fail(
                f"not an Antom {'transaction' if kind is ReportKind.TRANSACTIONS else 'settlement'}"
                f" details file: no column {', '.join(missing)}",
                1,
            )
        unknown = [n for n in names if n not in KNOWN_COLUMNS]
        return kind, seen, unknown

    def check(self) -> ReportSummary:
        """Read the whole file once: every line parses, the file ends with ``<END>``."""
        digest = hashlib.sha256()
        rows = self._rows(digest)
        kind, columns, unknown = self._header(rows)
        count = 0
        customers: set[str] = set()
        settlement: set[str] = set()
        first: date | None = None
        last: date | None = None
        latest: datetime | None = None
        for item in self._lines(rows, columns, check_end=True):
            count += 1
            customers.add(item.customer_id)
            if item.settlement_currency:
                settlement.add(item.settlement_currency)
            if item.created_text:
                created = _parse_time(item.created_text)  # checked by _lines
                day = created.date()
                first = day if first is None or day < first else first
                last = day if last is None or day > last else last
                latest = created if latest is None or created > latest else latest
        return ReportSummary(
            self.path,
            kind,
            digest.hexdigest(),
            count,
            frozenset(customers),
            frozenset(settlement),
            first,
            last,
            latest,
            tuple(unknown),
        )

    def lines(self) -> Iterator[ReportLine]:
        rows = self._rows()
        _, columns, _ = self._header(rows)
        yield from self._lines(rows, columns, check_end=False)

    def _lines(
        self, rows: Iterator[tuple[int, list[str]]], columns: dict[str, int], *, check_end: bool
    ) -> Iterator[ReportLine]:
        width = len(columns)
        end = self.fmt.end_marker
        ended_at = 0
        last_number = 1

        def at(name: str) -> int:
            return columns.get(name, -1)

        i_type, i_tid, i_rid = (
            at("transactionType"),
            at("transactionId"),
            at("transactionRequestId"),
        )
        i_orid, i_otid = at("originalTransactionRequestId"), at("originalTransactionId")
        i_ref, i_status = at("referenceTransactionId"), at("status")
        i_amount, i_cur = at("transactionAmountValue"), at("transactionCurrency")
        i_samount, i_scur = at("settlementAmountValue"), at("settlementCurrency")
        i_cust, i_batch = at("customerId"), at("settlementBatchId")
        i_created = at("transactionCreationTime")
        fees = [columns[c] for c in FEE_COLUMNS if c in columns]
        words = self.fmt.status_words
        for number, row in rows:
            last_number = number
            if ended_at:
                if row == [] or row == [""]:
                    continue
                raise self._fail(f"text after the {end} line (line {ended_at})", number, 1)
            if len(row) == 1 and row[0].strip() == end:
                ended_at = number
                continue
            if row == []:
                raise self._fail("empty line inside the file", number, 1)
            if len(row) != width:
                if self._unterminated and next(rows, None) is None:  # the last line, cut
                    raise self._fail(
                        f"truncated: the file stops in the middle of line {number}, without "
                        f"its {end} line",
                        number,
                        _field_column(row, len(row)),
                    )
                raise self._fail(
                    f"{len(row)} fields where the header has {width}",
                    number,
                    _field_column(row, min(len(row), width)),
                )
            currency = row[i_cur].strip().upper()
            exp = EXPONENTS.get(currency)
            if exp is None:
                raise self._fail(
                    f"transactionCurrency {row[i_cur]!r} is not a currency code",
                    number,
                    _field_column(row, i_cur),
                )
            amount = self._amount(row, i_amount, exp, number, "transactionAmountValue")
            scur = row[i_scur].strip().upper() if i_scur >= 0 else ""
            settle: int | None = None
            if scur:
                sexp = EXPONENTS.get(scur)
                if sexp is None:
                    raise self._fail(
                        f"settlementCurrency {row[i_scur]!r} is not a currency code",
                        number,
                        _field_column(row, i_scur),
                    )
                if i_samount >= 0 and row[i_samount].strip():
                    settle = self._amount(row, i_samount, sexp, number, "settlementAmountValue")
            fee = 0
            for index in fees:
                if row[index].strip():
                    fee += self._amount(row, index, exp, number, "fee")
            word = row[i_status].strip().upper() if i_status >= 0 else ""
            status = words.get(word) if i_status >= 0 else LineStatus.SUCCESS
            type_ = row[i_type].strip().upper()
            if not type_:
                raise self._fail("transactionType is empty", number, _field_column(row, i_type))
            created = row[i_created].strip() if i_created >= 0 else ""
            if check_end and created:
                try:
                    _parse_time(created)
                except ValueError:
                    raise self._fail(
                        f"transactionCreationTime {created!r} is not an ISO 8601 time",
                        number,
                        _field_column(row, i_created),
                    ) from None
            yield ReportLine(
                number,
                type_,
                row[i_tid].strip(),
                row[i_rid].strip(),
                row[i_orid].strip() if i_orid >= 0 else "",
                row[i_otid].strip() if i_otid >= 0 else "",
                row[i_ref].strip() if i_ref >= 0 else "",
                status,
                word,
                amount,
                currency,
                settle,
                scur,
                fee,
                row[i_cust].strip(),
                row[i_batch].strip() if i_batch >= 0 else "",
                created,
            )
        if check_end and not ended_at:
            raise self._fail(
                f"truncated: the file stops without its {end} line (after line {last_number})",
                last_number,
            )

    def _amount(self, row: list[str], index: int, exp: int, number: int, name: str) -> int:
        text = row[index].strip()
        match = _AMOUNT.fullmatch(text)
        if match is None:
            raise self._fail(f"{name} {text!r} is not an amount", number, _field_column(row, index))
        sign, whole, frac = match.groups()
        if frac and len(frac) > exp and frac[exp:].strip("0"):
            raise self._fail(
                f"{name} {text!r} has more decimals than its currency",
                number,
                _field_column(row, index),
            )
        minor: int = int(whole) * _POWERS[exp]
        if frac and exp:
            minor += int(frac[:exp].ljust(exp, "0"))
        return -minor if sign == "-" else minor


def _parse_time(text: str) -> datetime:
    """An ISO 8601 time in UTC; one without an offset is UTC (REPORT_FORMAT)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _field_column(row: list[str], index: int) -> int:
    """The 1-based character column where field ``index`` starts (quotes not counted)."""
    return sum(len(f) + 1 for f in row[:index]) + 1
