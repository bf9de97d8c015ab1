"""Command line: the GUI (default) and the sub-commands.

Each sub-command lives in ``posapp/commands/<name>.py`` with ``register(subparsers)``; those
modules import their heavy dependencies inside ``run`` so that ``posapp --help`` and the GUI
start stay fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from posapp import __version__

COMMANDS = ("sandbox", "doctor", "journal", "keys", "screenshot")


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="posapp",
        description="Point of sale and back office for Antom card payments. "
        "With no command, opens the till (training mode on the embedded sandbox "
        "until production keys are set up).",
    )
    parser.add_argument("--version", action="version", version=f"posapp {__version__}")
    parser.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="keep the journal, settings and logs under DIR instead of the per-user folders",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="run a training payment end to end, print one result line and exit",
    )
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name in COMMANDS:
        importlib.import_module(f"posapp.commands.{name}").register(sub)
    for command in sub.choices.values():
        _accept_data_dir(command)
    return parser


def _accept_data_dir(parser: argparse.ArgumentParser) -> None:
    """Let ``--data-dir`` stand after the command too (``posapp screenshot --data-dir D``).

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
            type=Path,
            metavar="DIR",
            default=argparse.SUPPRESS,
            help="as the global --data-dir",
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.self_test:
            from posapp.commands import selftest

            return selftest.run(args)
        if args.command is None:
            from posapp.app import run_gui

            return run_gui(args)
        return int(args.func(args))
    except UsageError as exc:
        print(f"posapp: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
