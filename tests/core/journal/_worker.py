"""A second process on the same journal (run by test_two_processes.py, not collected)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from posapp.core.cards import MaskedCard
from posapp.core.domain import (
    CaptureMode,
    DomainError,
    NewPayment,
    OperationStatus,
    PaymentStatus,
    PaymentUpdate,
)
from posapp.core.journal.repository import JournalRepository
from posapp.core.money import Money


def main() -> None:
    path, name, count, go = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    contested = [int(x) for x in sys.argv[5].split(",") if x]
    op = {"operator": name, "terminal_id": name}
    repo = JournalRepository.open(path)
    while not go.exists():
        time.sleep(0.005)
    wins = []
    for i in range(count):
        p = repo.record_intent(
            NewPayment(
                f"{name}-ORD-{i}",
                f"{name}-PR-{i}",
                Money(100 + i, "USD"),
                CaptureMode.MANUAL,
                MaskedCard("VISA", "405469", "0768"),
                **op,
            )
        )
        repo.transition(p.id, PaymentStatus.PENDING, **op)
        now = repo.clock.now()
        repo.transition(
            p.id, PaymentStatus.AUTHORISED, update=PaymentUpdate(authorised_at=now), **op
        )
        if i < len(contested):
            # both processes race to capture the same held payment: exactly one may win
            try:
                repo.record_capture_intent(contested[i], f"{name}-CAP-{i}", **op)
                repo.update_capture(f"{name}-CAP-{i}", OperationStatus.SUCCEEDED, **op)
                wins.append(contested[i])
            except DomainError:
                pass
    repo.close()
    print(json.dumps({"wins": wins}))


if __name__ == "__main__":
    main()
