from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from posapp.core.antom.client import AntomClient
from posapp.core.antom.retry import NO_RETRY
from posapp.sandbox import Sandbox, keys
from tests.sandbox.helpers import NotifyReceiver, RawClient


@pytest.fixture(scope="session")
def key_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One set of sandbox credentials for the session: RSA key generation is slow."""
    folder = tmp_path_factory.mktemp("sandbox-keys")
    keys.load_or_create(folder)
    return folder


@pytest.fixture
def state_dir(tmp_path: Path, key_files: Path) -> Path:
    """A fresh sandbox state dir that already holds the session's keys."""
    target = tmp_path / "sandbox"
    shutil.copytree(key_files, target)
    return target


@pytest.fixture
def sandbox(state_dir: Path) -> Iterator[Sandbox]:
    with Sandbox(state_dir) as sb:
        yield sb


@pytest.fixture
def raw(sandbox: Sandbox) -> Iterator[RawClient]:
    client = RawClient(sandbox)
    yield client
    client.close()


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[AntomClient]:
    """H1's AntomClient against the sandbox over real loopback HTTP (no retries, no sleeps)."""
    with AntomClient(
        sandbox.base_url,
        sandbox.client_id,
        sandbox.merchant_private_key_pem,
        sandbox.antom_public_key_pem,
        retry=NO_RETRY,
        sleep=lambda _s: None,
    ) as antom:
        yield antom


@pytest.fixture
def receiver() -> Iterator[NotifyReceiver]:
    server = NotifyReceiver()
    yield server
    server.close()
