"""Antom credentials per environment, kept in the OS keyring and nowhere else.

``SecretStore`` is what the rest of the app sees: ``load`` / ``save`` / ``delete`` of one
``Credentials`` (client id, merchant private key, Antom public key) per environment.
``KeyringSecretStore`` keeps them in the OS keyring (Secret Service, Windows Credential
Manager, macOS Keychain); ``MemorySecretStore`` is for tests. There is no plaintext fallback:
with no usable keyring, ``KeyringSecretStore`` raises ``SecretStoreUnavailable`` with a message
that tells the user what is missing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

from posapp.core.antom import signing
from posapp.core.antom.errors import KeyFormatError
from posapp.core.usertext import UserText

SERVICE_PREFIX = "posapp"
# keyring entries per environment (service "posapp/<environment>")
_CLIENT_ID = "client_id"
_PRIVATE_KEY = "merchant_private_key"
_PUBLIC_KEY = "antom_public_key"
ENVIRONMENTS = ("sandbox", "production")
_PIN_SERVICE = "pin"  # service "posapp/pin": the manager PIN record per till
# per-install secrets (not per environment) live under service "posapp/install"
INSTALL_SERVICE = "install"


class SecretStoreError(Exception):
    """A secret could not be read or written; the message is fit for a user."""


class SecretStoreUnavailable(SecretStoreError):
    """No usable OS keyring: production and sandbox modes refuse to start."""


class CredentialsError(ValueError):
    """Credentials that cannot work (bad key, mismatched pair, bad client id); one line."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """What Antom needs to talk to one merchant account. ``repr`` hides the private key."""

    client_id: str
    merchant_private_key_pem: str = field(repr=False)
    antom_public_key_pem: str

    def check(self) -> None:
        """CredentialsError unless the keys load and sign + verify with each other."""
        validate_credentials(
            self.client_id, self.merchant_private_key_pem, self.antom_public_key_pem
        )


def validate_credentials(
    client_id: str, private_key_pem: str | bytes, antom_public_key_pem: str | bytes
) -> None:
    """Check the material before it is stored.

    The merchant private key must load and produce a signature that its own public half
    verifies (sign + verify through posapp.core.antom.signing). The Antom public key is a
    different key pair (Antom's own); it must load as a 2048-bit RSA public key and must not
    be the merchant's own public key, the most common copy-paste mistake.
    """
    cid = client_id.strip()
    if not cid:
        raise CredentialsError(UserText("credentials.client_id_empty", "the client id is empty"))
    if len(cid) > 64 or not cid.isprintable() or " " in cid:
        raise CredentialsError(
            UserText(
                "credentials.client_id_format",
                "the client id must be 1 to 64 characters without spaces",
            )
        )
    try:
        private = signing.load_private_key(private_key_pem, "the merchant private key")
        public = signing.load_public_key(antom_public_key_pem, "the Antom public key")
    except KeyFormatError as exc:
        raise CredentialsError(exc.message) from None
    probe = signing.content_to_sign(
        "POST", "/ams/api/v1/payments/inquiryPayment", cid, "0", b'{"probe":"posapp"}'
    )
    signature = signing.sign(private, probe)
    if not signing.verify(private.public_key(), probe, signature):
        raise CredentialsError(
            UserText(
                "credentials.cannot_sign",
                "the merchant private key cannot produce a valid signature",
            )
        )
    if signing.keys_match(private, public):
        raise CredentialsError(
            UserText(
                "credentials.own_public_key",
                "the Antom public key is the merchant's own public key; "
                "use the Antom public key shown in the Antom dashboard",
            )
        )


class SecretStore(Protocol):
    """Credentials per environment ("sandbox" or "production")."""

    def load(self, environment: str) -> Credentials | None:
        """The stored credentials, or None when none are stored."""
        ...

    def save(self, environment: str, credentials: Credentials) -> None: ...

    def delete(self, environment: str) -> None: ...

    def describe(self) -> str:
        """Where secrets live, for the settings screen and `posapp doctor`."""
        ...

    # The manager PIN record (posapp.core.services.pin): one JSON text per till name.
    def load_pin_record(self, name: str) -> str | None: ...

    def save_pin_record(self, name: str, text: str) -> None: ...

    def delete_pin_record(self, name: str) -> None: ...
    def load_install_secret(self, name: str) -> str | None:
        """A per-install secret (the journal key), or None when none is stored."""
        ...

    def save_install_secret(self, name: str, value: str) -> None: ...


def _check_environment(environment: str) -> str:
    env = str(environment)
    if env not in ENVIRONMENTS:
        raise SecretStoreError(f"no credentials are kept for the {env!r} environment")
    return env


class MemorySecretStore:
    """A SecretStore in memory: for tests and for training mode."""

    def __init__(self) -> None:
        self._items: dict[str, Credentials] = {}
        self._pins: dict[str, str] = {}
        self._install: dict[str, str] = {}
        self._lock = threading.Lock()

    def load_install_secret(self, name: str) -> str | None:
        with self._lock:
            return self._install.get(name)

    def save_install_secret(self, name: str, value: str) -> None:
        with self._lock:
            self._install[name] = value

    def load(self, environment: str) -> Credentials | None:
        with self._lock:
            return self._items.get(_check_environment(environment))

    def save(self, environment: str, credentials: Credentials) -> None:
        with self._lock:
            self._items[_check_environment(environment)] = credentials

    def delete(self, environment: str) -> None:
        with self._lock:
            self._items.pop(_check_environment(environment), None)

    def describe(self) -> str:
        return "memory (not persisted)"

    def load_pin_record(self, name: str) -> str | None:
        with self._lock:
            return self._pins.get(name)

    def save_pin_record(self, name: str, text: str) -> None:
        with self._lock:
            self._pins[name] = text

    def delete_pin_record(self, name: str) -> None:
        with self._lock:
            self._pins.pop(name, None)


class KeyringSecretStore:
    """A SecretStore over the ``keyring`` package: one service per environment.

    ``backend`` may be passed (tests); by default the OS keyring that ``keyring`` selects.
    A backend with priority below 1 (the "fail" and "null" backends, or a plaintext one)
    is refused: keys never land in a file.
    """

    def __init__(self, backend: Any | None = None, *, service_prefix: str = SERVICE_PREFIX) -> None:
        self._backend = backend
        self._prefix = service_prefix

    def _keyring(self) -> Any:
        if self._backend is not None:
            return self._backend
        try:
            import keyring
            from keyring.errors import KeyringError
        except ImportError:  # pragma: no cover - keyring is a hard dependency
            raise SecretStoreUnavailable("the keyring package is not installed") from None
        try:
            backend = keyring.get_keyring()
        except KeyringError as exc:
            raise SecretStoreUnavailable(f"the system keyring cannot be used: {exc}") from None
        self._check_backend(backend)
        self._backend = backend
        return backend

    @staticmethod
    def _check_backend(backend: Any) -> None:
        name = f"{type(backend).__module__}.{type(backend).__name__}"
        lowered = name.lower()
        priority = getattr(backend, "priority", 0)
        try:
            priority = float(priority)
        except (TypeError, ValueError):
            priority = 0.0
        if "fail" in lowered or "null" in lowered or priority < 1:
            raise SecretStoreUnavailable(
                "no system keyring is available (on Linux start gnome-keyring or KWallet "
                "and unlock it); the Antom keys are never stored in a plain file"
            )
        if "plaintext" in lowered or "keyrings.alt" in lowered:
            raise SecretStoreUnavailable(
                f"the keyring backend {name} stores secrets in plain text; refusing to use it"
            )

    def usable(self) -> bool:
        try:
            self._keyring()
        except SecretStoreUnavailable:
            return False
        return True

    def _service(self, environment: str) -> str:
        return f"{self._prefix}/{_check_environment(environment)}"

    def _get(self, service: str, name: str) -> str | None:
        backend = self._keyring()
        try:
            value = backend.get_password(service, name)
        except Exception as exc:  # noqa: BLE001 - every backend error means "not usable"
            raise SecretStoreUnavailable(
                f"the system keyring could not be read ({type(exc).__name__}: {exc}); is it locked?"
            ) from None
        return value if isinstance(value, str) else None

    def load_install_secret(self, name: str) -> str | None:
        return self._get(f"{self._prefix}/{INSTALL_SERVICE}", name)

    def _set(self, service: str, name: str, value: str, what: str) -> None:
        backend = self._keyring()
        try:
            backend.set_password(service, name, value)
        except Exception as exc:  # noqa: BLE001 - every backend error means "not usable"
            raise SecretStoreUnavailable(
                f"the system keyring refused to store {what} ({type(exc).__name__})"
            ) from None

    def save_install_secret(self, name: str, value: str) -> None:
        self._set(f"{self._prefix}/{INSTALL_SERVICE}", name, value, name)

    def load(self, environment: str) -> Credentials | None:
        service = self._service(environment)
        client_id = self._get(service, _CLIENT_ID)
        private = self._get(service, _PRIVATE_KEY)
        public = self._get(service, _PUBLIC_KEY)
        if client_id is None and private is None and public is None:
            return None
        if client_id is None or private is None or public is None:
            raise SecretStoreError(
                f"the {environment} keys in the system keyring are incomplete; "
                "import them again with `posapp keys import`"
            )
        return Credentials(client_id, private, public)

    def save(self, environment: str, credentials: Credentials) -> None:
        service = self._service(environment)
        backend = self._keyring()
        try:
            backend.set_password(service, _CLIENT_ID, credentials.client_id)
            backend.set_password(service, _PRIVATE_KEY, credentials.merchant_private_key_pem)
            backend.set_password(service, _PUBLIC_KEY, credentials.antom_public_key_pem)
        except Exception as exc:  # noqa: BLE001 - every backend error means "not usable"
            raise SecretStoreUnavailable(
                f"the system keyring refused to store the keys ({type(exc).__name__}: {exc})"
            ) from None

    def delete(self, environment: str) -> None:
        service = self._service(environment)
        backend = self._keyring()
        for name in (_CLIENT_ID, _PRIVATE_KEY, _PUBLIC_KEY):
            try:
                backend.delete_password(service, name)
            except Exception as exc:  # noqa: BLE001
                # PasswordDeleteError: nothing stored under that name is fine.
                if "PasswordDelete" not in type(exc).__name__:
                    raise SecretStoreUnavailable(
                        f"the system keyring could not delete the keys ({exc})"
                    ) from None

    # -- the manager PIN record: service "posapp/pin", one entry per till name -----------------
    def load_pin_record(self, name: str) -> str | None:
        return self._get(f"{self._prefix}/{_PIN_SERVICE}", name)

    def save_pin_record(self, name: str, text: str) -> None:
        self._set(f"{self._prefix}/{_PIN_SERVICE}", name, text, "the PIN record")

    def delete_pin_record(self, name: str) -> None:
        backend = self._keyring()
        try:
            backend.delete_password(f"{self._prefix}/{_PIN_SERVICE}", name)
        except Exception as exc:  # noqa: BLE001
            if "PasswordDelete" not in type(exc).__name__:
                raise SecretStoreUnavailable(
                    f"the system keyring could not delete the PIN record ({exc})"
                ) from None

    def describe(self) -> str:
        try:
            backend = self._keyring()
        except SecretStoreUnavailable as exc:
            return f"unavailable: {exc}"
        return f"system keyring ({type(backend).__module__}.{type(backend).__name__})"
