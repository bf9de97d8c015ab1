"""`posapp report day`: a day's totals on the terminal, as CSV and as PDF.

A closed day is printed from the snapshot taken when it was closed (the same figures every
time); an open day from the journal as it is now. The journal is opened read-only.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posapp.cli import UsageError, folder_arg, needs_action
from posapp.paths import UnsafeTarget, check_target

if TYPE_CHECKING:
    from posapp.core.services.day_report import DayReport


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "report",
        help="end-of-day reports",
        description="End-of-day reports from the payment journal.",
    )
    rsub = parser.add_subparsers(dest="report_command", metavar="ACTION")
    day = rsub.add_parser(
        "day",
        help="a day's totals per currency, status, terminal, operator and card brand",
        description="Print a day's totals (per currency: authorised, captured, refunded, "
        "cancelled, released, still held, net), the holds that lapse in the next 24 hours "
        "and whether the day is closed and reconciled. A day runs from midnight to midnight "
        "in the till's time zone (TZ, else the system's). A closed day prints from the "
        "report stored when it was closed.",
    )
    day.add_argument(
        "--date", dest="day", metavar="YYYY-MM-DD", help="the day (default: today, local time)"
    )
    day.add_argument(
        "--terminal",
        metavar="ID",
        help="only the payments keyed at this till (default: every till); a closed day "
        "prints its store-wide report",
    )
    day.add_argument("--pdf", type=_file_arg, metavar="FILE", help="also write an A4 PDF")
    day.add_argument(
        "--csv", dest="csv_file", type=_file_arg, metavar="FILE", help="also write CSV"
    )
    day.add_argument(
        "--data-dir",
        dest="report_data_dir",
        type=folder_arg,
        metavar="DIR",
        help="the data folder holding journal.sqlite3 (default: the per-user folder)",
    )
    day.set_defaults(func=run_day)
    needs_action(parser, rsub)


def _file_arg(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("give a file name")
    return Path(text).expanduser()


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--date: {text!r} is not a date (use YYYY-MM-DD)") from None


def _terminal(text: str | None, known: Callable[[], list[str]]) -> str | None:
    """The --terminal value, checked against the tills the journal has payments from."""
    if text is None:
        return None
    terminal = text.strip()
    tills = known()
    if terminal not in tills:
        listed = ", ".join(tills) if tills else "none (the journal has no payments)"
        raise UsageError(f"--terminal: no payments were keyed at till {text!r}; known: {listed}")
    return terminal


def _check_target(target: Path | None, option: str) -> None:
    if target is None:
        return
    if target.is_dir():
        raise UsageError(f"{option}: {target} is a folder; give a file name")
    if not target.parent.is_dir():
        raise UsageError(f"{option}: the folder {target.parent} does not exist")
    try:
        check_target(target)
    except UnsafeTarget as exc:
        raise UsageError(f"{option}: {exc.message}") from None


def run_day(args: argparse.Namespace) -> int:
    import sqlite3

    from posapp.core.clock import SystemClock
    from posapp.core.journal.errors import JournalError
    from posapp.core.journal.repository import JournalRepository
    from posapp.core.services.day_report import DayReportService, report_csv, till_zone
    from posapp.paths import app_dirs, atomic_text_file

    day = _day(args.day)
    _check_target(args.pdf, "--pdf")
    _check_target(args.csv_file, "--csv")
    data_dir = getattr(args, "report_data_dir", None) or getattr(args, "data_dir", None)
    path = app_dirs(data_dir).journal
    if not path.is_file():
        raise UsageError(f"there is no journal at {path}")
    try:
        repo = JournalRepository.open(path, read_only=True)
    except JournalError as exc:
        print(f"posapp: {exc.user_message} ({exc})", file=sys.stderr)
        return 1
    try:
        service = DayReportService(repo, None, SystemClock(), "", zone=till_zone())
        terminal = _terminal(args.terminal, service.terminals)
        report = service.report(day, terminal)
    except (JournalError, sqlite3.DatabaseError) as exc:
        print(f"posapp: the journal at {path} cannot be read ({exc})", file=sys.stderr)
        return 1
    finally:
        repo.close()
    print(summary(report))
    if args.csv_file is not None:
        try:
            with atomic_text_file(args.csv_file) as fh:
                fh.write(report_csv(report))
        except (OSError, UnsafeTarget) as exc:
            raise UsageError(f"--csv: cannot write {args.csv_file}: {exc}") from None
        print(f"CSV written to {args.csv_file}")
    if args.pdf is not None:
        try:
            _pdf(report, args.pdf)
        except OSError as exc:
            raise UsageError(f"--pdf: cannot write {args.pdf}: {exc.strerror or exc}") from None
        print(f"PDF written to {args.pdf}")
    return 0


def summary(report: Any) -> str:
    """The report as lines for a terminal (English, amounts in major units)."""
    from posapp.core.money import Money

    lines = [f"Day report {report.day.isoformat()} ({report.zone})"]
    if report.terminal is not None:
        lines.append(f"till {report.terminal} only")
    elif report.store_wide_snapshot is not None:
        lines.append(
            f"all tills: the day is closed and its frozen report is store-wide "
            f"(not split for till {report.store_wide_snapshot})"
        )
    else:
        lines.append("all tills")
    if report.closing is None:
        lines.append(f"open: figures as of {report.drawn_at:%Y-%m-%d %H:%M} UTC")
    else:
        c = report.closing
        lines.append(f"closed {c.closed_at:%Y-%m-%d %H:%M} UTC by {c.manager} ({c.terminal_id})")
        if not report.intact:
            lines.append("WARNING: the stored report no longer matches its journaled digest")
    lines.append(_reconciliation_line(report))
    if not report.totals:
        lines.append("no payments on this day")
    for t in report.totals:
        lines.append(f"{t.currency}: {t.payments} payments, {t.declined} declined")
        for name in ("authorised", "captured", "refunded", "cancelled", "released", "held"):
            lines.append(f"  {name:<11}{Money(getattr(t, name), t.currency).format():>14}")
        lines.append(f"  {'net':<11}{Money(t.net, t.currency).format():>14}")
    for title, group in (
        ("terminal", report.by_terminal),
        ("operator", report.by_operator),
        ("brand", report.by_brand),
    ):
        for g in group:
            net = Money(g.totals.net, g.totals.currency)
            lines.append(f"{title} {g.name}: {g.totals.payments} payments, net {net}")
    if report.lapsing:
        lines.append(f"{len(report.lapsing)} holds lapse in the next 24 hours:")
        for h in report.lapsing:
            lines.append(
                f"  {h.reference_order_id} {h.amount} until {h.deadline:%Y-%m-%d %H:%M} UTC"
            )
    return "\n".join(lines)


def _pdf(report: Any, target: Path) -> None:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no window: fonts only
    from PySide6.QtWidgets import QApplication

    from posapp.ui.day_report_render import write_pdf

    # a QApplication (not the lighter QGuiApplication): whatever runs next in this process
    # (the till, a self-test) finds the kind of application it needs
    app = QApplication.instance() or QApplication(["posapp"])
    write_pdf(report, target)
    del app


def _reconciliation_line(report: DayReport) -> str:
    state = report.reconciliation
    line = f"reconciliation: {state.status.value.replace('_', ' ')}"
    if state.files == 0 and state.matched == 0 and state.discrepancies == 0:
        return line
    line += f" ({state.files} file(s), {state.matched} lines matched, "
    line += f"{state.discrepancies} discrepancies"
    if state.kinds:
        line += ": " + ", ".join(f"{kind.lower().replace('_', ' ')} {n}" for kind, n in state.kinds)
    return line + ")"
