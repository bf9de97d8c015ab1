"""e2e: after the whole test session, no file any test left behind holds card data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .cardscan import candidate_files, scan


@pytest.fixture(scope="session", autouse=True)
def no_card_data_left_behind(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Session finaliser: the journals, WAL files, logs and config/settings files of every
    test in this run (they all live under pytest's base temp dir) hold no test card number
    and no CVV. It runs when the session ends, so it covers the tests that ran after e2e
    too. (The sandbox's own state is scanned by test_card_data.py for the app's flows.)"""
    yield
    root = tmp_path_factory.getbasetemp()
    findings = scan(candidate_files(root, include_sandbox=False))
    assert not findings, "card data found on disk:\n" + "\n".join(findings[:20])
