"""The payment settings Antom needs: paymentRedirectUrl (required outside training) and the
settlement currency."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from posapp.config import (
    REDIRECT_URL_MAX,
    ConfigError,
    Environment,
    Settings,
    UrlProblem,
    load_settings,
    redirect_url_problem,
    save_settings,
)

PRODUCTION = Settings(environment=Environment.PRODUCTION, client_id="2188120012345678")


@pytest.mark.parametrize(
    ("url", "environment", "problem"),
    [
        ("https://shop.example/paid", Environment.PRODUCTION, None),
        ("", Environment.PRODUCTION, None),  # empty: named by missing_for_payments
        ("http://shop.example/paid", Environment.PRODUCTION, UrlProblem.NOT_HTTPS),
        ("http://shop.example/paid", Environment.SANDBOX, UrlProblem.NOT_HTTPS),
        ("http://127.0.0.1:8080/sandbox/return", Environment.TRAINING, None),
        ("shop.example/paid", Environment.PRODUCTION, UrlProblem.NOT_A_URL),
        ("https://shop.example/a b", Environment.PRODUCTION, UrlProblem.NOT_A_URL),
        ("ftp://shop.example/paid", Environment.PRODUCTION, UrlProblem.NOT_A_URL),
        (
            "https://s.example/" + "a" * REDIRECT_URL_MAX,
            Environment.PRODUCTION,
            UrlProblem.TOO_LONG,
        ),
    ],
)
def test_redirect_url_rules(url: str, environment: Environment, problem: UrlProblem | None) -> None:
    assert redirect_url_problem(url, environment) is problem


def test_a_bad_redirect_url_or_settlement_currency_is_refused_by_name() -> None:
    with pytest.raises(ConfigError) as info:
        replace(PRODUCTION, payment_redirect_url="http://shop.example/paid").validate()
    assert info.value.field == "payment_redirect_url" and "https" in info.value.message
    with pytest.raises(ConfigError) as info:
        replace(PRODUCTION, settlement_currency="XYZ").validate()
    assert info.value.field == "settlement_currency"
    replace(PRODUCTION, settlement_currency="USD").validate()


def test_missing_payment_settings_are_named_outside_training_only() -> None:
    (missing,) = PRODUCTION.missing_for_payments()
    assert missing.field == "payment_redirect_url"
    assert "paymentRedirectUrl is not set: production payments would be refused" in (
        missing.message
    )
    assert (
        replace(PRODUCTION, payment_redirect_url="https://s.example/r").missing_for_payments() == []
    )
    assert Settings().missing_for_payments() == []  # training: the sandbox's page


def test_a_production_file_without_the_page_still_loads(tmp_path: Path) -> None:
    """The till starts (and the doctor and Settings name the gap) rather than refusing."""
    path = tmp_path / "settings.json"
    save_settings(path, PRODUCTION)
    assert load_settings(path).missing_for_payments() != []
    saved = replace(
        PRODUCTION, payment_redirect_url="https://s.example/r", settlement_currency="USD"
    )
    save_settings(path, saved)
    assert load_settings(path) == saved
