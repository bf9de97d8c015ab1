"""build_backend: training uses the sandbox's keys; other modes need the keyring's."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from posapp.app import BackendError, build_backend
from posapp.config import Environment
from posapp.core.antom import signing
from posapp.core.services.secrets import Credentials, KeyringSecretStore, MemorySecretStore
from posapp.paths import app_dirs

from .conftest import make_backend, with_settings


@pytest.fixture(scope="module")
def creds() -> Credentials:
    merchant, antom = signing.generate_private_key(), signing.generate_private_key()
    return Credentials(
        "SANDBOX_TESTCLIENT",
        signing.private_key_pkcs1_pem(merchant),
        signing.public_key_spki_pem(antom.public_key()),
    )


def test_training_uses_the_embedded_sandbox(data_dir: Path) -> None:
    backend = make_backend(data_dir)
    try:
        info = backend.info()
        assert info.training and info.gateway == backend.sandbox.base_url
        assert info.client_id.startswith("SANDBOX_")
        assert info.listener_url and info.listener_url.startswith("http://127.0.0.1:")
        assert (data_dir / "sandbox").is_dir()
        assert backend.pins.uses_default()
    finally:
        backend.close()
    backend.close()  # idempotent


def test_production_without_keys_refuses_clearly(data_dir: Path) -> None:
    settings = with_settings(environment=Environment.PRODUCTION, client_id="LIVE_1")
    with pytest.raises(BackendError, match="No Antom keys are stored for production"):
        build_backend(app_dirs(data_dir), settings, secret_store=MemorySecretStore())


def test_no_usable_keyring_refuses_clearly(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyring.backends import fail

    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
    settings = with_settings(environment=Environment.PRODUCTION, client_id="LIVE_1")
    with pytest.raises(BackendError, match="needs the system keyring"):
        build_backend(app_dirs(data_dir), settings)
    assert not (data_dir / "journal.sqlite3").exists()  # refused before opening anything


def test_sandbox_mode_with_keys_builds_without_touching_the_network(
    data_dir: Path, creds: Credentials
) -> None:
    store = MemorySecretStore()
    store.save("sandbox", creds)
    settings = with_settings(environment=Environment.SANDBOX, client_id=creds.client_id)
    backend = build_backend(app_dirs(data_dir), settings, secret_store=store)
    try:
        assert backend.sandbox is None and backend.listener is None  # off outside training
        assert backend.info().gateway == settings.gateway
        assert not backend.pins.is_set()  # no training PIN outside training
    finally:
        backend.close()


def test_client_id_mismatch_is_refused(data_dir: Path, creds: Credentials) -> None:
    store = MemorySecretStore()
    store.save("sandbox", creds)
    settings = with_settings(environment=Environment.SANDBOX, client_id="SANDBOX_OTHER")
    with pytest.raises(BackendError, match="SANDBOX_OTHER"):
        build_backend(app_dirs(data_dir), settings, secret_store=store)


@pytest.mark.keyring
@pytest.mark.skipif(
    not os.environ.get("DBUS_SESSION_BUS_ADDRESS"), reason="run through tests/run.sh"
)
def test_keys_from_the_real_keyring(data_dir: Path, creds: Credentials) -> None:
    store = KeyringSecretStore(service_prefix=f"posapp-test-{uuid.uuid4().hex[:8]}")
    store.save("sandbox", creds)
    try:
        settings = with_settings(environment=Environment.SANDBOX, client_id=creds.client_id)
        backend = build_backend(app_dirs(data_dir), settings, secret_store=store)
        try:
            assert backend.client.client_id == creds.client_id
        finally:
            backend.close()
    finally:
        store.delete("sandbox")
