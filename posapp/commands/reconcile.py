"""`posapp reconcile FILE…`: import Antom's transaction / settlement reports into the journal.

The command line has no Antom client, and a report file is not signed: a line saying that a
payment, capture, refund or cancel still open here went through moves nothing. It is kept as
an UNCONFIRMED discrepancy ("file says X, not confirmed by Antom"), and the manager is told to
import the file again in the till (Orders > Reconcile with Antom...), which asks Antom.

Exit status: 0 every line matched, 1 discrepancies still open (one line each on stdout; the
unconfirmed lines among them), 2 bad input (a file that cannot be read, with its line and
column; no journal; nothing imported).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posapp.cli import UsageError

if TYPE_CHECKING:
    from posapp.core.journal.reconciliation import Discrepancy


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "reconcile",
        help="check Antom's transaction and settlement reports against the journal",
        description="Import Antom's transaction details and settlement details files (CSV, "
        "UTF-8, ending with <END>) into the journal: every line is matched to a payment, "
        "capture, refund or cancel; every difference is listed and kept in the journal. A "
        "report is not signed, so it never settles anything by itself: a line about a payment "
        "still being settled is kept as 'not confirmed by Antom' until the file is imported "
        "again in the till (Orders > Reconcile with Antom), which asks Antom. Importing a file "
        "twice changes nothing else. Exit status: 0 everything matches, 1 open discrepancies "
        "(one line each), 2 bad input (the file, line and column are named; nothing is "
        "imported).",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="report files")
    parser.set_defaults(func=run)


def describe(item: Discrepancy) -> str:
    """One discrepancy as one line (English; the Reconciliation view words it per locale)."""
    from posapp.core.journal.reconciliation import DiscrepancyKind as K

    where = f"{item.file_name}:{item.line}" if item.line else item.file_name
    ids = item.request_id or item.transaction_id or "?"
    what = {
        K.ONLY_AT_ANTOM: f"at Antom, not in posapp: {item.transaction_type} {ids}",
        K.ONLY_IN_POSAPP: f"in posapp, not at Antom: payment {ids}",
        K.AMOUNT: f"amount differs for {item.transaction_type} {ids}: posapp {item.ours}, "
        f"Antom {item.antom} (minor units, {item.currency})",
        K.CURRENCY: f"currency differs for {item.transaction_type} {ids}: posapp {item.ours}, "
        f"Antom {item.antom}",
        K.STATUS: f"status differs for {item.transaction_type} {ids}: posapp {item.ours}, "
        f"Antom {item.antom}",
        K.DUPLICATE: f"more than one payment for order {item.reference_order_id}: {ids}",
        K.UNCONFIRMED: f"file says {item.transaction_type} {ids} is {item.antom}, not "
        f"confirmed by Antom (posapp keeps it {item.ours})",
    }[item.kind]
    return f"{where}: {what}"


def run(args: argparse.Namespace) -> int:
    from posapp.config import ConfigError, Environment, load_settings
    from posapp.core.antom.reports import ReportError
    from posapp.core.clock import SystemClock
    from posapp.core.journal.errors import JournalError
    from posapp.core.journal.reconciliation import ItemFilter
    from posapp.core.journal.repository import JournalRepository
    from posapp.core.services.install_key import (
        JournalKeyUnavailable,
        load_or_create_journal_key,
    )
    from posapp.core.services.reconcile import Reconciler
    from posapp.core.services.settle import Settler
    from posapp.paths import app_dirs

    dirs = app_dirs(getattr(args, "data_dir", None))
    if not dirs.journal.is_file():
        raise UsageError(f"there is no journal at {dirs.journal}")
    try:
        settings = load_settings(dirs.settings_file)
    except (ConfigError, OSError, ValueError) as exc:
        raise UsageError(f"the settings cannot be read: {exc}") from None
    for path in args.files:
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
    try:
        key = load_or_create_journal_key(
            training=settings.environment is Environment.TRAINING,
            data_dir=dirs.data,
            create=False,
        )
    except JournalKeyUnavailable as exc:
        print(f"posapp: {exc.message}", file=sys.stderr)
        return 2
    clock = SystemClock()
    try:
        repo = JournalRepository.open(dirs.journal, clock=clock, create=False, key=key)
    except JournalError as exc:
        print(f"posapp: {exc}", file=sys.stderr)
        return 2
    try:
        currency = settings.settlement_currency or settings.currency
        reconciler = Reconciler(
            repo,
            Settler(repo, None, clock, settings.terminal_id),
            clock,
            currencies=frozenset({currency}),
            operator="reconcile",
            terminal_id=settings.terminal_id,
        )
        try:
            result = reconciler.import_files(args.files)
        except ReportError as exc:
            print(f"posapp: {exc}; nothing was imported", file=sys.stderr)
            return 2
        for file in result.files:
            record = file.record
            state = "imported before, unchanged" if file.already_imported else "imported"
            print(
                f"{file.path}: {state}: {record.lines} lines, {record.matched} matched, "
                f"{record.settled} settled, {record.discrepancies} discrepancies "
                f"({file.open} open)",
                file=sys.stderr,
            )
            if file.unknown_columns:
                print(
                    f"{file.path}: columns not known to posapp, ignored: "
                    f"{', '.join(file.unknown_columns)[:200]}",
                    file=sys.stderr,
                )
            where = ItemFilter(file=record.id, resolved=False)
            for item in reconciler.store.iter_items(where):
                print(describe(item))
        if result.unconfirmed:
            print(
                f"posapp: {result.unconfirmed} line(s) say a payment still open here was "
                "settled, and Antom was not asked (report files are not signed): nothing was "
                "changed. Import the file again in posapp (Orders > Reconcile with Antom) while "
                "the till is online, so that Antom's answer decides.",
                file=sys.stderr,
            )
        return 1 if result.discrepancies else 0
    finally:
        repo.close()
