"""`posapp keys`: put Antom credentials into the OS keyring, show or remove them; manager PIN.

    posapp keys import --private-key FILE --antom-public-key FILE --client-id ID
                       [--environment sandbox|production]
    posapp keys status
    posapp keys delete --environment sandbox|production
    posapp keys set-pin            (reads the new PIN, and the current one, from stdin/tty)

The key pair is validated (load, sign, verify) before anything is stored.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from posapp.cli import UsageError, needs_action


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "keys",
        help="import the Antom keys into the system keyring; manager PIN",
        description="Antom credentials live in the system keyring, one set per environment.",
    )
    keys_sub = parser.add_subparsers(dest="keys_command", metavar="ACTION")
    imp = keys_sub.add_parser("import", help="validate and store a client id and key pair")
    imp.add_argument(
        "--private-key",
        type=Path,
        required=True,
        metavar="FILE",
        help="the merchant private key (PEM or Base64, PKCS#1 or PKCS#8)",
    )
    imp.add_argument(
        "--antom-public-key",
        type=Path,
        required=True,
        metavar="FILE",
        help="the Antom public key from the Antom dashboard",
    )
    imp.add_argument("--client-id", required=True, metavar="ID")
    imp.add_argument(
        "--environment",
        choices=["sandbox", "production"],
        default=None,
        help="default: sandbox for a SANDBOX_ client id, else production",
    )
    imp.set_defaults(func=run_import)
    status = keys_sub.add_parser("status", help="show which credentials are stored")
    status.set_defaults(func=run_status)
    delete = keys_sub.add_parser("delete", help="remove stored credentials")
    delete.add_argument("--environment", choices=["sandbox", "production"], required=True)
    delete.set_defaults(func=run_delete)
    pin = keys_sub.add_parser("set-pin", help="set or change the manager PIN")
    pin.set_defaults(func=run_set_pin)
    needs_action(parser, keys_sub)


def _read_text(path: Path, what: str) -> str:
    from posapp.core.antom.errors import KeyFileTooLargeError
    from posapp.core.antom.signing import read_key_file

    try:
        data = read_key_file(path)
    except KeyFileTooLargeError:
        raise UsageError(f"{what}: {path} is larger than 64 KiB, not a key file") from None
    except FileNotFoundError:
        raise UsageError(f"{what}: {path} does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"{what}: {path} is a folder, not a key file") from None
    except OSError as exc:
        raise UsageError(f"{what}: cannot read {path} ({exc.strerror})") from None
    try:
        return data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise UsageError(f"{what}: {path} is not a text key (PEM or Base64 expected)") from None


def run_import(args: argparse.Namespace) -> int:
    from posapp.core.services.secrets import (
        Credentials,
        CredentialsError,
        KeyringSecretStore,
        SecretStoreError,
        validate_credentials,
    )

    client_id = args.client_id.strip()
    environment = args.environment or (
        "sandbox" if client_id.startswith("SANDBOX_") else "production"
    )
    if environment == "production" and client_id.startswith("SANDBOX_"):
        raise UsageError("a SANDBOX_ client id cannot be used for production")
    if environment == "sandbox" and not client_id.startswith("SANDBOX_"):
        raise UsageError("Antom sandbox client ids start with SANDBOX_")
    private = _read_text(args.private_key, "--private-key")
    public = _read_text(args.antom_public_key, "--antom-public-key")
    try:
        validate_credentials(client_id, private, public)
    except CredentialsError as exc:
        raise UsageError(f"the keys were not stored: {exc}") from None
    store = KeyringSecretStore()
    try:
        store.save(environment, Credentials(client_id, private, public))
    except SecretStoreError as exc:
        raise UsageError(f"the keys were not stored: {exc}") from None
    print(f"posapp: stored the {environment} keys for client id {client_id} in the system keyring")
    return 0


def run_status(args: argparse.Namespace) -> int:
    from posapp.core.services.secrets import (
        ENVIRONMENTS,
        KeyringSecretStore,
        SecretStoreError,
    )

    store = KeyringSecretStore()
    print(f"keyring: {store.describe()}")
    for env in ENVIRONMENTS:
        try:
            creds = store.load(env)
        except SecretStoreError as exc:
            print(f"{env}: {exc}")
            continue
        print(f"{env}: " + (f"client id {creds.client_id}" if creds else "no keys stored"))
    return 0


def run_delete(args: argparse.Namespace) -> int:
    from posapp.core.services.secrets import KeyringSecretStore, SecretStoreError

    store = KeyringSecretStore()
    try:
        if store.load(args.environment) is None:
            print(f"posapp: no {args.environment} keys are stored; nothing to remove")
            return 0
        store.delete(args.environment)
    except SecretStoreError as exc:
        raise UsageError(str(exc)) from None
    print(f"posapp: removed the {args.environment} keys from the system keyring")
    return 0


def _ask(prompt: str) -> str:
    if sys.stdin.isatty():
        try:
            return getpass.getpass(prompt)
        except EOFError:
            raise UsageError("no PIN was entered; nothing was changed") from None
    line = sys.stdin.readline()
    if not line:
        raise UsageError(
            f"no PIN on standard input ({prompt.strip().rstrip(':')}); nothing was changed"
        )
    return line.rstrip("\r\n")


def run_set_pin(args: argparse.Namespace) -> int:
    from posapp.core.services.pin import PIN_FILE, PinError, PinManager
    from posapp.paths import app_dirs

    dirs = app_dirs(args.data_dir).create()
    pins = PinManager(dirs.config / PIN_FILE)
    current = _ask("Current manager PIN: ") if pins.is_set() else None
    new = _ask("New manager PIN (4-8 digits): ")
    again = _ask("New PIN again: ")
    if new != again:
        raise UsageError("the two new PINs differ; nothing was changed")
    try:
        pins.set_pin(new, current)
    except PinError as exc:
        raise UsageError(exc.message) from None
    print("posapp: the manager PIN is set")
    return 0
