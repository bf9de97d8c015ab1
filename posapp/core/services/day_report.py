"""The day report: what a till's day came to, per currency, and closing the day.

**Which payments belong to a day.** A day is midnight to midnight in the till's time zone (an
IANA zone, so a daylight-saving day is 23 or 25 hours long); a payment belongs to the day it
was *created* (keyed in), whatever happened to it later. The report says what became of that
day's payments at the moment it is drawn: this is how the sandbox's ledger counts too, so the
two can be compared line for line.

**Totals, per currency, never mixed** (integer minor units):
``authorised`` every payment of the day that Antom authorised (held or captured at once);
``captured`` what was captured of them; ``refunded`` what was refunded of that; ``cancelled``
authorisations voided; ``released`` holds left to lapse after 7 days; ``held`` still on hold
(``capturing``: captures sent, not yet confirmed); ``net`` = captured - refunded, what the
merchant keeps. Counts: payments keyed in, declined.

**Closing.** A manager (PIN) closes a day: the report as it stands is frozen as canonical JSON
in ``day_closes`` with its digest, and a DAY_CLOSED note carrying that digest goes into the
audit chain. Printing a closed day again draws it from that snapshot, so the copy is the same
to the last figure, however the payments moved since.

**One till.** A report can be drawn for one terminal's payments (``terminal``): the same
figures as that till's line of the By terminal table. Closing is always for the whole store,
so the snapshot holds no payment lines: a closed day asked for one till is still its frozen
store-wide report, marked ``store_wide_snapshot`` so the screen and the print can say so.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from posapp.core.clock import Clock
from posapp.core.domain import EventKind
from posapp.core.journal.access import Store
from posapp.core.journal.day_close import (
    DayCloseError,
    DayRow,
    EndOfDayStore,
    from_ms,
    to_ms,
)
from posapp.core.journal.reconciliation import ReconciliationStore
from posapp.core.journal.repository import JournalRepository
from posapp.core.money import Money
from posapp.core.services.pin import PinError, PinManager
from posapp.core.usertext import UserText

SNAPSHOT_VERSION = 1
LAPSE_HORIZON = timedelta(hours=24)
# statuses a payment only reaches once Antom authorised it
_AUTHORISED_LATER = frozenset(
    {
        "AUTHORISED",
        "CAPTURE_PENDING",
        "CANCEL_PENDING",
        "CAPTURED",
        "PARTIALLY_REFUNDED",
        "REFUNDED",
        "RELEASED",
    }
)
_HELD = frozenset({"AUTHORISED", "CAPTURE_PENDING", "CANCEL_PENDING"})


class DayReportError(Exception):
    """Why a day report cannot be made or a day closed; ``message`` is a UserText."""

    def __init__(self, message: UserText) -> None:
        super().__init__(str(message))
        self.message = message


# -- the day and its time zone ---------------------------------------------------------------
def till_zone(environ: dict[str, str] | None = None) -> ZoneInfo:
    """The till's IANA time zone: ``TZ`` if it names one, else /etc/localtime's, else UTC."""
    env = os.environ if environ is None else environ
    candidates = [env.get("TZ", "").lstrip(":")]
    try:
        target = os.readlink("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class DayWindow:
    """One local day: [start, end) as UTC instants."""

    day: date
    zone: str
    start: datetime
    end: datetime

    @classmethod
    def of(cls, day: date, zone: tzinfo) -> DayWindow:
        # midnight in the zone, then to UTC: a DST change on this day moves ``end`` by an hour
        start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        return cls(day, str(zone), start, end)


def today(clock: Clock, zone: tzinfo) -> date:
    return clock.now().astimezone(zone).date()


def _was_authorised(row: DayRow) -> bool:
    return row.authorised_ms is not None or row.status in _AUTHORISED_LATER


# -- the report as data ----------------------------------------------------------------------
@dataclass(slots=True)
class Totals:
    """One currency's figures for a set of payments (minor units)."""

    currency: str
    payments: int = 0
    declined: int = 0
    authorised: int = 0
    captured: int = 0
    refunded: int = 0
    cancelled: int = 0
    released: int = 0
    held: int = 0
    capturing: int = 0

    @property
    def net(self) -> int:
        return self.captured - self.refunded

    def add(self, row: DayRow) -> None:
        self.payments += 1
        authorised = _was_authorised(row)
        if row.status == "DECLINED":
            self.declined += 1
        if authorised:
            self.authorised += row.amount_minor
        self.captured += row.captured_minor
        self.refunded += row.refunded_minor
        if row.status == "CANCELLED" and authorised:
            self.cancelled += row.amount_minor
        if row.status == "RELEASED":
            self.released += row.amount_minor
        if row.status in _HELD:
            capturing = row.capturing_minor
            if row.capture_mode == "AUTOMATIC" and row.status == "CAPTURE_PENDING":
                # a sale whose capture Antom has not confirmed yet: being captured, not held
                capturing = row.amount_minor - row.captured_minor
            self.capturing += capturing
            self.held += row.amount_minor - row.captured_minor - capturing

    def money(self, minor: int) -> Money:
        return Money(minor, self.currency)

    def to_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "payments": self.payments,
            "declined": self.declined,
            "authorised": self.authorised,
            "captured": self.captured,
            "refunded": self.refunded,
            "cancelled": self.cancelled,
            "released": self.released,
            "held": self.held,
            "capturing": self.capturing,
            "net": self.net,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Totals:
        return cls(**{k: v for k, v in data.items() if k != "net"})


@dataclass(frozen=True, slots=True)
class GroupLine:
    """The totals of one terminal, operator or card brand in one currency."""

    name: str
    totals: Totals

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, **self.totals.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GroupLine:
        rest = {k: v for k, v in data.items() if k != "name"}
        return cls(str(data["name"]), Totals.from_json(rest))


@dataclass(frozen=True, slots=True)
class LapsingHold:
    payment: int
    reference_order_id: str
    amount: Money
    deadline: datetime
    terminal_id: str

    def to_json(self) -> dict[str, Any]:
        return {
            "payment": self.payment,
            "reference_order_id": self.reference_order_id,
            "amount_minor": self.amount.minor,
            "currency": self.amount.currency,
            "deadline": self.deadline.isoformat(),
            "terminal_id": self.terminal_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LapsingHold:
        return cls(
            int(data["payment"]),
            str(data["reference_order_id"]),
            Money(int(data["amount_minor"]), str(data["currency"])),
            datetime.fromisoformat(str(data["deadline"])),
            str(data["terminal_id"]),
        )


class ReconciliationStatus(StrEnum):
    NOT_RECONCILED = "not_reconciled"  # no settlement file of Antom's covers this day yet
    MATCHED = "matched"
    DISCREPANCIES = "discrepancies"


@dataclass(frozen=True, slots=True)
class ReconciliationState:
    """What Antom's imported files say about a day: how many files cover it, how many of
    their lines matched the journal and the discrepancies they left, by kind (kind values of
    ``DiscrepancyKind``, sorted). Frozen into a closed day's snapshot."""

    status: ReconciliationStatus
    matched: int = 0
    discrepancies: int = 0
    files: int = 0
    kinds: tuple[tuple[str, int], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "matched": self.matched,
            "discrepancies": self.discrepancies,
            "files": self.files,
            "kinds": [[k, n] for k, n in self.kinds],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReconciliationState:
        return cls(  # snapshots from before "files"/"kinds" existed read with none
            ReconciliationStatus(data["status"]),
            int(data["matched"]),
            int(data["discrepancies"]),
            int(data.get("files", 0)),
            tuple((str(k), int(n)) for k, n in data.get("kinds", ())),
        )


class ReconciliationSource(Protocol):
    """Where the day report learns whether a day was reconciled with Antom's files."""

    def state_for(self, start: datetime, end: datetime) -> ReconciliationState: ...


class NotReconciled:
    """A source that knows of no files (tests, tools without a journal): nothing reconciled."""

    def state_for(self, start: datetime, end: datetime) -> ReconciliationState:
        return ReconciliationState(ReconciliationStatus.NOT_RECONCILED)


@dataclass(frozen=True, slots=True)
class JournalReconciliation:
    """The reconciliation state from the journal's imported Antom files. Antom's files are
    per UTC day: a file covers the report's day when its days overlap the UTC dates the
    day's window touches. Counts are the covering files' own (a file of several days counts
    all its lines; a day's transaction and settlement files both count). Blocking: call it
    where the report is built (a worker)."""

    journal: Store

    def state_for(self, start: datetime, end: datetime) -> ReconciliationState:
        store = ReconciliationStore(self.journal)
        first = start.astimezone(UTC).date()
        last = (end - timedelta(microseconds=1)).astimezone(UTC).date()
        files = store.files_covering(first, last)
        if not files:
            return ReconciliationState(ReconciliationStatus.NOT_RECONCILED)
        kinds = store.kind_counts([f.id for f in files])
        discrepancies = sum(kinds.values())
        return ReconciliationState(
            ReconciliationStatus.DISCREPANCIES if discrepancies else ReconciliationStatus.MATCHED,
            matched=sum(f.matched for f in files),
            discrepancies=discrepancies,
            files=len(files),
            kinds=tuple(sorted((k.value, n) for k, n in kinds.items())),
        )


@dataclass(frozen=True, slots=True)
class Closing:
    closed_at: datetime
    manager: str
    terminal_id: str


@dataclass(frozen=True, slots=True)
class DayReport:
    """Everything the Day report screen, the PDF and the CSV show for one day."""

    day: date
    zone: str
    start: datetime
    end: datetime
    drawn_at: datetime  # when the figures were read (for a closed day: when it was closed)
    totals: tuple[Totals, ...]  # one per currency, sorted
    by_terminal: tuple[GroupLine, ...]
    by_operator: tuple[GroupLine, ...]
    by_brand: tuple[GroupLine, ...]
    hourly: dict[str, tuple[int, ...]]  # currency -> 24 authorised sums by local hour
    lapsing: tuple[LapsingHold, ...]
    reconciliation: ReconciliationState
    closing: Closing | None = None
    intact: bool = True  # a closed day's snapshot still matches its journaled digest
    # the till filter: None = every till. Not part of the snapshot (a day closes store-wide)
    terminal: str | None = None
    # a till was asked for, but the day is closed and its frozen report covers every till
    store_wide_snapshot: str | None = None

    @property
    def filtered(self) -> bool:
        return self.terminal is not None

    @property
    def closed(self) -> bool:
        return self.closing is not None

    def totals_for(self, currency: str) -> Totals:
        for t in self.totals:
            if t.currency == currency:
                return t
        return Totals(currency)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": SNAPSHOT_VERSION,
            "day": self.day.isoformat(),
            "zone": self.zone,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "drawn_at": self.drawn_at.isoformat(),
            "totals": [t.to_json() for t in self.totals],
            "by_terminal": [g.to_json() for g in self.by_terminal],
            "by_operator": [g.to_json() for g in self.by_operator],
            "by_brand": [g.to_json() for g in self.by_brand],
            "hourly": {c: list(v) for c, v in sorted(self.hourly.items())},
            "lapsing": [h.to_json() for h in self.lapsing],
            "reconciliation": self.reconciliation.to_json(),
            "closing": None
            if self.closing is None
            else {
                "closed_at": self.closing.closed_at.isoformat(),
                "manager": self.closing.manager,
                "terminal_id": self.closing.terminal_id,
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], *, intact: bool = True) -> DayReport:
        if data.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"unknown day report version {data.get('version')!r}")
        closing = data.get("closing")
        return cls(
            day=date.fromisoformat(data["day"]),
            zone=str(data["zone"]),
            start=datetime.fromisoformat(data["start"]),
            end=datetime.fromisoformat(data["end"]),
            drawn_at=datetime.fromisoformat(data["drawn_at"]),
            totals=tuple(Totals.from_json(t) for t in data["totals"]),
            by_terminal=tuple(GroupLine.from_json(g) for g in data["by_terminal"]),
            by_operator=tuple(GroupLine.from_json(g) for g in data["by_operator"]),
            by_brand=tuple(GroupLine.from_json(g) for g in data["by_brand"]),
            hourly={c: tuple(int(x) for x in v) for c, v in data["hourly"].items()},
            lapsing=tuple(LapsingHold.from_json(h) for h in data["lapsing"]),
            reconciliation=ReconciliationState.from_json(data["reconciliation"]),
            closing=None
            if closing is None
            else Closing(
                datetime.fromisoformat(closing["closed_at"]),
                str(closing["manager"]),
                str(closing["terminal_id"]),
            ),
            intact=intact,
        )


def summarise(
    rows: Iterable[DayRow],
    window: DayWindow,
    zone: tzinfo,
    *,
    drawn_at: datetime,
    lapsing: Sequence[DayRow] = (),
    reconciliation: ReconciliationState | None = None,
    terminal: str | None = None,
) -> DayReport:
    """The report of ``rows`` (the payments created in ``window``): pure, no journal. With
    ``terminal``, only the payments (and lapsing holds) keyed at that till count."""
    if terminal is not None:
        rows = [r for r in rows if r.terminal_id == terminal]
        lapsing = [r for r in lapsing if r.terminal_id == terminal]
    totals: dict[str, Totals] = {}
    groups: dict[str, dict[tuple[str, str], Totals]] = {
        "terminal": {},
        "operator": {},
        "brand": {},
    }
    hourly: dict[str, list[int]] = {}
    for row in rows:
        totals.setdefault(row.currency, Totals(row.currency)).add(row)
        for kind, name in (
            ("terminal", row.terminal_id),
            ("operator", row.operator),
            ("brand", row.card_brand or "?"),
        ):
            groups[kind].setdefault((name, row.currency), Totals(row.currency)).add(row)
        if _was_authorised(row):
            hour = from_ms(row.created_ms).astimezone(zone).hour
            hourly.setdefault(row.currency, [0] * 24)[hour] += row.amount_minor

    def lines(kind: str) -> tuple[GroupLine, ...]:
        return tuple(GroupLine(name, t) for (name, _c), t in sorted(groups[kind].items()))

    return DayReport(
        day=window.day,
        zone=window.zone,
        start=window.start,
        end=window.end,
        drawn_at=drawn_at,
        totals=tuple(totals[c] for c in sorted(totals)),
        by_terminal=lines("terminal"),
        by_operator=lines("operator"),
        by_brand=lines("brand"),
        hourly={c: tuple(v) for c, v in sorted(hourly.items())},
        lapsing=tuple(
            LapsingHold(
                r.id,
                r.reference_order_id,
                Money(r.amount_minor, r.currency),
                from_ms(r.capture_deadline_ms or 0),
                r.terminal_id,
            )
            for r in lapsing
        ),
        reconciliation=reconciliation or ReconciliationState(ReconciliationStatus.NOT_RECONCILED),
        terminal=terminal,
    )


# -- CSV -------------------------------------------------------------------------------------
CSV_COLUMNS = (
    "section",
    "name",
    "currency",
    "payments",
    "declined",
    "authorised",
    "captured",
    "refunded",
    "cancelled",
    "released",
    "held",
    "capturing",
    "net",
)


def report_csv(report: DayReport) -> str:
    """The report as CSV (amounts in major units): the same text for the same report."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["day", report.day.isoformat(), "time_zone", report.zone])
    w.writerow(["drawn_at", report.drawn_at.isoformat()])
    if report.terminal is not None:
        w.writerow(["till", report.terminal])
    elif report.store_wide_snapshot is not None:
        # asked for one till, but a closed day's frozen report covers them all
        w.writerow(["till", "all", "requested", report.store_wide_snapshot])
    if report.closing is not None:
        w.writerow(
            [
                "closed_at",
                report.closing.closed_at.isoformat(),
                "closed_by",
                report.closing.manager,
                "terminal",
                report.closing.terminal_id,
            ]
        )
    state = report.reconciliation
    w.writerow(
        [
            "reconciliation",
            state.status.value,
            "files",
            state.files,
            "matched",
            state.matched,
            "discrepancies",
            state.discrepancies,
            *(v for kind, n in state.kinds for v in (kind, n)),
        ]
    )
    w.writerow(CSV_COLUMNS)

    def row(section: str, name: str, t: Totals) -> None:
        amounts = [
            t.money(v).format()
            for v in (
                t.authorised,
                t.captured,
                t.refunded,
                t.cancelled,
                t.released,
                t.held,
                t.capturing,
                t.net,
            )
        ]
        w.writerow([section, name, t.currency, t.payments, t.declined, *amounts])

    for t in report.totals:
        row("total", "", t)
    for section, group in (
        ("terminal", report.by_terminal),
        ("operator", report.by_operator),
        ("brand", report.by_brand),
    ):
        for line in group:
            row(section, line.name, line.totals)
    for hold in report.lapsing:
        w.writerow(
            [
                "lapsing",
                hold.reference_order_id,
                hold.amount.currency,
                "",
                "",
                hold.amount.format(),
                "",
                "",
                "",
                "",
                "",
                "",
                hold.deadline.isoformat(),
            ]
        )
    return out.getvalue()


# -- the service -----------------------------------------------------------------------------
@dataclass(slots=True)
class DayReportService:
    """Builds day reports from the journal and closes days (manager PIN). Blocking: call it
    from a worker (the READS lane for reports, WRITES for closing)."""

    repo: JournalRepository
    pins: PinManager | None  # None: reports only (the command line opens the journal read-only)
    clock: Clock
    terminal_id: str
    zone: tzinfo = field(default_factory=till_zone)
    reconciliation: ReconciliationSource | None = None  # None: the journal's imported files

    @property
    def reconciliation_source(self) -> ReconciliationSource:
        return self.reconciliation or JournalReconciliation(self.repo.journal)

    @property
    def store(self) -> EndOfDayStore:
        return EndOfDayStore(self.repo)

    def window(self, day: date | None = None) -> DayWindow:
        return DayWindow.of(day or today(self.clock, self.zone), self.zone)

    def report(self, day: date | None = None, terminal: str | None = None) -> DayReport:
        """A closed day from its snapshot; an open one from the journal as it is now.
        ``terminal``: only that till's payments. A closed day's snapshot keeps no payment
        lines, so it cannot be split by till: it comes back whole, marked
        ``store_wide_snapshot``."""
        window = self.window(day)
        closed = self.store.closed(window.day.isoformat())
        if closed is not None:
            frozen = DayReport.from_json(_loads(closed.snapshot), intact=closed.intact)
            if terminal is not None:
                frozen = replace(frozen, store_wide_snapshot=terminal)
            return frozen
        return self.live(window, terminal)

    def live(self, window: DayWindow, terminal: str | None = None) -> DayReport:
        now = self.clock.now()
        store = self.store
        rows = store.payments_between(to_ms(window.start), to_ms(window.end))
        lapsing = store.holds_lapsing(to_ms(now), to_ms(now + LAPSE_HORIZON))
        return summarise(
            rows,
            window,
            self.zone,
            drawn_at=now,
            lapsing=lapsing,
            reconciliation=self.reconciliation_source.state_for(window.start, window.end),
            terminal=terminal,
        )

    def terminals(self) -> list[str]:
        """The tills the journal's payments were keyed at, sorted (the till filter's list)."""
        return self.repo.orders.terminals()

    def holds(self, day: date | None = None) -> list[int]:
        """The payments of ``day`` still held and inside their capture window."""
        window = self.window(day)
        now_ms = to_ms(self.clock.now())
        return self.store.holds_between(to_ms(window.start), to_ms(window.end), now_ms)

    def close(self, day: date, pin: str, *, manager: str = "manager") -> DayReport:
        """Freeze ``day``'s report under the manager's PIN (journaled). PinError when the PIN
        is refused (the attempt is journaled); DayReportError when the day has not begun or
        is closed already."""
        window = self.window(day)
        now = self.clock.now()
        if now < window.start:
            raise DayReportError(
                UserText(
                    "day.close_future", "{day} has not begun: it cannot be closed.", day=str(day)
                )
            )
        if self.store.closed(window.day.isoformat()) is not None:
            raise DayReportError(
                UserText("day.closed_already", "{day} is closed already.", day=str(day))
            )
        if self.pins is None:
            raise DayReportError(
                UserText("day.close_needs_till", "Close the day at the till (manager PIN).")
            )
        try:
            approval = self.pins.approve(pin, manager)
            self.pins.consume(approval)
        except PinError as exc:
            self.repo.record_event(
                EventKind.SECURITY,
                operator=manager,
                terminal_id=self.terminal_id,
                detail={"approval": "refused", "reason": exc.message, "action": "close day"},
            )
            raise
        report = self.live(window)
        frozen = DayReport.from_json(report.to_json())  # the snapshot, exactly as stored
        snapshot = {
            **frozen.to_json(),
            "drawn_at": now.isoformat(),
            "closing": {
                "closed_at": now.isoformat(),
                "manager": manager,
                "terminal_id": self.terminal_id,
            },
        }
        try:
            closed = self.store.record_close(
                day=window.day.isoformat(),
                time_zone=window.zone,
                start=window.start,
                end=window.end,
                closed_at=now,
                manager=manager,
                terminal_id=self.terminal_id,
                snapshot=snapshot,
            )
        except DayCloseError:
            raise DayReportError(
                UserText("day.closed_already", "{day} is closed already.", day=str(day))
            ) from None
        return DayReport.from_json(_loads(closed.snapshot), intact=closed.intact)


def _loads(text: str) -> dict[str, Any]:
    import json

    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("a day snapshot is a JSON object")
    return data
