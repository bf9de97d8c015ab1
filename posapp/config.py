"""Typed settings with defaults and validation, stored as JSON in the config dir.

Settings never hold secrets: keys and the client id's private half live in the OS keyring.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from posapp.core.money import EXPONENTS
from posapp.core.services.validation import card_data_problem
from posapp.core.usertext import UserText
from posapp.paths import make_private_dir


class Environment(StrEnum):
    TRAINING = "training"  # the embedded sandbox; no credentials needed
    SANDBOX = "sandbox"  # Antom's own sandbox (SANDBOX_ client id) on a real gateway
    PRODUCTION = "production"


# Antom gateways by region (protocol reference §1.1).
GATEWAYS: dict[str, str] = {
    "NA": "https://open-na-global.alipay.com",
    "US": "https://open.antglobal-us.com",
    "ASIA": "https://open-sea-global.alipay.com",
    "EU": "https://open-de-global.alipay.com",
}
LANGUAGES = ("system", "en", "zh_CN")


class Role(StrEnum):
    """What a station is for: a till keys card payments; a back-office station keys none
    and works on every till's payments (Orders, Held, the day report, by terminal)."""

    TILL = "till"
    BACK_OFFICE = "back-office"


class ConfigError(ValueError):
    """A setting that cannot be used; ``field`` names it, the message is fit for a user."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


@dataclass(frozen=True, slots=True)
class Settings:
    environment: Environment = Environment.TRAINING
    region: str = "ASIA"  # a GATEWAYS key, or "custom" to use gateway_url
    gateway_url: str = ""
    client_id: str = ""
    merchant_name: str = "posapp training store"
    terminal_id: str = "TILL-01"
    currency: str = "SGD"
    language: str = "system"
    notify_listener: bool | None = None  # None: on in training, off in production
    notify_port: int = 0
    # how far a notification's signed request-time may be from the till's clock (seconds)
    notify_replay_window_s: int = 900
    # paymentRedirectUrl: the page the buyer returns to after 3-D Secure. Antom requires it
    # in every pay; training sends the embedded sandbox's own page instead.
    payment_redirect_url: str = ""
    # settlementStrategy.settlementCurrency; empty: the transaction currency
    settlement_currency: str = ""
    # New payment offers an "External 3-D Secure result" section (MPI data, §19.2)
    external_3ds: bool = False
    # merchantAccountId of the token APIs (deleteToken); empty: the client id
    merchant_account_id: str = ""
    # till (keys payments) or back-office (no card entry; every till's payments)
    role: str = Role.TILL.value
    # the journal: empty for this computer's SQLite file, else a postgresql:// URL of the
    # store's server (its password in the OS keyring, never here)
    journal_url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def gateway(self) -> str:
        """The base URL for Antom requests (ignored in training mode)."""
        if self.region == "custom":
            return self.gateway_url.rstrip("/")
        return GATEWAYS[self.region]

    @property
    def back_office(self) -> bool:
        return self.role == Role.BACK_OFFICE.value

    @property
    def listener_enabled(self) -> bool:
        if self.notify_listener is None:
            return self.environment is Environment.TRAINING
        return self.notify_listener

    def validate(self) -> Settings:
        if self.region != "custom" and self.region not in GATEWAYS:
            raise ConfigError("region", f"unknown region {self.region!r}")
        if self.region == "custom":
            url = urlparse(self.gateway_url)
            if url.scheme not in ("http", "https") or not url.netloc:
                raise ConfigError(
                    "gateway_url", "enter a URL such as https://open-sea-global.alipay.com"
                )
            if url.scheme == "http" and self.environment is Environment.PRODUCTION:
                raise ConfigError("gateway_url", "production needs an https:// gateway")
        if self.currency not in EXPONENTS:
            raise ConfigError("currency", f"Antom does not support {self.currency!r}")
        tid = self.terminal_id.strip()
        if not tid or len(tid) > 32 or not tid.isprintable():
            raise ConfigError("terminal_id", "use 1 to 32 printable characters")
        for name in ("terminal_id", "merchant_name", "payment_redirect_url"):
            # the store name goes into descriptions sent to Antom, the return page into every
            # pay; all of them into the journal
            card_data = card_data_problem(name, getattr(self, name))
            if card_data is not None:
                raise ConfigError(name, card_data)
        if self.environment is not Environment.TRAINING and not self.client_id.strip():
            raise ConfigError("client_id", "enter the client id from the Antom dashboard")
        if self.environment is Environment.SANDBOX and not self.client_id.startswith("SANDBOX_"):
            raise ConfigError("client_id", "Antom sandbox client ids start with SANDBOX_")
        if self.environment is Environment.PRODUCTION and self.client_id.startswith("SANDBOX_"):
            raise ConfigError("client_id", "a SANDBOX_ client id cannot be used in production")
        if self.language not in LANGUAGES:
            raise ConfigError("language", f"choose one of {', '.join(LANGUAGES)}")
        if not 0 <= self.notify_port <= 65535:
            raise ConfigError("notify_port", "a port is 0 to 65535")
        if not 30 <= self.notify_replay_window_s <= 3600:
            raise ConfigError("notify_replay_window_s", "30 to 3600 seconds")
        problem = redirect_url_problem(self.payment_redirect_url, self.environment)
        if problem is not None:
            raise ConfigError("payment_redirect_url", _URL_WORDS[problem])
        account = self.merchant_account_id
        if account and (len(account) > 64 or not re.fullmatch(r"[\x21-\x7e]+", account)):
            raise ConfigError("merchant_account_id", "use 1 to 64 characters without spaces")
        if self.role not in {r.value for r in Role}:
            raise ConfigError("role", f"choose one of {', '.join(r.value for r in Role)}")
        problem_text = journal_url_problem(self.journal_url)
        if problem_text is not None:
            raise ConfigError("journal_url", problem_text)
        if self.settlement_currency and self.settlement_currency not in EXPONENTS:
            raise ConfigError(
                "settlement_currency", f"Antom does not support {self.settlement_currency!r}"
            )
        return self

    def missing_for_payments(self) -> list[ConfigError]:
        """Settings Antom needs in every payment that are still empty (outside training,
        where the sandbox fills them): each would get every payment refused."""
        if self.environment is Environment.TRAINING:
            return []
        missing = []
        if not self.payment_redirect_url.strip():
            missing.append(
                ConfigError(
                    "payment_redirect_url",
                    UserText(
                        "settings.redirect_url_missing",
                        "paymentRedirectUrl is not set: {environment} payments would be "
                        "refused (Settings > Connection > Return page after 3-D Secure)",
                        environment=self.environment.value,
                    ),
                )
            )
        return missing

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["environment"] = self.environment.value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Settings:
        if not isinstance(data, dict):
            raise ConfigError("settings", "the settings file does not hold an object")
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        try:
            values["environment"] = Environment(values.get("environment", "training"))
        except ValueError:
            raise ConfigError(
                "environment", f"unknown environment {data.get('environment')!r}"
            ) from None
        listener = values.get("notify_listener")
        if listener is not None and not isinstance(listener, bool):
            raise ConfigError("notify_listener", "expected true, false or null")
        if not isinstance(values.get("extra", {}), dict):
            raise ConfigError("extra", "expected an object")
        defaults = cls()
        for f in fields(cls):
            if f.name in values and f.name not in ("environment", "notify_listener", "extra"):
                expected = type(getattr(defaults, f.name))
                if not isinstance(values[f.name], expected) or isinstance(values[f.name], bool) != (
                    expected is bool
                ):
                    raise ConfigError(f.name, f"expected {expected.__name__}")
        return replace(defaults, **values)


def journal_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be the store server's journal, or None (empty: this computer's
    SQLite journal). The one resolver (``core.journal.location``) decides; a URL carrying
    a password is refused with the advice to keep it in the keyring."""
    if not url.strip():
        return None
    from posapp.core.journal.location import LocationError, parse_location

    try:
        location = parse_location(url.strip())
    except LocationError as exc:
        return str(exc)
    if not location.is_server:
        return "enter a postgresql://user@host/database URL"
    return None


REDIRECT_URL_MAX = 2048  # paymentRedirectUrl (protocol reference §3.3)


class UrlProblem(StrEnum):
    """Why a URL setting cannot be used (the UI words each in its language)."""

    TOO_LONG = "too_long"
    NOT_A_URL = "not_a_url"
    NOT_HTTPS = "not_https"


_URL_WORDS = {
    UrlProblem.TOO_LONG: f"use at most {REDIRECT_URL_MAX} characters",
    UrlProblem.NOT_A_URL: "enter a URL such as https://shop.example/paid",
    UrlProblem.NOT_HTTPS: "outside training the page must be https://",
}


def redirect_url_problem(url: str, environment: Environment) -> UrlProblem | None:
    """Why ``url`` cannot be the paymentRedirectUrl, or None (empty is not checked here:
    ``Settings.missing_for_payments`` names it)."""
    if not url:
        return None
    if len(url) > REDIRECT_URL_MAX:
        return UrlProblem.TOO_LONG
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or any(c.isspace() for c in url):
        return UrlProblem.NOT_A_URL
    if parsed.scheme != "https" and environment is not Environment.TRAINING:
        return UrlProblem.NOT_HTTPS
    return None


def load_settings(path: Path) -> Settings:
    """Read settings; a missing file means first run (defaults, training mode)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except UnicodeDecodeError:
        raise ConfigError("settings", f"{path} is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError("settings", f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError("settings", f"{path} is not valid JSON (line {exc.lineno})") from None
    return Settings.from_json(data).validate()


def save_settings(path: Path, settings: Settings) -> None:
    """Write atomically: a crash mid-write leaves the old file, never half a file."""
    settings.validate()
    make_private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(settings.to_json(), fh, indent=2, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
