"""Openings ranked by the credits they used, paged by position."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.consumption.enums import InterviewStatus as S
from gateway.consumption.openings import (
    OpeningFigures,
    opening_figures,
    page_of_openings,
    position,
)
from gateway.consumption.records import OpeningRecord, StatusTotals


def _opening(ident: str, title: str) -> OpeningRecord:
    return OpeningRecord("org-1", ident, title)


def test_opening_figures_fold_statuses() -> None:
    rows = [
        StatusTotals(("op-1", S.INVITED), firsts=3, credits_e4=0, events=4),
        StatusTotals(("op-1", S.STARTED), firsts=3, credits_e4=0, events=3),
        StatusTotals(("op-1", S.PARTIALLY_COMPLETED), firsts=1, credits_e4=5_000, events=2),
        StatusTotals(("op-1", S.COMPLETED), firsts=2, credits_e4=20_000, events=2),
        StatusTotals(("op-2", "INVITED"), firsts=1, credits_e4=0, events=1),  # plain string key
        StatusTotals(("op-2", S.SIMULATION), firsts=1, credits_e4=0, events=1),
    ]
    assert opening_figures(rows) == {
        # invited = INVITED firsts, completed = COMPLETED firsts, credits over every status:
        # 5,000 + 20,000 = 25,000.
        "op-1": OpeningFigures("op-1", invited=3, completed=2, credits_e4=25_000),
        "op-2": OpeningFigures("op-2", invited=1, completed=0, credits_e4=0),
    }


def test_opening_figures_add_repeated_keys() -> None:
    rows = [
        StatusTotals(("op-1", S.COMPLETED), firsts=2, credits_e4=20_000),
        StatusTotals(("op-1", S.COMPLETED), firsts=1, credits_e4=10_000),
    ]
    assert opening_figures(rows)["op-1"] == OpeningFigures("op-1", 0, 3, 30_000)


OPENINGS = [
    _opening("a", "Backend"),
    _opening("c", "Alpha"),
    _opening("b", "Alpha"),
    _opening("d", "Zeta"),  # no figures at all: 0 credits
    _opening("e", "Sales"),
]
FIGURES = {
    "a": OpeningFigures("a", credits_e4=30_000),
    "b": OpeningFigures("b", credits_e4=30_000),
    "c": OpeningFigures("c", credits_e4=30_000),
    "e": OpeningFigures("e", invited=2, credits_e4=50_000),
}


def _ids(page: object) -> list[str]:
    return [row.opening.id for row in page.rows]  # type: ignore[attr-defined]


def test_order_credits_desc_then_title_then_id() -> None:
    page = page_of_openings(OPENINGS, FIGURES, limit=10, after=None)
    # e has 5 credits; a, b, c 3 each: "Alpha" (b before c by id) then "Backend"; d has none.
    assert _ids(page) == ["e", "b", "c", "a", "d"]
    assert page.has_next is False
    assert page.total_count == 5
    assert page.rows[0].position == (50_000, "Sales", "e")
    assert page.rows[-1].figures == OpeningFigures("d")
    assert page.rows[-1].position == (0, "Zeta", "d")


def test_paging_after_a_position() -> None:
    first = page_of_openings(OPENINGS, FIGURES, limit=2, after=None)
    assert _ids(first) == ["e", "b"]
    assert (first.has_next, first.total_count) == (True, 5)
    second = page_of_openings(OPENINGS, FIGURES, limit=2, after=first.rows[-1].position)
    assert _ids(second) == ["c", "a"]
    assert (second.has_next, second.total_count) == (True, 5)
    third = page_of_openings(OPENINGS, FIGURES, limit=2, after=second.rows[-1].position)
    assert _ids(third) == ["d"]
    assert (third.has_next, third.total_count) == (False, 5)
    fourth = page_of_openings(OPENINGS, FIGURES, limit=2, after=third.rows[-1].position)
    assert _ids(fourth) == []
    assert (fourth.has_next, fourth.total_count) == (False, 5)


def test_exactly_limit_rows_left_has_no_next() -> None:
    page = page_of_openings(OPENINGS, FIGURES, limit=5, after=None)
    assert len(page.rows) == 5
    assert page.has_next is False


def test_after_a_position_whose_opening_is_gone() -> None:
    # A position between b and c (same credits and title, id "bb"): c and on follow.
    page = page_of_openings(OPENINGS, FIGURES, limit=10, after=(30_000, "Alpha", "bb"))
    assert _ids(page) == ["c", "a", "d"]
    assert page.total_count == 5


def test_position_without_figures_is_zero_credits() -> None:
    assert position(_opening("x", "T"), {}) == (0, "T", "x")


@settings(max_examples=100, deadline=None)
@given(
    specs=st.lists(
        st.tuples(st.sampled_from(["A", "B", "C"]), st.integers(min_value=0, max_value=3)),
        max_size=12,
    ),
    limit=st.integers(min_value=1, max_value=5),
)
def test_walking_the_pages_lists_every_opening_once_in_order(
    specs: list[tuple[str, int]], limit: int
) -> None:
    openings = [_opening(f"id{n:02d}", title) for n, (title, _) in enumerate(specs)]
    figures = {
        o.id: OpeningFigures(o.id, credits_e4=credits * 10_000)
        for o, (_, credits) in zip(openings, specs, strict=True)
        if credits
    }
    credits = {o.id: c * 10_000 for o, (_, c) in zip(openings, specs, strict=True)}
    expected = [o.id for o in sorted(openings, key=lambda o: (-credits[o.id], o.job_title, o.id))]
    seen: list[str] = []
    after = None
    for _ in range(len(openings) + 2):
        page = page_of_openings(openings, figures, limit=limit, after=after)
        assert page.total_count == len(openings)
        assert len(page.rows) <= limit
        seen += _ids(page)
        if not page.has_next:
            break
        after = page.rows[-1].position
    assert seen == expected
