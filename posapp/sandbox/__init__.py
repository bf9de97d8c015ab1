"""The embedded Antom sandbox: a protocol-faithful simulator on loopback (Qt-free)."""

from posapp.sandbox.faults import Fault, FaultKind
from posapp.sandbox.ledger import Ledger, LedgerEntry
from posapp.sandbox.sandbox import Sandbox

__all__ = ["Fault", "FaultKind", "Ledger", "LedgerEntry", "Sandbox"]
