"""The station's role and journal in the settings: checked by the one resolver, never a
password, kept through a save and a load."""

from __future__ import annotations

from pathlib import Path

import pytest

from posapp.config import ConfigError, Settings, load_settings, save_settings


def test_role_and_journal_url_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as bad_role:
        Settings(role="cashier").validate()
    assert bad_role.value.field == "role"
    with pytest.raises(ConfigError) as with_password:
        Settings(journal_url="postgresql://till:hunter2@db.shop.lan/posapp").validate()
    assert with_password.value.field == "journal_url"
    assert "keyring" in with_password.value.message
    assert "hunter2" not in with_password.value.message
    for url in ("mysql://till@db/posapp", "postgresql://till@db.shop.lan/", "/srv/journal.db"):
        with pytest.raises(ConfigError):
            Settings(journal_url=url).validate()
    good = Settings(
        role="back-office", journal_url="postgresql://till@db.shop.lan/posapp?sslmode=verify-full"
    ).validate()
    assert good.back_office and not Settings().back_office
    path = tmp_path / "settings.json"
    save_settings(path, good)
    assert load_settings(path) == good
