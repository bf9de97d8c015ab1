from __future__ import annotations

import json
from pathlib import Path

import pytest

from posapp.config import ConfigError, Environment, Settings, load_settings, save_settings


def test_first_run_is_training(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "missing.json")
    assert settings.environment is Environment.TRAINING
    assert settings.listener_enabled


def test_round_trip_and_atomic_save(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "settings.json"
    s = Settings(
        environment=Environment.PRODUCTION,
        client_id="2188120012345678",
        currency="USD",
        region="NA",
    )
    save_settings(path, s)
    assert load_settings(path) == s
    assert not s.listener_enabled
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"currency": "XXX"}, "currency"),
        ({"region": "MARS"}, "region"),
        ({"region": "custom", "gateway_url": "ftp://x"}, "gateway_url"),
        ({"environment": Environment.PRODUCTION}, "client_id"),
        ({"environment": Environment.SANDBOX, "client_id": "2188"}, "client_id"),
        ({"environment": Environment.PRODUCTION, "client_id": "SANDBOX_1"}, "client_id"),
        ({"terminal_id": ""}, "terminal_id"),
    ],
)
def test_invalid_settings_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError) as err:
        Settings(**kwargs).validate()  # type: ignore[arg-type]
    assert err.value.field == field


def test_broken_file_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_settings(path)
    path.write_text(json.dumps({"currency": 5}))
    with pytest.raises(ConfigError, match="currency"):
        load_settings(path)
