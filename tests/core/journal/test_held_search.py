"""The Held tab's search, period and terminal in the journal's SQL (``order_list.held_sql``):
the same rows, in the same order, as the held list read whole and filtered in memory with
the screens' predicate (what the adapter did before), on both back-ends; and the held
search walks an index."""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta

import pytest

from posapp.core.clock import FakeClock
from posapp.core.domain import CaptureMode, NewPayment, Payment, PaymentStatus, PaymentUpdate
from posapp.core.journal.order_list import HeldCursor, PaymentFilter, held_sql
from posapp.core.journal.repository import JournalRepository
from posapp.core.money import Money
from posapp.ui.models import orders_backend
from posapp.ui.models import payment_fields as pf
from posapp.ui.models.order_model import OrderQuery
from posapp.ui.models.orders_backend import JournalOrderSource, held_cursor, held_order

from .conftest import MC, VISA
from .test_terminal_filter import _plan

_numbers = itertools.count(1)
TERMINALS = ("TILL-01", "TILL-02", "BACK-01")
REFS = ("ORD-", "ord-", "Table-", "tAbLe-", "X")
WHO = {"operator": "poller", "terminal_id": "TILL-01"}


def _new(rng: random.Random, terminal: str) -> NewPayment:
    n = next(_numbers)
    return NewPayment(
        reference_order_id=f"{rng.choice(REFS)}{rng.randrange(40):02d}-{n:04d}",
        payment_request_id=f"HS-{rng.randrange(10)}{n:05d}",
        amount=Money(100 + n, "USD"),
        capture_mode=CaptureMode.MANUAL,
        card=VISA if n % 3 else MC,
        operator="alice",
        terminal_id=terminal,
    )


def _fill(repo: JournalRepository, clock: FakeClock, n: int = 150) -> None:
    """``n`` payments over 3 tills (seeded): most held with various times left (some on
    the same deadline), some lapsed within the day or before, some captured or pending."""
    rng = random.Random(20261202)
    shared_deadline = clock.now() + timedelta(days=3)
    for i in range(n):
        terminal = rng.choice(TERMINALS)
        p = repo.record_intent(_new(rng, terminal))
        clock.advance(rng.randrange(1, 4000))
        kind = rng.random()
        if kind < 0.1:
            continue  # left as an intent
        ago = timedelta(minutes=rng.randrange(0, 9 * 24 * 60))
        update = PaymentUpdate(
            payment_id=f"ANT{rng.randrange(10)}{p.payment_request_id}",
            authorised_at=clock.now() - ago,
            auth_expiry=shared_deadline if i % 11 == 0 else None,
            result_status="S",
        )
        p = repo.transition(
            p.id, PaymentStatus.AUTHORISED, update=update, **{**WHO, "terminal_id": terminal}
        )
        if kind < 0.25:
            repo.transition(p.id, PaymentStatus.RELEASED, **WHO)
        elif kind < 0.32:
            repo.transition(p.id, PaymentStatus.CAPTURE_PENDING, **WHO)


def _python_held(source: JournalOrderSource, query: OrderQuery) -> list[Payment]:
    """What the adapter did before: every hold read, the lapsed ones added, filtered here."""
    rows: list[Payment] = []
    after: HeldCursor | None = None
    while True:
        page = source.repo.held_authorisations(limit=37, after=after, terminal=query.terminal)
        rows += page
        if len(page) < 37:
            break
        after = held_cursor(page[-1])
    rows = sorted([*rows, *source._recently_released()], key=held_order)
    plain = OrderQuery(
        since=query.since, until=query.until, text=query.text, terminal=query.terminal
    )
    return [p for p in rows if pf.matches(p, plain)]


def _queries(clock: FakeClock, made: list[Payment]) -> list[OrderQuery]:
    now = clock.now()
    some = made[len(made) // 2]
    periods: list[tuple[datetime | None, datetime | None]] = [
        (None, None),
        (now - timedelta(days=2), None),
        (None, now - timedelta(days=1)),
        (now - timedelta(days=3), now - timedelta(hours=12)),
    ]
    texts = ["", "ord", "TABLE-1", "x", "0768", "4622", "HS-3", "ANT2", some.reference_order_id]
    texts += ["nothing", " table-0 "]
    queries = []
    for i, text in enumerate(texts):
        since, until = periods[i % len(periods)]
        queries.append(OrderQuery(held=True, text=text))
        queries.append(OrderQuery(held=True, text=text, since=since, until=until))
        queries.append(
            OrderQuery(held=True, text=text, terminal=TERMINALS[i % 3], since=since, until=until)
        )
    return queries


def test_the_held_search_in_sql_gives_the_rows_of_the_filter_in_memory(
    repo: JournalRepository, clock: FakeClock
) -> None:
    _fill(repo, clock)
    source = JournalOrderSource(repo, now=clock.now)
    made = repo.list_payments(PaymentFilter(), None).rows
    assert source._recently_released(), "the journal should have lapsed holds to merge"
    for query in _queries(clock, list(made)):
        expected = [p.id for p in _python_held(source, query)]
        total = source.count(query)
        assert total == len(expected), query
        for size in (1, 7, 50):
            # scrolled down by keyset from the first window
            walked = [p.id for p in source.window(query, offset=0, limit=size, total=total)]
            while len(walked) < len(expected):
                key = source.key_of(query, source.get(walked[-1]) or made[0])
                more = source.window(query, offset=0, limit=size, total=total, after=key)
                assert more, (query, size)
                walked += [p.id for p in more]
            assert walked == expected, (query, size)
            # every position (a scroll-bar jump), and up by keyset from each row
            for offset in range(0, len(expected) + 2, max(1, size // 2)):
                got = source.window(query, offset=offset, limit=size, total=total)
                assert [p.id for p in got] == expected[offset : offset + size], (query, offset)
                if 0 < offset < len(expected):
                    row = source.get(expected[offset])
                    assert row is not None
                    up = source.window(
                        query,
                        offset=0,
                        limit=size,
                        total=total,
                        before=source.key_of(query, row),
                    )
                    assert [p.id for p in up] == expected[max(0, offset - size) : offset]


def test_the_held_search_walks_an_index(repo: JournalRepository, clock: FakeClock) -> None:
    _fill(repo, clock, 30)
    dialect = repo.orders.access.dialect
    now = clock.now()
    for flt in (
        PaymentFilter(text="ord"),
        PaymentFilter(text="0768"),
        PaymentFilter(created_from=now - timedelta(days=2)),
        PaymentFilter(terminal="TILL-02", text="HS-1"),
    ):
        for after in (None, HeldCursor(0, 0)):
            sql, params = held_sql(flt, 51, dialect, after=after)
            plan = _plan(repo, sql, params)
            if dialect.name == "sqlite":
                assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
                assert "SCAN payments\n" not in plan + "\n", plan
            else:
                assert "Index" in plan, plan
                assert "Seq Scan" not in plan, plan


def test_a_jump_past_many_lapsed_holds_reads_the_held_rows_in_several_pages(
    repo: JournalRepository, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A jump by position reads the held rows from as many places before it as there are
    lapsed holds: more than a page of the journal's is read in several pages (a page of 4
    here, against 1,000 in use)."""
    _fill(repo, clock, 80)
    monkeypatch.setattr(orders_backend, "MAX_PAGE_SIZE", 4)
    source = JournalOrderSource(repo, now=clock.now)
    assert source._recently_released()
    for query in (OrderQuery(held=True), OrderQuery(held=True, text="ord")):
        expected = [p.id for p in _python_held(source, query)]
        total = source.count(query)
        for offset in range(len(expected) + 1):
            got = source.window(query, offset=offset, limit=4, total=total)
            assert [p.id for p in got] == expected[offset : offset + 4], (query, offset)
