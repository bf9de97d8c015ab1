"""What a receipt prints, already formatted for people (rendered by ``views.receipt``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReceiptData:
    """Everything a receipt prints, already formatted for people."""

    merchant: str
    time: str
    card: str  # "Visa •••• 0768": never more than brand and last four
    amount: str  # "SGD 12.50"
    status: str
    payment_id: str
    order_reference: str = ""
    terminal_id: str = ""
    network_transaction_id: str = ""
    avs_result: str = ""
    cvv_result: str = ""
    auth_code: str = ""
    card_options: str = ""  # "6 monthly instalments", "charged without the customer"...
