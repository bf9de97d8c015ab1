"""`posapp sandbox`: run the Antom sandbox on its own until Ctrl-C or SIGTERM.

The first line on stdout is the base URL; the state dir keeps keys, payments and the clock.
It listens on loopback unless ``--host`` names another address AND ``--allow-remote`` is
given (with a warning on stderr): the sandbox's pages and admin API are test tooling.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "sandbox",
        help="run the embedded Antom sandbox on its own (prints its base URL first)",
        description="Run the Antom sandbox (a protocol-faithful simulator) until Ctrl-C. "
        "The first line printed is its base URL. Keys, payments and the sandbox clock "
        "are kept in the state dir (created on first start).",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1); one that is not loopback needs "
        "--allow-remote",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host that other machines can reach (the admin API still needs "
        "the state dir's admin token)",
    )
    parser.add_argument("--port", type=int, default=0, help="port (default 0: a free port)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help="keep keys, payments and the clock in DIR (default: the training sandbox's folder)",
    )
    where.add_argument("--in-memory", action="store_true", help="keep nothing on disk")
    parser.add_argument(
        "--processes",
        default="1",
        metavar="N",
        help="serve from N processes sharing the state dir ('auto': one per core; default 1). "
        "Every call costs an RSA signature: more processes use more cores",
    )
    parser.add_argument(
        "--with-parent",
        action="store_true",
        help="stop when stdin reaches its end (the till that started this sandbox closed it "
        "or ended)",
    )
    parser.set_defaults(func=run)


TRAINING_NICENESS = 10  # a till's child sandbox yields the CPU to the till


def run(args: argparse.Namespace) -> int:
    from posapp.cli import UsageError
    from posapp.paths import app_dirs

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: a port is 0 to 65535")
    if args.with_parent and hasattr(os, "nice"):
        # The till's training sandbox is a simulator: when the CPUs are busy the till's GUI
        # thread goes first (bench_ui: stalls with a CPU burner on the other core). Its
        # further processes are forked below and inherit this.
        os.nice(TRAINING_NICENESS)
    remote = not is_loopback(args.host)
    if remote and not args.allow_remote:
        raise UsageError(
            f"--host {args.host!r} is reachable from other machines: "
            "add --allow-remote if that is meant, or use 127.0.0.1"
        )
    if args.in_memory:
        state_dir = None
    elif args.state_dir is not None:
        state_dir = args.state_dir.expanduser()
    else:
        state_dir = app_dirs(getattr(args, "data_dir", None)).sandbox_state
    if state_dir is not None and state_dir.exists() and not state_dir.is_dir():
        raise UsageError(f"--state-dir {state_dir}: not a folder")
    processes = _processes(args.processes)
    if processes > 1 and state_dir is None:
        raise UsageError("--processes: several processes share a state dir; drop --in-memory")

    import sqlite3

    from posapp.core.antom.errors import AntomError
    from posapp.sandbox import Sandbox
    from posapp.sandbox.sandbox import ADMIN_TOKEN_FILE
    from posapp.sandbox.store import StoreUnavailable

    try:
        sandbox = Sandbox(state_dir, host=args.host, port=args.port, processes=processes)
    except StoreUnavailable as exc:  # a full or read-only disk: its one sentence
        raise UsageError(exc.message) from None
    except OSError as exc:  # the state dir: not writable, a file in the way, disk full...
        where = exc.filename or state_dir
        raise UsageError(f"--state-dir: cannot use {where}: {exc.strerror or exc}") from None
    except (ValueError, sqlite3.DatabaseError, AntomError) as exc:
        raise UsageError(f"cannot start the sandbox: {exc}") from None
    try:
        sandbox.start()
    except OSError as exc:
        sandbox.stop()
        raise UsageError(
            f"cannot start the sandbox on {args.host}:{args.port}: {exc.strerror or exc}"
        ) from None
    except RuntimeError as exc:  # a further process did not start
        sandbox.stop()
        raise UsageError(f"cannot start the sandbox: {exc}") from None

    stop = threading.Event()

    def _on_signal(signum: int, _frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    if args.with_parent:
        from posapp.sandbox.process import watch_parent

        # The till decides when it stops: Ctrl-C in the till's terminal reaches this process
        # too, and the till may still be finishing a payment with it.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        watch_parent(stop.set)
    try:
        print(sandbox.base_url, flush=True)
        print(f"client id: {sandbox.client_id}", flush=True)
        if state_dir is not None:
            print(f"state and keys: {state_dir}", flush=True)
            print(f"admin token: in {state_dir / ADMIN_TOKEN_FILE}", flush=True)
        else:  # nowhere else to find it
            print(f"admin token: {sandbox.admin_token}", flush=True)
        if remote:
            print(
                f"posapp sandbox: WARNING: listening on {args.host}, reachable from other "
                "machines (training sandbox: test keys, simulated money)",
                file=sys.stderr,
                flush=True,
            )
        if sandbox.clock_warning:
            print(f"posapp sandbox: WARNING: {sandbox.clock_warning}", file=sys.stderr, flush=True)
        if processes > 1:
            print(f"serving from {processes} processes", flush=True)
        if not args.with_parent:
            print("Ctrl-C stops the sandbox.", file=sys.stderr, flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sandbox.stop()
    return 0


def _processes(text: str) -> int:
    from posapp.cli import UsageError

    if text.strip().lower() == "auto":
        import os

        return max(1, os.cpu_count() or 1)
    if not text.strip().isdigit() or not 1 <= int(text) <= 64:
        raise UsageError(f"--processes {text}: a whole number from 1 to 64, or 'auto'")
    return int(text)


def is_loopback(host: str) -> bool:
    """True for a loopback address or ``localhost``; anything else (``0.0.0.0``, ``::``,
    "" (every interface), a LAN address, another host name) can be reached from outside."""
    import ipaddress

    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
