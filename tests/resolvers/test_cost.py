"""The cost of a GraphQL document: 1 point a field, lists multiplying their subtree."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from graphql import parse
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.core.buckets import Granularity, bucket_starts
from gateway.core.periods import Period
from gateway.resolvers.cost import document_cost


def cost(query: str, variables: dict[str, Any] | None = None, name: str | None = None) -> int:
    return document_cost(parse(query), variables, name)


# node { id reason } = 1 + 2 = 3; edges { node } = 1 + 3 = 4.
NODE = "edges { node { id reason } }"


def test_plain_fields() -> None:
    assert cost("{ organization { id name } }") == 3  # 1 + (1 + 1)


def test_fixed_bound_by_reason() -> None:
    # organization 1 + usage 1 + byReason (1 + 3 x label 1) = 6.
    assert cost("{ organization { usage { byReason { label } } } }") == 6


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # byModel: 1 + 20 x 1 = 21; + usage + organization = 23.
        ("{ organization { usage { byModel { label } } } }", 23),
        # byStatus: 1 + 5 x (1 + 1) = 11; + consumption + organization = 13.
        ("{ organization { consumption { byStatus { status count } } } }", 13),
    ],
)
def test_other_fixed_bounds(query: str, expected: int) -> None:
    assert cost(query) == expected


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        ("(first: 10)", 43),  # activity 1 + 10 x 4 = 41; usage 42; organization 43
        ("", 203),  # default 50: 1 + 50 x 4 = 201, + 2
        ("(first: 100)", 403),  # 1 + 100 x 4 = 401, + 2
        ("(first: 1000)", 403),  # above the maximum: counted as the maximum 100
        ("(first: 0)", 203),  # not a valid count: the default
        ("(first: -5)", 203),
    ],
)
def test_first_multiplies_the_subtree(first: str, expected: int) -> None:
    assert cost(f"{{ organization {{ usage {{ activity{first} {{ {NODE} }} }} }} }}") == expected


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        ("", 13),  # byUser default 5: 1 + 5 x (1 + 1) = 11; + 2
        ("(first: 20)", 43),  # 1 + 20 x 2 = 41; + 2
        ("(first: 600)", 1_003),  # capped at 500: 1 + 500 x 2 = 1001; + 2
    ],
)
def test_by_user_first(first: str, expected: int) -> None:
    assert (
        cost(f"{{ organization {{ usage {{ byUser{first} {{ rows {{ name }} }} }} }} }}")
        == expected
    )


def test_first_from_a_variable() -> None:
    query = (
        f"query Q($n: Int) {{ organization {{ usage {{ activity(first: $n) {{ {NODE} }} }} }} }}"
    )
    assert cost(query, {"n": 7}) == 31  # 1 + 7 x 4 = 29; + 2
    assert cost(query, {"n": 1}) == 7  # 1 + 1 x 4 = 5; + 2
    # A variable that is not given: the default 50.
    assert cost(query, {}) == 203
    assert cost(query, None) == 203


def test_nested_lists_multiply() -> None:
    # byStatus 1 + 5 = 6; credits 7; node 8; edges 9; openings 1 + 3 x 9 = 28; organization 29.
    query = "{ organization { openings(first: 3) { edges { node { credits { byStatus { count } } } } } } }"
    assert cost(query) == 29


# --- buckets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "granularity", "expected"),
    [
        # 1..31 January is 31 days: timeSeries 1 + 31 = 32; usage 33; organization 34.
        ('{from: "2025-01-01", to: "2025-01-31"}', "DAY", 34),
        # ceil(31 / 7) + 1 = 6 weeks at most: 1 + 6 = 7; + 2.
        ('{from: "2025-01-01", to: "2025-01-31"}', "WEEK", 9),
        # January, February, March: 3 months: 1 + 3 = 4; + 2.
        ('{from: "2025-01-15", to: "2025-03-02"}', "MONTH", 6),
        # Across the year: December .. February is 3 months.
        ('{from: "2024-12-31", to: "2025-02-01"}', "MONTH", 6),
        # A single day.
        ('{from: "2025-01-01", to: "2025-01-01"}', "DAY", 4),
        # A preset spans at most a month: 31 days, 6 weeks, 2 months.
        ("{preset: LAST_MONTH}", "DAY", 34),
        ("{preset: LAST_MONTH}", "WEEK", 9),
        ("{preset: LAST_MONTH}", "MONTH", 5),
        # A date that does not exist is costed as a preset.
        ('{from: "2025-02-01", to: "2025-02-30"}', "DAY", 34),
    ],
)
def test_time_series_counts_buckets(period: str, granularity: str, expected: int) -> None:
    query = f"{{ organization {{ usage(period: {period}) {{ timeSeries(granularity: {granularity}) {{ calls }} }} }} }}"
    assert cost(query) == expected


def test_time_series_defaults_to_days_of_a_preset() -> None:
    assert (
        cost("{ organization { usage { timeSeries { calls creditsCharged } } } }")
        == 1 + 1 + 1 + 31 * 2
    )


def test_period_from_a_variable() -> None:
    query = "query Q($p: PeriodInput!) { organization { usage(period: $p) { timeSeries(granularity: DAY) { calls } } } }"
    # February 2024 has 29 days: 1 + 29 = 30; + 2.
    assert cost(query, {"p": {"from": "2024-02-01", "to": "2024-02-29"}}) == 32


def test_period_fields_from_variables() -> None:
    query = "query Q($f: Date!, $t: Date!) { organization { consumption(period: {from: $f, to: $t}) { usageTrend(granularity: DAY) { creditsUsed } } } }"
    # 10 days: usageTrend 1 + 10 = 11; consumption 12; organization 13.
    assert cost(query, {"f": "2025-01-01", "t": "2025-01-10"}) == 13


def test_a_nested_period_field_takes_its_own_period() -> None:
    # credits has no period of its own: a preset, 31 days, even under a long consumption range.
    query = (
        '{ organization { consumption(period: {from: "2025-01-01", to: "2025-03-31"}) { id } '
        "openings(first: 1) { edges { node { credits { usageTrend { creditsUsed } } } } } } }"
    )
    # consumption 1 + 1 = 2; usageTrend 1 + 31 = 32; credits 33; node 34; edges 35;
    # openings 1 + 1 x 35 = 36; organization 1 + 2 + 36 = 39.
    assert cost(query) == 39


def _series_cost(first: date, last: date, granularity: str) -> int:
    query = f'{{ organization {{ usage(period: {{from: "{first}", to: "{last}"}}) {{ timeSeries(granularity: {granularity}) {{ calls }} }} }} }}'
    return cost(query) - 3  # organization, usage and timeSeries themselves


@settings(max_examples=100, deadline=None)
@given(
    first=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    length=st.integers(min_value=1, max_value=400),
    granularity=st.sampled_from(list(Granularity)),
)
def test_bucket_count_is_never_below_the_real_one(
    first: date, length: int, granularity: Granularity
) -> None:
    last = first + timedelta(days=length - 1)
    real = len(
        bucket_starts(Period(None, first, last + timedelta(days=1), ZoneInfo("UTC")), granularity)
    )
    counted = _series_cost(first, last, granularity.value)
    if granularity is Granularity.WEEK:
        assert real <= counted <= real + 1
    else:
        assert counted == real


# --- fragments and operations ----------------------------------------------------------------


def test_named_fragments_are_counted() -> None:
    query = (
        "query { organization { usage { activity(first: 10) { edges { node { ...Call } } } } } }"
        " fragment Call on UsageCall { id reason }"
    )
    assert cost(query) == 43  # as if written inline


def test_inline_fragments_are_counted() -> None:
    query = "{ organization { usage { activity(first: 10) { edges { node { ... on UsageCall { id reason } } } } } } }"
    assert cost(query) == 43


def test_a_fragment_is_counted_wherever_it_is_spread() -> None:
    query = (
        "{ organization { usage {"
        " a: activity(first: 2) { edges { node { ...Call } } }"
        " b: activity(first: 3) { edges { node { ...Call } } } } } }"
        " fragment Call on UsageCall { id reason }"
    )
    # a: 1 + 2 x 4 = 9; b: 1 + 3 x 4 = 13; usage 1 + 22 = 23; organization 24.
    assert cost(query) == 24


def test_fragments_within_fragments() -> None:
    query = (
        "{ organization { usage { ...Page } } }"
        " fragment Page on UsagePeriod { byReason { ...Reason } }"
        " fragment Reason on ReasonUsage { label callCount }"
    )
    # byReason 1 + 3 x 2 = 7; usage 8; organization 9.
    assert cost(query) == 9


def test_a_fragment_spreading_itself_terminates() -> None:
    query = "{ organization { ...A } } fragment A on Organization { id ...A }"
    assert cost(query) == 2  # organization 1 + id 1; the inner spread adds nothing


def test_an_unknown_fragment_costs_nothing() -> None:
    assert cost("{ organization { id ...Missing } }") == 2


def test_the_named_operation_is_costed() -> None:
    query = (
        "query Small { organization { id } }"
        " query Big { organization { usage { byReason { label } } } }"
    )
    assert cost(query, name="Small") == 2
    assert cost(query, name="Big") == 6
    assert cost(query, name=None) == 2  # the first one
    assert cost(query, name="Other") == 0
