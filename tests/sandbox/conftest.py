from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from posapp.sandbox import Sandbox
from tests.sandbox.helpers import RawClient


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    with Sandbox(tmp_path / "sandbox") as sb:
        yield sb


@pytest.fixture
def raw(sandbox: Sandbox) -> Iterator[RawClient]:
    client = RawClient(sandbox)
    yield client
    client.close()
