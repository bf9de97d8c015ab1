"""Command line: the GUI (default) and the sub-commands.

Each sub-command lives in ``posapp/commands/<name>.py`` with ``register(subparsers)``; those
modules import their heavy dependencies inside ``run`` so that ``posapp --help`` and the GUI
start stay fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from posapp import __version__

COMMANDS = ("sandbox", "doctor", "journal", "keys", "screenshot", "reconcile", "report")


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse with its complaints on one line (and where to look), not usage + error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def needs_action(parser: argparse.ArgumentParser, actions: argparse._SubParsersAction) -> None:
    """A command made of actions (``posapp keys``), typed without one: a one-line reminder
    naming them, exit 2 (not argparse's full help, not a traceback)."""
    names = list(actions.choices)
    listed = f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else names[0]
    command = parser.prog.removeprefix("posapp ")

    def run(_args: argparse.Namespace) -> int:
        raise UsageError(f"{command} needs an action: {listed} (see {parser.prog} --help)")

    parser.set_defaults(func=run)


def folder_arg(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("give a folder name")
    return Path(text)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="posapp",
        description="Point of sale and back office for Antom card payments. "
        "With no command, opens the till (training mode on the embedded sandbox "
        "until production keys are set up).",
    )
    parser.add_argument("--version", action="version", version=f"posapp {__version__}")
    parser.add_argument(
        "--data-dir",
        type=folder_arg,
        metavar="DIR",
        help="keep the journal, settings and logs under DIR instead of the per-user folders",
    )
    parser.add_argument(
        "--journal",
        metavar="URL",
        help="the payment journal: a postgresql://user@host/database URL shared by the "
        "store's tills (password in the system keyring), or an SQLite file (default: "
        "journal.sqlite3 in the data folder)",
    )
    parser.add_argument(
        "--role",
        choices=["till", "back-office"],
        help="what this station is for (default: the settings' role, else till): "
        "back-office keys no card payments and works on every till's payments",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="run a training payment end to end, print one result line and exit",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="how much goes to the log file (default INFO; card data is always redacted)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name in COMMANDS:
        importlib.import_module(f"posapp.commands.{name}").register(sub)
    for command in sub.choices.values():
        _accept_data_dir(command)
    return parser


def _accept_data_dir(parser: argparse.ArgumentParser) -> None:
    """Let ``--data-dir`` and ``--journal`` stand after the command too (``posapp
    screenshot --data-dir D``).

    SUPPRESS keeps the global value when the command-level option is not given.
    """
    children = [
        action.choices
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
    ]
    if children:
        for choices in children:
            for child in choices.values():
                _accept_data_dir(child)
        return
    if "--data-dir" not in parser._option_string_actions:
        parser.add_argument(
            "--data-dir",
            type=folder_arg,
            metavar="DIR",
            default=argparse.SUPPRESS,
            help="as the global --data-dir",
        )
    if "--journal" not in parser._option_string_actions:
        parser.add_argument(
            "--journal", metavar="URL", default=argparse.SUPPRESS, help="as the global --journal"
        )


def _no_display() -> str | None:
    """Why the GUI cannot open a window here, or None. Qt would abort with a core dump."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display to open the till on (DISPLAY is not set): start posapp from a desktop "
        "session, or check an install without one with `posapp --self-test`"
    )


def main(argv: Sequence[str] | None = None) -> int:
    if getattr(sys, "frozen", False):
        # a PyInstaller build starts the sandbox's further processes (`posapp sandbox
        # --processes N`) as itself: this turns such a start into that process's work
        import multiprocessing

        multiprocessing.freeze_support()
    if os.name == "posix":
        # journal, logs, settings, sandbox state, exports: readable by this user only
        os.umask(0o077)
    parser = build_parser()
    args = parser.parse_args(argv)
    from posapp.paths import DataDirError

    try:
        if args.self_test:
            if args.command is not None:
                raise UsageError(f"--self-test runs on its own, not with `{args.command}`")
            from posapp.commands import selftest

            return selftest.run(args)
        if args.command is None:
            reason = _no_display()
            if reason is not None:
                raise UsageError(reason)
            from posapp.app import run_gui

            return run_gui(args)
        return int(args.func(args))
    except UsageError as exc:
        print(f"posapp: {exc}", file=sys.stderr)
        return 2
    except DataDirError as exc:
        print(f"posapp: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
