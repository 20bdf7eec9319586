"""The cost of a GraphQL document, as Shopify counts it: scalars and enums 0, objects 1, a list
or connection 2 + its size x its selection; and the actual cost, from the rows returned.

Pricing is syntactic (the document is validated before it is priced), so some tests select an
object ``point { x }`` under a list whose real items only have scalars, to make sizes visible.
"""

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
from resolvers.cost import actual_cost, document_cost, returned_rows


def cost(query: str, variables: dict[str, Any] | None = None, name: str | None = None) -> int:
    return document_cost(parse(query), variables, name)


# edges 1 + node 1 (+ scalars 0) = 2 a connection.
NODE = "edges { node { id reason } }"


def test_scalars_and_enums_are_free_objects_cost_one() -> None:
    assert cost("{ __typename }") == 0
    assert cost("{ organization { id name } }") == 1
    assert cost("{ organization { aiBilling { mode } } }") == 2


@pytest.mark.parametrize("field", ["byReason", "byModel"])
def test_a_list_of_scalars_costs_two(field: str) -> None:
    # organization 1 + usage 1 + the list 2 (+ its size x 0).
    assert cost(f"{{ organization {{ usage {{ {field} {{ label }} }} }} }}") == 4
    assert cost("{ organization { consumption { byStatus { status count } } } }") == 4


@pytest.mark.parametrize(("field", "size"), [("byReason", 3), ("byModel", 20), ("byStatus", 5)])
def test_fixed_bounds(field: str, size: int) -> None:
    # A list of objects: 2 + size x (point 1 + inner 1).
    query = f"{{ {field} {{ point {{ inner {{ x }} }} }} }}"
    assert cost(query) == 2 + size * 2


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        ("(first: 10)", 24),  # activity 2 + 10 x 2 = 22; usage 23; organization 24
        ("", 104),  # default 50: 2 + 50 x 2 = 102, + 2
        ("(first: 100)", 204),  # 2 + 100 x 2 = 202, + 2
        ("(first: 1000)", 204),  # above the maximum: counted as the maximum 100
        ("(first: 0)", 104),  # not a valid count: the default
        ("(first: -5)", 104),
    ],
)
def test_first_multiplies_the_selection(first: str, expected: int) -> None:
    assert cost(f"{{ organization {{ usage {{ activity{first} {{ {NODE} }} }} }} }}") == expected


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        ("", 14),  # byUser default 5: 2 + 5 x (nodes 1 + member 1) = 12; + 2
        ("(first: 20)", 44),  # 2 + 20 x 2 = 42; + 2
        ("(first: 600)", 1_004),  # capped at 500: 2 + 500 x 2 = 1002; + 2
    ],
)
def test_by_user_first(first: str, expected: int) -> None:
    query = f"{{ organization {{ usage {{ byUser{first} {{ nodes {{ member {{ id }} }} }} }} }} }}"
    assert cost(query) == expected


def test_first_from_a_variable() -> None:
    query = (
        f"query Q($n: Int) {{ organization {{ usage {{ activity(first: $n) {{ {NODE} }} }} }} }}"
    )
    assert cost(query, {"n": 7}) == 18  # 2 + 7 x 2 = 16; + 2
    assert cost(query, {"n": 1}) == 6  # 2 + 1 x 2 = 4; + 2
    # A variable that is not given: the field's default 50.
    assert cost(query, {}) == 104
    assert cost(query, None) == 104


def test_first_from_a_variables_declared_default() -> None:
    query = (
        "query Q($n: Int = 500) { organization { usage {"
        " byUser(first: $n) { nodes { member { id } } } } } }"
    )
    assert cost(query) == 1_004  # priced with 500: 2 + 500 x 2 = 1002; + 2
    assert cost(query, {"n": 3}) == 10  # given: 2 + 3 x 2 = 8; + 2
    assert cost(query, {"n": None}) == 1_004  # null: the default again, never below it


def test_nested_lists_multiply() -> None:
    # byStatus 2 + 5 x point 1 = 7; credits 8; node 9; edges 10; openings 2 + 3 x 10 = 32;
    # organization 33.
    query = "{ organization { openings(first: 3) { edges { node { credits { byStatus { point { x } } } } } } } }"
    assert cost(query) == 33


# --- buckets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "granularity", "buckets"),
    [
        ('{from: "2025-01-01", to: "2025-01-31"}', "DAY", 31),
        # ceil(31 / 7) + 1 = 6 weeks at most.
        ('{from: "2025-01-01", to: "2025-01-31"}', "WEEK", 6),
        # January, February, March.
        ('{from: "2025-01-15", to: "2025-03-02"}', "MONTH", 3),
        # Across the year: December .. February is 3 months.
        ('{from: "2024-12-31", to: "2025-02-01"}', "MONTH", 3),
        ('{from: "2025-01-01", to: "2025-01-01"}', "DAY", 1),
        # A preset spans at most a month: 31 days, 6 weeks, 2 months.
        ("{preset: LAST_MONTH}", "DAY", 31),
        ("{preset: LAST_MONTH}", "WEEK", 6),
        ("{preset: LAST_MONTH}", "MONTH", 2),
        # A date that does not exist is counted as a preset.
        ('{from: "2025-02-01", to: "2025-02-30"}', "DAY", 31),
    ],
)
def test_time_series_counts_buckets(period: str, granularity: str, buckets: int) -> None:
    query = f"{{ organization {{ usage(period: {period}) {{ timeSeries(granularity: {granularity}) {{ point {{ x }} }} }} }} }}"
    assert cost(query) == 1 + 1 + 2 + buckets


def test_time_series_defaults_to_days_of_a_preset() -> None:
    assert cost("{ organization { usage { timeSeries { point { x } } } } }") == 4 + 31


def test_period_from_a_variable() -> None:
    query = "query Q($p: PeriodInput!) { organization { usage(period: $p) { timeSeries(granularity: DAY) { point { x } } } } }"
    # February 2024 has 29 days.
    assert cost(query, {"p": {"from": "2024-02-01", "to": "2024-02-29"}}) == 4 + 29


def test_period_fields_from_variables() -> None:
    query = "query Q($f: Date!, $t: Date!) { organization { consumption(period: {from: $f, to: $t}) { usageTrend(granularity: DAY) { point { x } } } } }"
    assert cost(query, {"f": "2025-01-01", "t": "2025-01-10"}) == 4 + 10


def test_a_nested_period_field_takes_its_own_period() -> None:
    # credits has no period of its own: a preset, 31 days, even under a long consumption range.
    query = (
        '{ organization { consumption(period: {from: "2025-01-01", to: "2025-03-31"}) { id } '
        "openings(first: 1) { edges { node { credits { usageTrend { point { x } } } } } } } }"
    )
    # consumption 1; usageTrend 2 + 31 = 33; credits 34; node 35; edges 36;
    # openings 2 + 1 x 36 = 38; organization 1 + 1 + 38 = 40.
    assert cost(query) == 40


def _series_buckets(first: date, last: date, granularity: str) -> int:
    query = f'{{ organization {{ usage(period: {{from: "{first}", to: "{last}"}}) {{ timeSeries(granularity: {granularity}) {{ point {{ x }} }} }} }} }}'
    return cost(query) - 4  # organization, usage and the list itself


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
    counted = _series_buckets(first, last, granularity.value)
    if granularity is Granularity.WEEK:
        assert real <= counted <= real + 1
    else:
        assert counted == real


# --- fragments and operations ----------------------------------------------------------------


def test_named_fragments_are_counted() -> None:
    query = (
        "query { organization { usage { activity(first: 10) { edges { node { ...Call } } } } } }"
        " fragment Call on UsageCall { id member { id } }"
    )
    # node 1 + member 1 = 2; edges 3; activity 2 + 10 x 3 = 32; + 2.
    assert cost(query) == 34


def test_inline_fragments_are_counted() -> None:
    query = "{ organization { usage { activity(first: 10) { edges { node { ... on UsageCall { id member { id } } } } } } } }"
    assert cost(query) == 34


def test_a_fragment_is_counted_wherever_it_is_spread() -> None:
    query = (
        "{ organization { usage {"
        " a: activity(first: 2) { edges { node { ...Call } } }"
        " b: activity(first: 3) { edges { node { ...Call } } } } } }"
        " fragment Call on UsageCall { id member { id } }"
    )
    # a: 2 + 2 x 3 = 8; b: 2 + 3 x 3 = 11; usage 1 + 19 = 20; organization 21.
    assert cost(query) == 21


def test_fragments_within_fragments() -> None:
    query = (
        "{ organization { usage { ...Page } } }"
        " fragment Page on UsagePeriod { byUser(first: 2) { ...Rows } }"
        " fragment Rows on UserUsageConnection { nodes { member { id } } }"
    )
    # byUser 2 + 2 x 2 = 6; usage 7; organization 8.
    assert cost(query) == 8


def test_a_fragment_spreading_itself_terminates() -> None:
    query = "{ organization { ...A } } fragment A on Organization { id aiBilling { mode } ...A }"
    assert cost(query) == 2  # organization 1 + aiBilling 1; the inner spread adds nothing


def test_an_unknown_fragment_costs_nothing() -> None:
    assert cost("{ organization { id ...Missing } }") == 1


def test_the_named_operation_is_costed() -> None:
    query = (
        "query Small { organization { id } }"
        " query Big { organization { usage { byUser { nodes { member { id } } } } } }"
    )
    assert cost(query, name="Small") == 1
    assert cost(query, name="Big") == 14
    assert cost(query, name=None) == 1  # the first one
    assert cost(query, name="Other") == 0


# --- actual cost -----------------------------------------------------------------------------

PAGE = (
    "{ organization { usage { activity(first: 10) { totalCount edges { node { id member { id } } } }"
    " byUser(first: 5) { nodes { member { id } } } } } }"
)


def test_the_actual_cost_counts_the_rows_returned() -> None:
    # Requested: activity 2 + 10 x 3 = 32; byUser 2 + 5 x 2 = 12; usage 45; organization 46.
    assert cost(PAGE) == 46
    edge = {"node": {"id": "c", "member": {"id": "m"}}}
    data = {
        "organization": {
            "usage": {
                "activity": {"totalCount": 2, "edges": [edge, edge]},
                "byUser": {"nodes": [{"member": {"id": "m"}}]},
            }
        }
    }
    # Returned: activity 2 + 2 x 3 = 8; byUser 2 + 1 x 2 = 4; usage 13; organization 14.
    assert actual_cost(parse(PAGE), None, None, data) == 14
    # Nothing returned (a field refused, or no data at all): the lists cost 2 each.
    assert actual_cost(parse(PAGE), None, None, None) == 1 + 1 + 2 + 2
    assert actual_cost(parse(PAGE), None, None, {"organization": None}) == 6


def test_rows_are_counted_per_path_and_alias() -> None:
    data = {
        "a": [1, 2, 3],
        "b": {"edges": [{}, {}], "totalCount": 9},
        "c": [{"d": [1]}, {"d": [1, 2, 3, 4]}],
    }
    rows = returned_rows(data)
    assert rows[("a",)] == 3
    assert rows[("b",)] == 2
    assert rows[("c",)] == 2
    assert rows[("c", "d")] == 4  # the largest of the lists under that path


@settings(max_examples=60, deadline=None)
@given(counts=st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=4))
def test_the_actual_cost_never_exceeds_the_requested(counts: list[int]) -> None:
    query = (
        "{ organization { usage { "
        + " ".join(
            f"a{i}: activity(first: 100) {{ edges {{ node {{ member {{ id }} }} }} }}"
            for i in range(len(counts))
        )
        + " } } }"
    )
    edge = {"node": {"member": {"id": "m"}}}
    usage = {f"a{i}": {"edges": [edge] * n} for i, n in enumerate(counts)}
    actual = actual_cost(parse(query), None, None, {"organization": {"usage": usage}})
    assert actual <= cost(query)
    assert actual == 2 + sum(2 + n * 3 for n in counts)


# --- nodes(ids:) -----------------------------------------------------------------------------

NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Member { name } } }"


def test_nodes_is_a_list_of_its_ids() -> None:
    # Each entry is an object, as node(id:) answers it: 2 + ids x 1.
    assert cost('{ node(id: "x") { id } }') == 1
    assert cost(NODES, {"ids": ["x"] * 100}) == 102
    assert cost(NODES, {"ids": ["x"] * 3}) == 5
    assert cost('{ nodes(ids: ["a", "b"]) { id } }') == 4
    assert cost('{ nodes(ids: "a") { id } }') == 3  # one id, coerced to a list of one
    # Not given (refused when it runs): at its largest; over 100 (refused too): 100.
    assert cost(NODES, {}) == 102
    assert cost(NODES, {"ids": ["x"] * 500}) == 102
    # What is selected in each entry multiplies too.
    selection = '{ nodes(ids: ["a", "b"]) { ... on UsageCall { member { id } } } }'
    assert cost(selection) == 2 + 2 * 2


def test_aliased_nodes_with_ids_in_a_variable_are_priced_by_their_ids() -> None:
    aliases = " ".join(f"a{i}: nodes(ids: $ids) {{ id }}" for i in range(15))
    query = f"query($ids: [ID!]!) {{ {aliases} }}"
    assert cost(query, {"ids": ["x"] * 100}) == 15 * 102
    # The actual cost counts the entries returned, nulls included (each was looked up).
    data = {f"a{i}": [None, {"id": "x"}] for i in range(15)}
    assert actual_cost(parse(query), {"ids": ["x"] * 100}, None, data) == 15 * 4


def test_a_connections_nodes_are_not_refetches() -> None:
    # byUser's nodes take no ids: still an object in the connection, as before.
    assert cost("{ organization { usage { byUser { nodes { member { id } } } } } }") == 14
