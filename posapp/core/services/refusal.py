"""What a refused back-office action raises (``status_text`` lives in posapp.core.rules).

A leaf of the services (it needs only the domain and ``UserText``): the back office, the
duplicate watch and checkout all use it without importing one another.
"""

from __future__ import annotations

from posapp.core.rules import status_text  # noqa: F401 - the old import path


class BackOfficeError(Exception):
    """An action refused before anything was sent; ``message`` (a UserText) is fit for the
    manager."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
