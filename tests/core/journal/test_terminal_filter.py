"""The order list's terminal filter (a back office working on every till's payments): the
filter is part of the SQL (keyset pages both ways, counts, search, the held list), the
terminals seen are listed, and the query walks an index on both back-ends."""

from __future__ import annotations

import itertools
import random

from posapp.core.clock import FakeClock
from posapp.core.domain import CaptureMode, NewPayment, Payment, PaymentStatus, PaymentUpdate
from posapp.core.journal.order_list import (
    PageDirection,
    PageRequest,
    PaymentFilter,
    list_sql,
)
from posapp.core.journal.repository import JournalRepository
from posapp.core.money import Money

from .conftest import OP, VISA

_numbers = itertools.count(1)


def _new(terminal: str) -> NewPayment:
    """A payment keyed at ``terminal``, numbered by this module (not the shared counter the
    other journal tests' ids come from)."""
    n = next(_numbers)
    return NewPayment(
        reference_order_id=f"TF-{n:06d}",
        payment_request_id=f"PR-TF-{n:06d}",
        amount=Money(1250, "USD"),
        capture_mode=CaptureMode.MANUAL,
        card=VISA,
        operator="alice",
        terminal_id=terminal,
    )


TERMINALS = ("TILL-01", "TILL-02", "BACK-01")


def _fill(repo: JournalRepository, clock: FakeClock, n: int = 60) -> list[Payment]:
    """``n`` payments over three terminals (seeded), a second apart; every third held."""
    rng = random.Random(15)
    made = []
    for i in range(n):
        terminal = rng.choice(TERMINALS)
        p = repo.record_intent(_new(terminal))
        if i % 3 == 0:
            p = repo.transition(
                p.id,
                PaymentStatus.AUTHORISED,
                update=PaymentUpdate(
                    payment_id=f"ANT{p.payment_request_id}",
                    authorised_at=clock.now(),
                    result_status="S",
                ),
                **{**OP, "terminal_id": terminal},
            )
        made.append(p)
        clock.advance(1)
    return made


def _walk(repo: JournalRepository, flt: PaymentFilter, size: int) -> list[int]:
    """Every row of the list, page by page (older), newest first."""
    ids: list[int] = []
    page = repo.list_payments(flt, PageRequest(PageDirection.FIRST, None, size))
    ids += [p.id for p in page.rows]
    while (older := page.older()) is not None:
        page = repo.list_payments(flt, older)
        ids += [p.id for p in page.rows]
    return ids


def test_terminal_filter_pages_counts_and_searches_one_tills_payments(
    repo: JournalRepository, clock: FakeClock
) -> None:
    _fill(repo, clock)
    everything = _walk(repo, PaymentFilter(), 7)
    assert repo.orders.terminals() == sorted(TERMINALS)
    for terminal in TERMINALS:
        flt = PaymentFilter(terminal=terminal)
        expected = [
            i
            for i in everything
            if (p := repo.get_payment(i)) is not None and p.terminal_id == terminal
        ]
        assert expected, terminal
        assert _walk(repo, flt, 7) == expected
        assert repo.count_payments(flt) == len(expected)
        # newer pages walk back up to the top
        last = repo.list_payments(flt, PageRequest(PageDirection.LAST, None, 5))
        back = list(last.rows)
        page = last
        while (newer := page.newer()) is not None:
            page = repo.list_payments(flt, newer)
            back = [*page.rows, *back]
        assert [p.id for p in back] == expected
        # by position (a scroll-bar jump), from either end
        assert [p.id for p in repo.payments_at(flt, 2, 3)] == expected[2:5]
        counts = repo.count_by_status(flt)
        assert sum(counts.values()) == len(expected)
        # the held list of one till
        held = repo.held_authorisations(limit=1000, terminal=terminal)
        assert held and all(p.terminal_id == terminal for p in held)
        assert all(p.status is PaymentStatus.AUTHORISED for p in held)
        # search within one till: a reference's start
        one = repo.get_payment(expected[-1])
        assert one is not None
        found = repo.list_payments(
            PaymentFilter(text=one.reference_order_id, terminal=terminal)
        ).rows
        assert [p.id for p in found] == [one.id]
        other = next(t for t in TERMINALS if t != terminal)
        assert not repo.list_payments(
            PaymentFilter(text=one.reference_order_id, terminal=other)
        ).rows
    # status and terminal together
    flt = PaymentFilter(terminal="TILL-02", statuses=frozenset({PaymentStatus.AUTHORISED}))
    rows = [repo.get_payment(i) for i in _walk(repo, flt, 4)]
    assert rows
    for p in rows:
        assert p is not None
        assert (p.terminal_id, p.status) == ("TILL-02", PaymentStatus.AUTHORISED)
    assert repo.list_payments(PaymentFilter(terminal="NOBODY")).rows == ()
    assert repo.count_payments(PaymentFilter(terminal="NOBODY")) == 0


def _plan(repo: JournalRepository, sql: str, params: list[object]) -> str:
    access = repo.orders.access
    if access.dialect.name == "sqlite":
        rows = access.read(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(r["detail"]) for r in rows)
    # a few rows: the planner would read the table whole; ask whether an index serves it
    access.journal.db().conn.execute("SET enable_seqscan = off")
    try:
        rows = access.read(f"EXPLAIN {sql}", params)
    finally:
        access.journal.db().conn.execute("RESET enable_seqscan")
    return "\n".join(str(next(iter(dict(r).values()))) for r in rows)


def test_the_terminal_filter_walks_an_index(repo: JournalRepository, clock: FakeClock) -> None:
    _fill(repo, clock, 12)
    dialect = repo.orders.access.dialect
    for flt in (
        PaymentFilter(terminal="TILL-02"),
        PaymentFilter(terminal="TILL-02", statuses=frozenset({PaymentStatus.AUTHORISED})),
        PaymentFilter(terminal="TILL-02", text="TF-0"),
    ):
        sql, params = list_sql(flt, PageDirection.FIRST, None, 51, True, dialect)
        plan = _plan(repo, sql, params)
        if dialect.name == "sqlite":
            assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
            assert "SCAN payments\n" not in plan + "\n", plan
            assert "TEMP B-TREE" not in plan or flt.text, plan  # no sort of the whole list
        else:
            assert "Index" in plan, plan
            assert "Seq Scan" not in plan, plan


def test_the_list_of_terminals_skips_through_the_terminal_index(
    repo: JournalRepository, clock: FakeClock
) -> None:
    made = _fill(repo, clock, 12)
    assert repo.orders.terminals() == sorted({p.terminal_id for p in made})
    assert len(repo.orders.terminals()) > 1
    access = repo.orders.access
    if access.dialect.name != "sqlite":
        return  # the same query; PostgreSQL's plan for MIN() over an index is its own
    rows = access.read(
        "EXPLAIN QUERY PLAN SELECT MIN(p.terminal_id) FROM payments p WHERE p.terminal_id > ?",
        ["TILL-01"],
    )
    plan = "\n".join(str(r["detail"]) for r in rows)
    assert "ix_payments_terminal_created" in plan, plan  # one probe, not a walk of the table
