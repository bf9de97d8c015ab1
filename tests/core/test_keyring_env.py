"""The test runner provides a real Secret Service (gnome-keyring over D-Bus)."""

from __future__ import annotations

import os
import uuid

import pytest

keyring = pytest.importorskip("keyring")


@pytest.mark.keyring
@pytest.mark.skipif(not os.environ.get("DBUS_SESSION_BUS_ADDRESS"), reason="run through tests/run.sh")
def test_real_secret_service_round_trip() -> None:
    backend = keyring.get_keyring()
    assert "SecretService" in type(backend).__module__
    service, user = "posapp-test", uuid.uuid4().hex
    keyring.set_password(service, user, "s3cret")
    try:
        assert keyring.get_password(service, user) == "s3cret"
    finally:
        keyring.delete_password(service, user)
    assert keyring.get_password(service, user) is None
