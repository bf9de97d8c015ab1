"""Queries for the screens: keyset pages both ways, filters, search, held, counts."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posapp.core.cards import MaskedCard
from posapp.core.clock import FakeClock
from posapp.core.domain import Payment, PaymentStatus, PaymentUpdate
from posapp.core.journal.db import JournalOptions
from posapp.core.journal.repository import (
    HeldCursor,
    JournalRepository,
    Page,
    PageDirection,
    PageRequest,
    PaymentFilter,
    from_ms,
    to_ms,
)

from .conftest import OP, new_payment

P = PaymentStatus
STATUSES = [P.INTENT, P.PENDING, P.AUTHORISED, P.DECLINED, P.CAPTURED]


def _fill(repo: JournalRepository, clock: FakeClock, plan: list[tuple[bool, int]]) -> list[Payment]:
    made = []
    for i, (tick, status_index) in enumerate(plan):
        if tick:
            clock.advance(timedelta(milliseconds=1500))
        card = MaskedCard("VISA", "405469", f"{i % 7:04d}")
        p = repo.record_intent(new_payment(card=card, ref=f"REF-{i:04d}"))
        status = STATUSES[status_index]
        if status is not P.INTENT:
            update = PaymentUpdate(payment_id=f"PAY{i:05d}")
            if status is P.AUTHORISED:
                update = PaymentUpdate(payment_id=f"PAY{i:05d}", authorised_at=clock.now())
            p = repo.transition(p.id, status, update=update, **OP)
        made.append(p)
    return made


def _newest_first(payments: list[Payment]) -> list[int]:
    return [p.id for p in sorted(payments, key=lambda p: (p.created_at, p.id), reverse=True)]


def _walk_older(repo: JournalRepository, f: PaymentFilter, size: int) -> list[int]:
    page = repo.list_payments(f, PageRequest(size=size))
    assert not page.has_newer
    ids = [p.id for p in page.rows]
    while (request := page.older()) is not None:
        page = repo.list_payments(f, request)
        assert page.has_newer
        ids += [p.id for p in page.rows]
    return ids


def _walk_newer_from_end(repo: JournalRepository, f: PaymentFilter, size: int) -> list[int]:
    page = repo.list_payments(f, PageRequest(PageDirection.LAST, size=size))
    assert not page.has_older
    pages: list[Page] = [page]
    while (request := page.newer()) is not None:
        page = repo.list_payments(f, request)
        assert page.has_older
        pages.append(page)
    return [p.id for pg in reversed(pages) for p in pg.rows]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    plan=st.lists(st.tuples(st.booleans(), st.integers(0, len(STATUSES) - 1)), max_size=40),
    size=st.integers(1, 9),
    statuses=st.sets(st.sampled_from(STATUSES), max_size=3),
)
def test_keyset_pages_cover_every_row_once_in_both_directions(
    plan: list[tuple[bool, int]], size: int, statuses: set[PaymentStatus]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clock = FakeClock()
        repo = JournalRepository.open(
            Path(tmp) / "journal.sqlite3", clock=clock, options=JournalOptions(synchronous="NORMAL")
        )
        try:
            made = _fill(repo, clock, plan)
            f = PaymentFilter(statuses=frozenset(statuses))
            current = [repo.get_payment(p.id) for p in made]
            wanted = _newest_first(
                [p for p in current if p is not None and (not statuses or p.status in statuses)]
            )
            assert _walk_older(repo, f, size) == wanted
            assert _walk_newer_from_end(repo, f, size) == wanted
        finally:
            repo.close()


def test_pages_do_not_shift_when_new_payments_arrive(
    repo: JournalRepository, clock: FakeClock
) -> None:
    made = _fill(repo, clock, [(True, 0)] * 12)
    first = repo.list_payments(page=PageRequest(size=5))
    assert [p.id for p in first.rows] == _newest_first(made)[:5]
    _fill(repo, clock, [(True, 0)] * 3)  # new sales on another till
    second = repo.list_payments(page=first.older())
    assert [p.id for p in second.rows] == _newest_first(made)[5:10]


def test_filters_date_range_and_text(repo: JournalRepository, clock: FakeClock) -> None:
    start = clock.now()
    made = _fill(repo, clock, [(True, i % len(STATUSES)) for i in range(30)])
    mid = made[10].created_at
    end = made[20].created_at
    page = repo.list_payments(
        PaymentFilter(created_from=mid, created_to=end), PageRequest(size=100)
    )
    assert [p.id for p in page.rows] == _newest_first(made[10:20])
    # last 4 digits
    hits = repo.list_payments(PaymentFilter(text="0003"), PageRequest(size=100)).rows
    assert {p.id for p in hits} == {p.id for p in made if p.card.last4 == "0003"}
    # order reference prefix, any case
    hits = repo.list_payments(PaymentFilter(text="ref-001"), PageRequest(size=100)).rows
    assert {p.reference_order_id for p in hits} == {f"REF-{i:04d}" for i in range(10, 20)}
    # paymentId (exact or prefix) and paymentRequestId
    hits = repo.list_payments(PaymentFilter(text="PAY00007"), PageRequest(size=100)).rows
    assert [p.payment_id for p in hits] == ["PAY00007"]
    target = made[5].payment_request_id
    assert [p.id for p in repo.list_payments(PaymentFilter(text=target)).rows] == [made[5].id]
    # text + status combined, no row twice even when two columns match
    both = repo.list_payments(
        PaymentFilter(text="REF-00", statuses=frozenset({P.DECLINED})), PageRequest(size=100)
    ).rows
    assert {p.id for p in both} == {
        p.id
        for p in made
        if p.reference_order_id.startswith("REF-00") and repo.get_payment(p.id).status is P.DECLINED  # type: ignore[union-attr]
    }
    assert len({p.id for p in both}) == len(both)
    assert repo.list_payments(PaymentFilter(text="nothing-like-this")).rows == ()
    assert start <= made[0].created_at


def test_held_authorisations_sorted_by_time_left(repo: JournalRepository, clock: FakeClock) -> None:
    ids = []
    for hours in (50, 10, 30, 10):
        p = repo.record_intent(new_payment())
        auth = clock.now() - timedelta(hours=hours)
        repo.transition(p.id, P.AUTHORISED, update=PaymentUpdate(authorised_at=auth), **OP)
        ids.append(p.id)
    other = repo.record_intent(new_payment())
    repo.transition(other.id, P.DECLINED, **OP)
    held = repo.held_authorisations()
    assert [p.id for p in held] == [ids[0], ids[2], ids[1], ids[3]]
    lefts = [p.time_left_to_capture(clock.now()) for p in held]
    assert lefts == sorted(lefts)  # type: ignore[type-var]
    first_two = repo.held_authorisations(limit=2)
    last = first_two[-1]
    rest = repo.held_authorisations(
        after=HeldCursor(int(last.capture_deadline.timestamp() * 1000), last.id)  # type: ignore[union-attr]
    )
    assert [p.id for p in first_two + rest] == [p.id for p in held]


def test_counts_by_status_match_the_rows(repo: JournalRepository, clock: FakeClock) -> None:
    made = _fill(repo, clock, [(True, i % len(STATUSES)) for i in range(23)])
    counts = repo.count_by_status()
    actual: dict[PaymentStatus, int] = {}
    for p in made:
        status = repo.get_payment(p.id).status  # type: ignore[union-attr]
        actual[status] = actual.get(status, 0) + 1
    assert {s: n for s, n in counts.items() if n} == actual
    windowed = repo.count_by_status(
        PaymentFilter(created_from=made[0].created_at, created_to=made[5].created_at)
    )
    assert sum(windowed.values()) == 5
    only = repo.count_by_status(PaymentFilter(statuses=frozenset({P.DECLINED})))
    assert list(only) == [P.DECLINED] and only[P.DECLINED] == actual[P.DECLINED]


def test_settlement_list_holds_only_unknown_outcomes(
    repo: JournalRepository, clock: FakeClock
) -> None:
    made = _fill(repo, clock, [(True, i % len(STATUSES)) for i in range(10)])
    unsettled = {p.id for p in repo.payments_needing_settlement()}
    expected = {p.id for p in made if repo.get_payment(p.id).status.needs_settlement}  # type: ignore[union-attr]
    assert unsettled == expected and unsettled
    assert len(repo.payments_needing_settlement(limit=1)) == 1


def test_position_queries_agree_with_the_pages(repo: JournalRepository, clock: FakeClock) -> None:
    made = _fill(repo, clock, [(i % 3 == 0, i % len(STATUSES)) for i in range(30)])
    wanted = _newest_first(made)
    assert repo.count_payments() == 30
    assert repo.payments_at(None, 10, 5) == list(
        repo.list_payments(page=PageRequest(size=30)).rows[10:15]
    )
    assert [p.id for p in repo.payments_at(None, 0, 7, from_oldest=True)] == wanted[-7:]
    f = PaymentFilter(text="REF-001")
    assert repo.count_payments(f) == 10
    assert [p.id for p in repo.payments_at(f, 0, 100)] == [
        i
        for i in wanted
        if repo.get_payment(i).reference_order_id.startswith("REF-001")  # type: ignore[union-attr]
    ]
    assert repo.last_event_id() == len(repo.events(limit=10_000))


def test_counts_agree_with_the_rows_listed_for_every_kind_of_filter(
    repo: JournalRepository, clock: FakeClock
) -> None:
    # the count reads only the key columns of each arm (order_list.KEY_COLUMNS): the same
    # number of rows as the list itself, one arm or several, UNION or UNION ALL
    made = _fill(repo, clock, [(i % 3 == 0, i % len(STATUSES)) for i in range(40)])
    middle = made[20].created_at
    filters = [
        PaymentFilter(created_from=middle),
        PaymentFilter(created_to=middle),
        PaymentFilter(statuses=frozenset({P.DECLINED, P.CAPTURED}), created_from=middle),
        PaymentFilter(text="0003"),  # last 4 (an arm of its own) and the reference prefixes
        PaymentFilter(text="ref-001"),  # the reference is searched ignoring case
        PaymentFilter(text="PAY0001", statuses=frozenset({P.PENDING, P.AUTHORISED})),
        PaymentFilter(text="0003", statuses=frozenset({P.CAPTURED}), created_from=middle),
        PaymentFilter(text="nothing"),
    ]
    for f in filters:
        listed = repo.payments_at(f, 0, 1000)
        assert repo.count_payments(f) == len(listed) == len({p.id for p in listed}), f
    assert repo.count_payments(filters[3]) > 0 and repo.count_payments(filters[-1]) == 0


def test_rows_at_every_position_match_the_list_both_ways(
    repo: JournalRepository, clock: FakeClock
) -> None:
    # payments_at finds the row at the position on the key columns, then pages by keyset
    # from it: the same rows as slicing the whole list, with ties on the creation time
    made = _fill(repo, clock, [(i % 4 == 0, i % len(STATUSES)) for i in range(23)])
    for f in (
        None,
        PaymentFilter(statuses=frozenset({P.DECLINED, P.CAPTURED})),
        PaymentFilter(text="0002"),  # several arms, merged with UNION
        PaymentFilter(created_from=made[5].created_at),
    ):
        listed = [p.id for p in repo.payments_at(f, 0, 1000)]
        assert listed, f
        for offset in range(len(listed) + 2):
            got = [p.id for p in repo.payments_at(f, offset, 4)]
            assert got == listed[offset : offset + 4], (f, offset)
            from_end = [p.id for p in repo.payments_at(f, offset, 4, from_oldest=True)]
            end = len(listed) - offset
            assert from_end == listed[max(0, end - 4) : max(0, end)], (f, offset)


@given(st.datetimes(timezones=st.just(UTC)))
def test_times_round_trip_exactly_to_the_millisecond(moment: datetime) -> None:
    ms = to_ms(moment)
    assert to_ms(from_ms(ms)) == ms
    assert from_ms(ms) <= moment < from_ms(ms) + timedelta(milliseconds=1)
