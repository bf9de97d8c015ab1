"""`posapp journal verify|export|migrate`: check the audit chain, export payments for
accountants, move a till's journal into the store's PostgreSQL database."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from posapp.cli import UsageError, folder_arg, needs_action
from posapp.paths import UnsafeTarget, atomic_text_file, check_target


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "journal",
        help="check, export or move the payment journal",
        description="Check the payment journal's audit chain, export payments to CSV, or "
        "copy a till's journal into the store's PostgreSQL database.",
    )
    jsub = parser.add_subparsers(dest="journal_command", metavar="ACTION")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        dest="journal_data_dir",
        type=folder_arg,
        metavar="DIR",
        help="the data folder holding journal.sqlite3 (default: the per-user folder)",
    )
    verify = jsub.add_parser(
        "verify",
        parents=[common],
        help="check the keyed audit chain, the database and every state row; exit 1 naming "
        "the first bad row",
        description="Check the journal's audit chain (HMAC-SHA256 under this install's "
        "journal key), the database, and that every payment, capture and refund row is what "
        "its audit events produced. Exit status: 0 intact and authentic, 1 edited, damaged or "
        "unreadable (the first bad row is named), 2 no journal there, 3 consistent but its "
        "authenticity cannot be checked (this install's journal key is not available).",
    )
    verify.set_defaults(func=run_verify)
    export = jsub.add_parser(
        "export",
        parents=[common],
        help="write payments to a CSV file (card data limited to brand and last 4)",
        description="Write one CSV row per payment (amounts in major units, times in UTC, "
        "card brand and last 4 only), optionally limited to the days they were created.",
    )
    export.add_argument(
        "--csv",
        dest="csv_file",
        type=_csv_path,
        required=True,
        metavar="FILE",
        help="the CSV file to write (replaced if it exists; - writes to standard output)",
    )
    export.add_argument(
        "--from", dest="date_from", metavar="DATE", help="first day (YYYY-MM-DD, UTC), inclusive"
    )
    export.add_argument(
        "--to", dest="date_to", metavar="DATE", help="last day (YYYY-MM-DD, UTC), inclusive"
    )
    export.set_defaults(func=run_export)
    migrate = jsub.add_parser(
        "migrate",
        parents=[common],
        help="copy this till's journal into the store's PostgreSQL database (verified, "
        "resumable, never twice)",
        description="Copy an SQLite journal (--journal FILE, else the data folder's) into "
        "the PostgreSQL database --to names: every table, ids kept, in committed batches (a "
        "copy that stops half-way goes on where it stopped when run again), then compared "
        "table by table (rows and digest) and verified like `journal verify`. The source is "
        "only read. A database that already holds a journal or a finished copy is refused. "
        "Exit status: 0 copied and verified, 1 the copy stopped or does not match, 2 refused "
        "or bad input.",
    )
    migrate.add_argument(
        "--to",
        dest="copy_to",
        required=True,
        metavar="URL",
        help="the store's database: postgresql://user@host/database (password in the "
        "system keyring, never in the URL)",
    )
    migrate.add_argument(
        "--batch-rows",
        dest="batch_rows",
        type=_positive,
        default=5000,
        metavar="N",
        help="rows per committed batch (default 5000)",
    )
    migrate.set_defaults(func=run_migrate)
    needs_action(parser, jsub)


def _payments(count: int) -> str:
    return f"{count} payment" if count == 1 else f"{count} payments"


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 1_000_000:
        raise argparse.ArgumentTypeError("give a number from 1 to 1000000")
    return value


def _csv_path(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("give a file name (or - for standard output)")
    return Path(text)


def _journal_path(args: argparse.Namespace) -> Path:
    from posapp.paths import app_dirs

    data_dir = getattr(args, "journal_data_dir", None) or getattr(args, "data_dir", None)
    return app_dirs(data_dir).journal


def _location(args: argparse.Namespace) -> Any:
    """The journal to look at (``--journal``, else the data folder's file); a file that is
    not there is bad input (exit 2)."""
    from posapp.core.journal.location import LocationError, resolve

    try:
        location = resolve(getattr(args, "journal", None), _journal_path(args))
    except LocationError as exc:
        raise UsageError(f"--journal: {exc}") from None
    if location.path is not None and not location.path.is_file():
        raise UsageError(f"there is no journal at {location.path}")
    return location


def parse_date(text: str, option: str, *, end: bool = False) -> datetime:
    """YYYY-MM-DD (a UTC day) or an ISO date-time with offset; ``end`` moves a bare day
    to the start of the next day, so ``--to`` includes that whole day."""
    raw = text.strip()
    try:
        if len(raw) == 10:
            day = datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC)
            return day + timedelta(days=1) if end else day
        moment = datetime.fromisoformat(raw)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        # in UTC now, so that an offset at the calendar's edge fails here, not later
        return moment.astimezone(UTC)
    except OverflowError:
        raise UsageError(f"{option}: {text!r} is out of range") from None
    except ValueError:
        raise UsageError(f"{option}: {text!r} is not a date (use YYYY-MM-DD)") from None


def _open(args: argparse.Namespace) -> Any:
    from posapp.core.journal.location import keyring_password
    from posapp.core.journal.repository import JournalRepository

    return JournalRepository.open(_location(args), read_only=True, password=keyring_password)


def _unreadable(path: Path, exc: Exception) -> int:
    print(
        f"posapp: the journal at {path} cannot be read ({exc}): it is damaged or not a "
        "posapp journal; restore it from a backup",
        file=sys.stderr,
    )
    return 1


def run_verify(args: argparse.Namespace) -> int:
    import sqlite3

    from posapp.core.journal.errors import JournalError
    from posapp.core.journal.location import keyring_password, open_store
    from posapp.core.journal.repository import JournalRepository

    location = _location(args)
    path = location.path or Path(location.describe())
    key, why = _journal_key(args)
    try:
        store = open_store(location, read_only=True, password=keyring_password)
        repo = JournalRepository(store, key=key)
        try:
            result = repo.verify()
        finally:
            repo.close()
    except JournalError as exc:
        print(f"posapp: {exc.user_message} ({exc})", file=sys.stderr)
        return 1
    except sqlite3.DatabaseError as exc:
        return _unreadable(path, exc)
    if result.ok and not result.authentic:
        print(f"{result.summary()} ({why})", file=sys.stderr)
        return NOT_AUTHENTICATED
    print(result.summary(), file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1


NOT_AUTHENTICATED = 3  # `journal verify`: consistent, but no key to check authenticity


def _journal_key(args: argparse.Namespace) -> tuple[Any, str]:
    """This install's journal key for the data dir's environment (never made up here), or
    None and why not."""
    from posapp.config import ConfigError, Environment, load_settings
    from posapp.core.services.install_key import (
        JournalKeyUnavailable,
        load_or_create_journal_key,
    )
    from posapp.paths import app_dirs

    data_dir = getattr(args, "journal_data_dir", None) or getattr(args, "data_dir", None)
    dirs = app_dirs(data_dir)
    try:
        settings = load_settings(dirs.settings_file)
    except (ConfigError, OSError, ValueError) as exc:
        return None, f"the settings cannot be read: {exc}"
    training = settings.environment is Environment.TRAINING
    try:
        key = load_or_create_journal_key(training=training, data_dir=dirs.data, create=False)
    except JournalKeyUnavailable as exc:
        return None, str(exc.message)
    if key is None:
        where = f"{dirs.data} has no training journal.key" if training else "the keyring has none"
        return None, f"no journal key: {where}"
    return key, ""


def run_export(args: argparse.Namespace) -> int:
    import sqlite3

    from posapp.core.journal.errors import JournalError
    from posapp.core.journal.export import ACCOUNTS_COLUMNS, write_csv

    start = parse_date(args.date_from, "--from") if args.date_from else None
    stop = parse_date(args.date_to, "--to", end=True) if args.date_to else None
    if start and stop and start >= stop:
        raise UsageError("--from must be on or before --to")
    to_stdout = str(args.csv_file) == "-"
    target: Path = args.csv_file.expanduser()
    if not to_stdout:
        if target.is_dir():
            raise UsageError(f"--csv: {target} is a folder; give a file name")
        if not target.parent.is_dir():
            raise UsageError(f"--csv: the folder {target.parent} does not exist")
        try:
            check_target(target)
        except UnsafeTarget as exc:
            raise UsageError(f"--csv: {exc.message}") from None
    try:
        repo = _open(args)
    except JournalError as exc:
        print(f"posapp: {exc.user_message} ({exc})", file=sys.stderr)
        return 1
    except sqlite3.DatabaseError as exc:
        return _unreadable(_journal_path(args), exc)
    try:
        rows = repo.export_payments(created_from=start, created_to=stop)
        if to_stdout:
            try:
                count = write_csv(sys.stdout, rows, ACCOUNTS_COLUMNS)
                sys.stdout.flush()
            except BrokenPipeError:  # `... --csv - | head`: the reader has had enough
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                return 1
            print(f"exported {_payments(count)}", file=sys.stderr)
            return 0
        # beside the target, then renamed: a failed export never leaves half a file
        with atomic_text_file(target) as fh:
            count = write_csv(fh, rows, ACCOUNTS_COLUMNS)
    except JournalError as exc:
        print(f"posapp: {exc.user_message} ({exc})", file=sys.stderr)
        return 1
    except sqlite3.DatabaseError as exc:
        return _unreadable(_journal_path(args), exc)
    except UnsafeTarget as exc:
        raise UsageError(f"--csv: {exc.message}") from None
    except OSError as exc:
        raise UsageError(f"--csv: cannot write {target}: {exc.strerror or exc}") from None
    finally:
        repo.close()
    print(f"exported {_payments(count)} to {target}")
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    """``posapp journal migrate --to URL``: the till's SQLite journal into PostgreSQL."""
    import sqlite3
    import time

    from posapp.core.journal.copy import CopyMismatch, CopyRefused, JournalCopy, open_target
    from posapp.core.journal.db import open_journal
    from posapp.core.journal.errors import JournalError
    from posapp.core.journal.location import LocationError, keyring_password, parse_location

    source = _location(args)
    if source.path is None:
        raise UsageError(
            "--journal names the journal to copy, an SQLite file; the PostgreSQL database "
            "goes in --to"
        )
    try:
        target_location = parse_location(args.copy_to)
    except LocationError as exc:
        raise UsageError(f"--to: {exc}") from None
    if not target_location.is_server:
        raise UsageError("--to: give the store's database as a postgresql://user@host/db URL")
    key, why = _journal_key(args)
    try:
        journal = open_journal(source.path, read_only=True)
    except JournalError as exc:
        raise UsageError(f"cannot copy {source.path}: {exc.message}") from None
    except sqlite3.DatabaseError as exc:
        raise UsageError(f"cannot copy {source.path}: it cannot be read ({exc})") from None
    try:
        try:
            target = open_target(target_location, keyring_password)
        except JournalError as exc:
            raise UsageError(_one_line(exc.message)) from None
        shown: dict[str, float] = {}

        def progress(table: str, rows: int) -> None:
            now = time.monotonic()
            if now - shown.get("at", 0.0) >= 2.0:
                shown["at"] = now
                print(f"posapp: copying {table}: {rows} rows so far", file=sys.stderr)

        try:
            result = JournalCopy(
                journal, target, batch=args.batch_rows, key=key, progress=progress
            ).run()
        except CopyRefused as exc:
            raise UsageError(_one_line(exc.message)) from None
        except CopyMismatch as exc:
            print(f"posapp: {_one_line(exc.message)}", file=sys.stderr)
            return 1
        except JournalError as exc:
            print(
                f"posapp: the copy stopped: {_one_line(exc.message)}; run the same command "
                "again to go on from the last batch",
                file=sys.stderr,
            )
            return 1
        except sqlite3.DatabaseError as exc:
            return _unreadable(source.path, exc)
        finally:
            target.close()
    finally:
        journal.close()
    rate = result.copied_now / result.copy_seconds if result.copy_seconds else 0.0
    resumed = f", resumed: {result.copied_now} copied by this run" if result.resumed else ""
    print(
        f"copied {result.source} to {result.target}: {result.rows} rows in "
        f"{result.seconds:.1f} s (copy {result.copy_seconds:.1f} s, {rate:,.0f} rows/s; "
        f"compare and verify {result.seconds - result.copy_seconds:.1f} s{resumed})"
    )
    counts = ", ".join(f"{t.name} {t.rows}" for t in result.tables if t.rows)
    print(f"rows: {counts or 'none (an empty journal)'}")
    print(f"every table's row count and digest match the source ({len(result.tables)} tables)")
    assert result.verify is not None
    note = "" if result.verify.authentic else f" ({why})"
    print(f"{result.verify.summary()}{note}")
    return 0


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
