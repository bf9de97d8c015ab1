"""One journal per environment (issue 10, item 3): training never opens a live journal.

The attack: `posapp screenshot --data-dir <live dir>` (or `--self-test --data-dir`) ran
training-mode recovery over a live journal, asked the embedded sandbox about live payments,
and marked one that Antom had authorised "never sent"; the self-test added a fake captured
payment to the accountants' export. Now a journal records its environment and client id and
any other till is refused before it starts anything.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from posapp.app import build_backend
from posapp.config import Environment, Settings, save_settings
from posapp.core.cards import MaskedCard
from posapp.core.domain import CaptureMode, EventKind, NewPayment
from posapp.core.journal.identity import JournalIdentity, JournalWrongEnvironment
from posapp.core.journal.repository import JournalRepository
from posapp.core.money import Money
from posapp.core.services.secrets import Credentials, MemorySecretStore
from posapp.paths import app_dirs
from posapp.sandbox import keys as sandbox_keys

from .cli_run import refuse_to_start_the_till, run_cli

LIVE = JournalIdentity("production", "LIVE-CLIENT-7")


def _live_dir(root: Path, *, settings: bool = True, identity: bool = True) -> Path:
    """A live till's data folder: its settings, and a journal holding one live payment."""
    dirs = app_dirs(root).create()
    if settings:
        save_settings(
            dirs.settings_file,
            replace(Settings(), environment=Environment.PRODUCTION, client_id=LIVE.client_id),
        )
    repo = JournalRepository.open(dirs.journal)
    try:
        if identity:
            repo.bind_identity(LIVE, terminal_id="TILL-LIVE")
        repo.record_intent(
            NewPayment(
                reference_order_id="LIVE-ORDER-1",
                payment_request_id="PAY-live-0001",
                amount=Money(4200, "SGD"),
                capture_mode=CaptureMode.MANUAL,
                card=MaskedCard(brand="VISA", bin6="405469", last4="0768"),
                operator="cashier",
                terminal_id="TILL-LIVE",
            )
        )
    finally:
        repo.close()
    return root


def _fingerprint(journal: Path) -> str:
    return hashlib.sha256(journal.read_bytes()).hexdigest()


def _payments(journal: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(journal)
    try:
        return list(conn.execute("SELECT payment_request_id, status FROM payments ORDER BY id"))
    finally:
        conn.close()


LIVE_DIRS = {
    "settings+journal": {"settings": True, "identity": True},
    "journal only": {"settings": False, "identity": True},
    "settings + journal from before identities": {"settings": True, "identity": False},
}


@pytest.mark.parametrize("shape", list(LIVE_DIRS))
def test_screenshot_refuses_a_live_data_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shape: str
) -> None:
    data = _live_dir(tmp_path / "live", **LIVE_DIRS[shape])
    journal = app_dirs(data).journal
    before = _fingerprint(journal)
    result = run_cli(capsys, "screenshot", "--out", str(tmp_path / "png"), "--data-dir", str(data))
    assert result.code == 2
    assert "production (client id LIVE-CLIENT-7)" in result.line
    assert "training mode" in result.line
    assert _fingerprint(journal) == before
    assert not (data / "sandbox").exists()  # no training sandbox was started there


@pytest.mark.parametrize("shape", list(LIVE_DIRS))
def test_self_test_refuses_a_live_data_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shape: str
) -> None:
    data = _live_dir(tmp_path / "live", **LIVE_DIRS[shape])
    journal = app_dirs(data).journal
    before = _payments(journal)
    result = run_cli(capsys, "--self-test", "--data-dir", str(data))
    assert result.code == 2
    assert "belongs to production" in result.line
    assert _payments(journal) == before == [("PAY-live-0001", "INTENT")]
    assert not (data / "sandbox").exists()


def test_a_live_journal_opened_in_training_is_refused(tmp_path: Path) -> None:
    data = _live_dir(tmp_path / "live", settings=False)
    before = _fingerprint(app_dirs(data).journal)
    with pytest.raises(JournalWrongEnvironment) as info:
        build_backend(app_dirs(data), Settings())
    assert info.value.recorded == LIVE
    assert "cannot be opened in training mode" in info.value.user_message
    assert _fingerprint(app_dirs(data).journal) == before
    assert not (data / "sandbox").exists()


def test_the_till_shows_the_refusal_in_one_line_and_a_window(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _live_dir(tmp_path / "live", settings=False)  # training settings by default
    shown = refuse_to_start_the_till(monkeypatch)
    result = run_cli(capsys, "--data-dir", str(data))
    assert result.code == 2
    assert "belongs to production" in result.line
    assert len(shown) == 1 and "belongs to production" in shown[0]


def _credentials(client_id: str) -> Credentials:
    keys = sandbox_keys.generate()
    return Credentials(client_id, keys.merchant_private_key_pem, keys.antom_public_key_pem)


def test_another_client_ids_journal_is_refused(tmp_path: Path) -> None:
    dirs = app_dirs(tmp_path / "till").create()
    repo = JournalRepository.open(dirs.journal)
    repo.bind_identity(JournalIdentity("sandbox", "SANDBOX_AAAA"), terminal_id="T")
    repo.close()
    store = MemorySecretStore()
    store.save("sandbox", _credentials("SANDBOX_BBBB"))
    settings = replace(Settings(), environment=Environment.SANDBOX, client_id="SANDBOX_BBBB")
    with pytest.raises(JournalWrongEnvironment) as info:
        build_backend(dirs, replace(settings, notify_listener=False), secret_store=store)
    assert "SANDBOX_AAAA" in info.value.user_message
    assert "SANDBOX_BBBB" in info.value.user_message


def _make_legacy(journal: Path) -> None:
    """What a journal written before schema step 0004 looks like."""
    conn = sqlite3.connect(journal)
    try:
        conn.execute("DROP TABLE journal_identity")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0004_journal_identity'")
        conn.execute("PRAGMA user_version = 3")
        conn.commit()
    finally:
        conn.close()


def test_a_journal_from_before_is_adopted_once_and_journaled(tmp_path: Path) -> None:
    dirs = app_dirs(tmp_path / "till").create()
    repo = JournalRepository.open(dirs.journal)
    repo.record_event(EventKind.NOTE, operator="x", terminal_id="T", detail={"note": "old"})
    repo.close()
    _make_legacy(dirs.journal)
    settings = replace(Settings(), notify_listener=False)
    for _ in range(2):  # the second start finds the record: nothing more is journaled
        backend = build_backend(dirs, settings)
        try:
            recorded = backend.repo.identity()
            assert recorded is not None and recorded.environment == "training"
            adopted = [
                e.detail
                for e in backend.repo.events()
                if e.kind is EventKind.NOTE
                and e.detail.get("note") == "journal adopted by this environment"
            ]
            assert len(adopted) == 1 and adopted[0]["environment"] == "training"
            assert backend.repo.verify().ok
        finally:
            backend.close()
