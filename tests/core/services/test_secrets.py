"""SecretStore: validation of the key pair, the memory store and the real Secret Service."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from posapp.cli import main
from posapp.core.antom import signing
from posapp.core.services.secrets import (
    Credentials,
    CredentialsError,
    KeyringSecretStore,
    MemorySecretStore,
    SecretStoreError,
    SecretStoreUnavailable,
    validate_credentials,
)


@pytest.fixture(scope="module")
def pair() -> tuple[str, str, str]:
    """merchant private PEM, merchant public PEM, a separate 'Antom' public PEM"""
    merchant = signing.generate_private_key()
    antom = signing.generate_private_key()
    return (
        signing.private_key_pkcs1_pem(merchant),
        signing.public_key_spki_pem(merchant.public_key()),
        signing.public_key_spki_pem(antom.public_key()),
    )


def _keys_import(private_key: Path, antom_public_key: Path, *argv_tail: str) -> int:
    """``posapp keys import`` with these key files and further arguments; its exit code."""
    return main(
        [
            "keys",
            "import",
            "--private-key",
            str(private_key),
            "--antom-public-key",
            str(antom_public_key),
            *argv_tail,
        ]
    )


def _written(pair: tuple[str, str, str], folder: Path) -> tuple[Path, Path]:
    """The merchant private key and Antom's public key of ``pair``, as files in ``folder``."""
    (folder / "m.pem").write_text(pair[0])
    (folder / "a.pem").write_text(pair[2])
    return folder / "m.pem", folder / "a.pem"


def test_validate_accepts_a_good_set(pair: tuple[str, str, str]) -> None:
    private, _own_public, antom = pair
    validate_credentials("SANDBOX_5Y0566SG25J004124", private, antom)


@pytest.mark.parametrize(
    ("client_id", "fault", "needle"),
    [
        ("", None, "client id is empty"),
        ("has space", None, "without spaces"),
        ("SANDBOX_X", "swap", "private key"),
        ("SANDBOX_X", "own", "merchant's own public key"),
        ("SANDBOX_X", "garbage", "Antom public key"),
        ("SANDBOX_X", "truncated", "merchant private key"),
    ],
)
def test_validate_refuses_with_one_clear_line(
    pair: tuple[str, str, str], client_id: str, fault: str | None, needle: str
) -> None:
    private, own_public, antom = pair
    if fault == "swap":
        private, antom = antom, private
    elif fault == "own":
        antom = own_public
    elif fault == "garbage":
        antom = "not a key at all"
    elif fault == "truncated":
        private = private[: len(private) // 2]
    with pytest.raises(CredentialsError) as info:
        validate_credentials(client_id, private, antom)
    assert needle in str(info.value)
    assert "\n" not in str(info.value)


def test_credentials_repr_hides_the_private_key(pair: tuple[str, str, str]) -> None:
    creds = Credentials("SANDBOX_X", pair[0], pair[2])
    assert "PRIVATE" not in repr(creds)
    assert "SANDBOX_X" in repr(creds)


def test_memory_store_round_trip(pair: tuple[str, str, str]) -> None:
    store = MemorySecretStore()
    creds = Credentials("SANDBOX_X", pair[0], pair[2])
    assert store.load("sandbox") is None
    store.save("sandbox", creds)
    assert store.load("sandbox") == creds
    assert store.load("production") is None
    store.delete("sandbox")
    assert store.load("sandbox") is None
    with pytest.raises(SecretStoreError):
        store.load("training")


class _FailBackend:
    priority = 0

    def get_password(self, service: str, name: str) -> str | None:
        raise AssertionError("must not be used")


class _PlaintextBackend:
    priority = 2


_PlaintextBackend.__module__ = "keyrings.alt.file"


def test_keyring_store_refuses_fail_and_plaintext_backends() -> None:
    for backend in (_FailBackend(), _PlaintextBackend()):
        store = KeyringSecretStore()
        with pytest.raises(SecretStoreUnavailable):
            store._check_backend(backend)


def test_keyring_store_without_a_keyring_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyring.backends import fail

    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
    store = KeyringSecretStore()
    assert not store.usable()
    with pytest.raises(SecretStoreUnavailable, match="no system keyring"):
        store.load("production")


class _DictBackend:
    priority = 5

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, name: str) -> str | None:
        return self.items.get((service, name))

    def set_password(self, service: str, name: str, value: str) -> None:
        self.items[(service, name)] = value

    def delete_password(self, service: str, name: str) -> None:
        self.items.pop((service, name))


def test_keyring_store_incomplete_entry_is_reported(pair: tuple[str, str, str]) -> None:
    backend = _DictBackend()
    store = KeyringSecretStore(backend)
    store.save("production", Credentials("CID", pair[0], pair[2]))
    assert len(backend.items) == 3
    del backend.items[("posapp/production", "antom_public_key")]
    with pytest.raises(SecretStoreError, match="incomplete"):
        store.load("production")


needs_secret_service = pytest.mark.skipif(
    not os.environ.get("DBUS_SESSION_BUS_ADDRESS"), reason="run through tests/run.sh"
)


@pytest.mark.keyring
@needs_secret_service
def test_real_keyring_round_trip(pair: tuple[str, str, str]) -> None:
    store = KeyringSecretStore(service_prefix=f"posapp-test-{uuid.uuid4().hex[:8]}")
    assert store.usable(), store.describe()
    assert "SecretService" in store.describe()
    creds = Credentials("SANDBOX_ROUNDTRIP", pair[0], pair[2])
    store.save("sandbox", creds)
    try:
        assert store.load("sandbox") == creds
        assert store.load("production") is None
    finally:
        store.delete("sandbox")
    assert store.load("sandbox") is None


@pytest.mark.keyring
@needs_secret_service
def test_keys_import_command_stores_in_the_real_keyring(
    pair: tuple[str, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    private, own_public, antom = pair
    (tmp_path / "merchant.pem").write_text(private)
    (tmp_path / "antom.pem").write_text(antom)
    (tmp_path / "own.pem").write_text(own_public)
    client_id = f"SANDBOX_{uuid.uuid4().hex[:10].upper()}"
    store = KeyringSecretStore()
    try:
        # a wrong pair is refused before anything is stored
        rc = _keys_import(tmp_path / "merchant.pem", tmp_path / "own.pem", "--client-id", client_id)
        assert rc == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "not stored" in err
        assert store.load("sandbox") is None or store.load("sandbox").client_id != client_id  # type: ignore[union-attr]

        rc = _keys_import(
            tmp_path / "merchant.pem", tmp_path / "antom.pem", "--client-id", client_id
        )
        assert rc == 0, capsys.readouterr().err
        loaded = store.load("sandbox")
        assert loaded is not None and loaded.client_id == client_id
        assert loaded.merchant_private_key_pem.strip() == private.strip()
        rc = main(["keys", "status"])
        assert client_id in capsys.readouterr().out
    finally:
        store.delete("sandbox")


@pytest.mark.parametrize(
    ("argv_tail", "needle"),
    [
        (
            ["--client-id", "SANDBOX_A", "--environment", "production"],
            "cannot be used for production",
        ),
        (["--client-id", "LIVE_A", "--environment", "sandbox"], "start with SANDBOX_"),
    ],
)
def test_keys_import_environment_checks(
    pair: tuple[str, str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv_tail: list[str],
    needle: str,
) -> None:
    rc = _keys_import(*_written(pair, tmp_path), *argv_tail)
    assert rc == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_keys_import_missing_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = _keys_import(tmp_path / "nope.pem", tmp_path / "nope2.pem", "--client-id", "SANDBOX_A")
    assert rc == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and err.count("\n") == 1


def test_keys_import_without_a_keyring_is_one_clear_line(
    pair: tuple[str, str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import keyring
    from keyring.backends import fail

    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
    rc = _keys_import(*_written(pair, tmp_path), "--client-id", "LIVE_CLIENT")
    assert rc == 2
    err = capsys.readouterr().err
    assert "no system keyring" in err and err.count("\n") == 1
