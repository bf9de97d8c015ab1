"""Which environment and Antom client a journal belongs to, and when a till may open it.

A journal holds one environment's payments: a training till that opened a production
journal would inquire live payments at the embedded sandbox, which has never heard of them
(issue 10, item 3). So a journal records its environment and client id when a till first
opens it, and a till set up for anything else is refused (``JournalWrongEnvironment``).
Training compares the environment only: the embedded sandbox's client id changes whenever
its state folder is made afresh, and a training journal holds no real money.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from posapp.core.journal.errors import JournalError
from posapp.core.usertext import UserText

TRAINING = "training"  # posapp.config.Environment.TRAINING's value (core cannot import config)


@dataclass(frozen=True, slots=True)
class JournalIdentity:
    environment: str  # "training", "sandbox" or "production"
    client_id: str

    def accepts(self, other: JournalIdentity) -> bool:
        """Whether a till set up as ``other`` may open a journal recorded as ``self``."""
        if self.environment != other.environment:
            return False
        return self.environment == TRAINING or self.client_id == other.client_id

    def describe(self) -> UserText:
        if self.environment == TRAINING:
            return UserText("journal.env.training", "training mode")
        if self.environment == "sandbox":
            return UserText(
                "journal.env.sandbox",
                "the Antom sandbox (client id {client_id})",
                client_id=self.client_id,
            )
        if self.environment == "production":
            return UserText(
                "journal.env.production",
                "production (client id {client_id})",
                client_id=self.client_id,
            )
        return UserText(
            "journal.env.other", "an unknown environment ({name})", name=self.environment
        )


class JournalWrongEnvironment(JournalError):
    """The journal belongs to another environment or client id than the till: refused."""

    def __init__(
        self, recorded: JournalIdentity, wanted: JournalIdentity, *, path: Path | None = None
    ) -> None:
        super().__init__(
            f"the journal belongs to {recorded.environment} / {recorded.client_id or '-'}, "
            f"not {wanted.environment} / {wanted.client_id or '-'}",
            path=path,
        )
        self.recorded = recorded
        self.wanted = wanted
        self.user_message = UserText(
            "journal.wrong_environment",
            "This payment journal belongs to {journal} and cannot be opened in {till}. "
            "Use that environment's own data folder (--data-dir), or set the till back.",
            journal=recorded.describe(),
            till=wanted.describe(),
        )
