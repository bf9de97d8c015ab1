"""`posapp keys`: put Antom credentials into the OS keyring, show or remove them; manager PIN.

    posapp keys import --private-key FILE --antom-public-key FILE --client-id ID
                       [--environment sandbox|production]
    posapp keys status
    posapp keys delete --environment sandbox|production
    posapp keys set-pin            (reads the new PIN, and the current one, from stdin/tty)
    posapp keys reset-pin --private-key FILE
                                   (the merchant's credentials replace a lost, locked or
                                    damaged PIN; asks the client id and the new PIN)

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
    reset = keys_sub.add_parser(
        "reset-pin",
        help="set a new manager PIN with the merchant's credentials (lost, locked or damaged)",
        description="Outside training this needs the merchant private key file (the one "
        "imported into the keyring, kept off the till) and the merchant's client id; "
        "in training it puts the default PIN back.",
    )
    reset.add_argument(
        "--private-key",
        type=Path,
        metavar="FILE",
        help="the merchant private key (PEM or Base64); required outside training",
    )
    reset.set_defaults(func=run_reset_pin)
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


def _ask(prompt: str, *, hidden: bool = True) -> str:
    """One answer: from the terminal (a PIN without echo), else one line of stdin."""
    what = "PIN" if hidden else "answer"
    if sys.stdin.isatty():
        try:
            return getpass.getpass(prompt) if hidden else input(prompt)
        except EOFError:
            raise UsageError(f"no {what} was entered; nothing was changed") from None
    line = sys.stdin.readline()
    if not line:
        raise UsageError(
            f"no {what} on standard input ({prompt.strip().rstrip(':')}); nothing was changed"
        )
    return line.rstrip("\r\n")


def _till_pins(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """(PinManager, Environment, Credentials or None) for the till of ``--data-dir``."""
    from posapp.app import pin_manager
    from posapp.config import ConfigError, Environment, load_settings
    from posapp.core.services.secrets import KeyringSecretStore, SecretStoreError
    from posapp.paths import app_dirs

    dirs = app_dirs(args.data_dir).create()
    try:
        settings = load_settings(dirs.settings_file)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    store = KeyringSecretStore()
    if settings.environment is Environment.TRAINING:
        return pin_manager(dirs, settings.environment, "", store), settings.environment, None
    env = settings.environment.value
    try:
        creds = store.load(env)
    except SecretStoreError as exc:
        raise UsageError(f"the manager PIN lives in the system keyring: {exc}") from None
    if creds is None:
        raise UsageError(f"no {env} keys are stored: import them first with `posapp keys import`")
    pins = pin_manager(dirs, settings.environment, creds.client_id, store)
    return pins, settings.environment, creds


def _new_pin(minimum: int) -> str:
    new = _ask(f"New manager PIN ({minimum}-12 digits): ")
    again = _ask("New PIN again: ")
    if new != again:
        raise UsageError("the two new PINs differ; nothing was changed")
    return new


def run_set_pin(args: argparse.Namespace) -> int:
    from posapp.core.services.pin import PinError
    from posapp.core.services.secrets import SecretStoreError

    pins, _env, _creds = _till_pins(args)
    try:
        if not pins.uses_default() and not pins.is_set():
            raise UsageError(
                "no usable manager PIN is stored for this till (missing or damaged): approvals "
                "are locked until the merchant sets one with "
                "`posapp keys reset-pin --private-key FILE`"
            )
        current = None if pins.uses_default() else _ask("Current manager PIN: ")
        new = _new_pin(pins.minimum_length)
        pins.set_pin(new, current)
    except PinError as exc:
        raise UsageError(exc.message) from None
    except SecretStoreError as exc:
        raise UsageError(str(exc)) from None
    print("posapp: the manager PIN is set")
    return 0


def run_reset_pin(args: argparse.Namespace) -> int:
    """Outside training: the operator proves the merchant's credentials (the client id typed
    and the merchant private key file, which must sign a fresh challenge that the keyring's
    key pair verifies), then sets a new PIN, whatever state the old record is in."""
    import logging

    from posapp.config import Environment
    from posapp.core.services.pin import PinError, prove_merchant
    from posapp.core.services.secrets import SecretStoreError

    pins, env, creds = _till_pins(args)
    try:
        if env is Environment.TRAINING:
            pins.clear_training_pin()
            print("posapp: training is back on its default manager PIN")
            return 0
        if args.private_key is None:
            raise UsageError("--private-key FILE (the merchant private key) is required")
        private = _read_text(args.private_key, "--private-key")
        client_id = _ask("Merchant client id: ", hidden=False)
        proof = prove_merchant(creds.client_id, creds.merchant_private_key_pem, client_id, private)
        new = _new_pin(pins.minimum_length)
        pins.reset(new, proof)
    except PinError as exc:
        raise UsageError(exc.message) from None
    except SecretStoreError as exc:
        raise UsageError(str(exc)) from None
    logging.getLogger("posapp.pin").warning(
        "manager PIN reset with the merchant credentials of %s", creds.client_id
    )
    print(f"posapp: the manager PIN is reset (merchant {creds.client_id})")
    return 0
