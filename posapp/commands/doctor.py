"""`posapp doctor`: check an Antom configuration end to end, one printed step at a time.

The checks are the core's (``posapp.core.services.diagnostics``, which Settings › Test
connection shows too): the merchant private key loads and signs, the Antom public key loads
(and is not the merchant's own key), the gateway answers a signed inquiryPayment for a made-up
paymentRequestId, and that answer's signature verifies. Exit 0 only for a verified answer
that shows the gateway accepted our signature ("order not found" is a pass) and, when the
settings are checked, no setting Antom needs in every payment still missing (exit 2 names it,
after the connection checks).

Values come from the flags; any value not given comes from the settings and the OS keyring.
With no flags in training mode (or no settings at all) the embedded sandbox is started on
loopback and checked instead.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from posapp.core.services.diagnostics import STEPS, Failure
from posapp.core.services.diagnostics import Target as DoctorTarget

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_KEY = 3
EXIT_CONNECT = 4
EXIT_SIGNATURE = 5
EXIT_ANSWER = 6


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "doctor",
        help="check the Antom configuration end to end (keys, gateway, signatures)",
        description="Check keys, the gateway connection and signatures with a harmless "
        "signed inquiryPayment. Flags override the configured values; with nothing "
        "configured the embedded training sandbox is checked.",
        epilog="exit status: 0 verified answer, 2 missing or bad input (also a setting every "
        "payment needs, such as the 3-D Secure return page), 3 unusable key, "
        "4 no connection, 5 bad signature on the answer, 6 the gateway refused the request",
    )
    parser.add_argument("--gateway", metavar="URL", help="gateway base URL")
    parser.add_argument("--client-id", metavar="ID", help="Antom client id")
    parser.add_argument(
        "--private-key", type=Path, metavar="FILE", help="merchant private key (PEM or Base64)"
    )
    parser.add_argument(
        "--antom-public-key", type=Path, metavar="FILE", help="Antom public key (PEM or Base64)"
    )
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=10.0,
        metavar="S",
        help="seconds to wait for the gateway, 0.1 to 600 (default 10)",
    )
    parser.set_defaults(func=run)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0.1 <= value <= 600:  # also refuses nan and inf, which the socket layer chokes on
        raise argparse.ArgumentTypeError(f"{text} is not between 0.1 and 600 seconds")
    return value


_EXIT = {
    Failure.INPUT: EXIT_USAGE,
    Failure.KEY: EXIT_KEY,
    Failure.CONNECT: EXIT_CONNECT,
    Failure.SIGNATURE: EXIT_SIGNATURE,
    Failure.ANSWER: EXIT_ANSWER,
}


class DoctorFailure(Exception):
    def __init__(self, code: int, line: str) -> None:
        super().__init__(line)
        self.code = code
        self.line = line


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr

    def say(text: str) -> None:
        print(text, file=out, flush=True)

    data_dir = getattr(args, "data_dir", None)
    if data_dir is not None:
        from posapp.paths import check_data_dir

        # a typo must not pass for "nothing configured" and check the training sandbox
        check_data_dir(data_dir, may_create=False)
    try:
        with _target(args, say) as target:
            for line in target.missing:
                say(f"settings: MISSING: {line}")
            check_connection(target, args.timeout, say)
            if target.missing:
                raise DoctorFailure(EXIT_USAGE, "; ".join(target.missing))
    except DoctorFailure as exc:
        print(f"posapp doctor: FAILED: {exc.line}", file=err)
        return exc.code
    say("posapp doctor: OK: the gateway answered and its signature verified")
    return EXIT_OK


@contextmanager
def _target(args: argparse.Namespace, say: Callable[[str], None]) -> Iterator[DoctorTarget]:
    given = [args.gateway, args.client_id, args.private_key, args.antom_public_key]
    if all(v is None for v in given):
        settings = _settings(args)
        if settings is None or settings.environment.value == "training":
            with _embedded_sandbox(say) as target:
                yield target
            return
        yield _configured(settings, args)
        return
    settings = _settings(args) if any(v is None for v in given) else None
    configured = _configured(settings, args) if settings is not None else None
    missing = [
        flag
        for flag, value, fallback in (
            ("--gateway", args.gateway, configured and configured.gateway),
            ("--client-id", args.client_id, configured and configured.client_id),
            ("--private-key", args.private_key, configured and configured.private_key),
            ("--antom-public-key", args.antom_public_key, configured and configured.public_key),
        )
        if value is None and not fallback
    ]
    if missing:
        raise DoctorFailure(EXIT_USAGE, f"also give {', '.join(missing)} (nothing configured)")
    yield DoctorTarget(
        missing=configured.missing if configured is not None else (),
        source="command line" if configured is None else "command line and settings",
        gateway=args.gateway or (configured.gateway if configured else ""),
        client_id=args.client_id or (configured.client_id if configured else ""),
        private_key=args.private_key or (configured.private_key if configured else ""),
        public_key=args.antom_public_key or (configured.public_key if configured else ""),
        private_name=str(args.private_key) if args.private_key else "the stored private key",
        public_name=str(args.antom_public_key)
        if args.antom_public_key
        else "the stored Antom public key",
    )


def _settings(args: argparse.Namespace) -> Any:
    from posapp.config import ConfigError, load_settings
    from posapp.paths import app_dirs

    dirs = app_dirs(getattr(args, "data_dir", None))
    if not dirs.settings_file.exists():
        return None
    try:
        return load_settings(dirs.settings_file)
    except ConfigError as exc:
        raise DoctorFailure(EXIT_USAGE, f"the settings cannot be used: {exc}") from None


def _configured(settings: Any, args: argparse.Namespace) -> DoctorTarget:
    """Gateway and client id from the settings, keys from the OS keyring (if any)."""
    env = settings.environment.value
    private: str = ""
    public: str = ""
    client_id: str = settings.client_id
    if env != "training" and (args.private_key is None or args.antom_public_key is None):
        try:
            from posapp.core.services.secrets import KeyringSecretStore

            creds = KeyringSecretStore().load(env)
        except Exception as exc:  # noqa: BLE001 - any keyring failure is one line for the user
            raise DoctorFailure(
                EXIT_KEY,
                f"the keys cannot be read from the OS keyring ({exc}); "
                "give --private-key and --antom-public-key",
            ) from None
        if creds is not None:
            private, public = creds.merchant_private_key_pem, creds.antom_public_key_pem
            client_id = client_id or creds.client_id
        elif args.private_key is None and args.antom_public_key is None:
            raise DoctorFailure(
                EXIT_KEY,
                f"no {env} keys are stored: import them with `posapp keys import` "
                "or give --private-key and --antom-public-key",
            )
    return DoctorTarget(
        missing=tuple(problem.message for problem in settings.missing_for_payments()),
        source=f"settings ({env})",
        gateway=settings.gateway if env != "training" else "",
        client_id=client_id,
        private_key=private,
        public_key=public,
        private_name="the stored private key",
        public_name="the stored Antom public key",
    )


@contextmanager
def _embedded_sandbox(say: Callable[[str], None]) -> Iterator[DoctorTarget]:
    try:
        from posapp.sandbox import Sandbox
    except ImportError:
        raise DoctorFailure(
            EXIT_USAGE,
            "nothing is configured and the embedded sandbox is not available; "
            "give --gateway, --client-id, --private-key and --antom-public-key",
        ) from None
    say("no production configuration: checking the embedded training sandbox on loopback")
    with Sandbox() as sandbox:
        yield DoctorTarget(
            source="embedded sandbox",
            gateway=sandbox.base_url,
            client_id=sandbox.client_id,
            private_key=sandbox.merchant_private_key_pem,
            public_key=sandbox.antom_public_key_pem,
            private_name="the sandbox merchant key",
            public_name="the sandbox Antom public key",
        )


def check_connection(target: DoctorTarget, timeout: float, say: Callable[[str], None]) -> None:
    """Print the core's checks for ``target``; the first failing one raises DoctorFailure."""
    from posapp.core.services.diagnostics import StepName
    from posapp.core.services.diagnostics import check_connection as steps_of

    say(f"configuration from {target.source}")
    for step in steps_of(target, timeout):
        if step.name is StepName.SETTINGS:
            continue  # printed by run() before the checks
        number = step.name.number
        if number is not None:
            say(f"[{number}/{STEPS}] {step.text}")
        if step.failure is not None:
            raise DoctorFailure(_EXIT[step.failure], step.detail)
        if step.ok and step.detail:
            prefix = "ok: " if step.name in (StepName.PRIVATE_KEY, StepName.PUBLIC_KEY) else ""
            say(f"      {prefix}{step.detail}")
