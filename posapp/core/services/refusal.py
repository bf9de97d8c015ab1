"""What a refused back-office action raises, and a payment status inside its sentence.

A leaf of the services (it needs only the domain and ``UserText``): the back office, the
duplicate watch and checkout all use it without importing one another.
"""

from __future__ import annotations

from posapp.core.domain import PaymentStatus
from posapp.core.usertext import UserText


class BackOfficeError(Exception):
    """An action refused before anything was sent; ``message`` (a UserText) is fit for the
    manager."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def status_text(status: PaymentStatus) -> UserText:
    """A payment status inside a sentence ("this one is held")."""
    return UserText(f"status.{status.value.lower()}", status.label.lower())
