"""Ingest and the rollup recount put every call on ``astimezone``'s local day, in every zone.

Instants run from 1900 to 2999 in every zone tzdata knows. Before standard time (and in a few
zones well after it) offsets were local mean time, whole seconds such as Monrovia's -00:44:30
in 1960, so the strategy leans towards 1900-1975, towards local midnights and towards offset
changes, and sends several calls a few minutes apart: what one call's day is must never decide
another's.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from gateway.catalog.records import ModelRecord
from gateway.orgs.enums import AiProvider
from gateway.usage.ingest import _check_and_sum, _Refs
from gateway.usage.inputs import AiCallIn
from gateway.usage.sums import CallFacts, call_deltas

ZONES = sorted(zoneinfo.available_timezones())
FIRST = datetime(1900, 1, 1, tzinfo=UTC)
LAST = datetime(2999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)
MODEL = ModelRecord("claude-sonnet-4-5", AiProvider.ANTHROPIC, "Sonnet", "Claude Sonnet")
# After every instant drawn: no call is in the future.
NOW = datetime(3000, 1, 2, tzinfo=UTC)


def _clamp(instant: datetime) -> datetime:
    return min(max(instant, FIRST), LAST)


def _midnight(zone: ZoneInfo, day: date) -> datetime:
    """The local midnight of ``day`` as an instant (near it when midnight is skipped)."""
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def _change_near(zone: ZoneInfo, instant: datetime) -> datetime:
    """The first instant of the zone's next offset within a day of ``instant``, found by
    halving (the offset at every instant from ``astimezone``); ``instant`` if none."""
    low, high = instant - timedelta(days=1), instant + timedelta(days=1)
    offset = low.astimezone(zone).utcoffset()
    if offset == high.astimezone(zone).utcoffset():
        return instant
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == offset:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


@st.composite
def _anchor(draw: st.DrawFn, zone: ZoneInfo) -> datetime:
    kind = draw(st.sampled_from(["early midnight", "midnight", "change", "anywhere"]))
    if kind == "anywhere":
        return draw(st.datetimes(FIRST.replace(tzinfo=None), LAST.replace(tzinfo=None))).replace(
            tzinfo=UTC
        )
    last_year = 1975 if kind == "early midnight" else 2999
    day = draw(st.dates(date(1900, 1, 1), date(last_year, 12, 31)))
    midnight = _midnight(zone, day)
    if kind == "change":
        return _change_near(zone, midnight)
    return midnight


@st.composite
def _calls(draw: st.DrawFn) -> tuple[str, list[datetime]]:
    """A zone and a few instants within half an hour of one anchor, in the order drawn."""
    name = draw(st.sampled_from(ZONES))
    anchor = draw(_anchor(ZoneInfo(name)))
    shifts = draw(
        st.lists(
            st.one_of(
                st.integers(-1_800, 1_800).map(lambda s: timedelta(seconds=s)),
                st.integers(-1_800_000_000, 1_800_000_000).map(
                    lambda us: timedelta(microseconds=us)
                ),
            ),
            min_size=1,
            max_size=12,
        )
    )
    return name, [_clamp(anchor + shift) for shift in shifts]


def _expected(name: str, instants: list[datetime]) -> list[tuple[date, date]]:
    days = [instant.astimezone(ZoneInfo(name)).date() for instant in instants]
    return [(day, date(day.year, day.month, 1)) for day in days]


# Monrovia, -00:44:30 in 1960: 23:50 on 31 May, then 00:00:15 on 1 June, in one UTC quarter hour.
MONROVIA = (
    "Africa/Monrovia",
    [datetime(1960, 6, 1, 0, 34, 30, tzinfo=UTC), datetime(1960, 6, 1, 0, 44, 45, tzinfo=UTC)],
)
# UTC before 1970: an instant half a second before midnight, after one at midnight.
BEFORE_1970 = (
    "UTC",
    [datetime(1969, 1, 1, tzinfo=UTC), datetime(1968, 12, 31, 23, 59, 59, 500_000, tzinfo=UTC)],
)


@settings(max_examples=1_000, deadline=None)
@given(case=_calls())
@example(case=MONROVIA)
@example(case=BEFORE_1970)
def test_rollup_recount_puts_each_call_on_its_local_day(
    case: tuple[str, list[datetime]],
) -> None:
    name, instants = case
    facts = [
        CallFacts("org", at, "CREDITS", "CHAT", f"m{i}", "ANTHROPIC", "Sonnet", 1, 0, 0)
        for i, at in enumerate(instants)
    ]
    deltas = call_deltas(facts, {"org": ZoneInfo(name)})
    got = {}
    for (_, day, month, _, _, member, _, _), sums in deltas.items():
        got[member] = (day, month, sums.calls)
    want = _expected(name, instants)
    # One member per call, so each delta key is one call.
    assert got == {f"m{i}": (*want[i], 1) for i in range(len(instants))}


@settings(max_examples=1_000, deadline=None)
@given(case=_calls())
@example(case=MONROVIA)
@example(case=BEFORE_1970)
def test_ingest_puts_each_call_on_its_local_day(case: tuple[str, list[datetime]]) -> None:
    name, instants = case
    events = [
        AiCallIn.model_validate(
            {
                "eventId": f"e{i}",
                "orgId": "org",
                "occurredAt": at.isoformat(),
                "memberId": "m1",
                "reason": "CHAT",
                "billingMode": "CREDITS",
                "model": MODEL.id,
                "creditsCharged": Decimal(1),
            }
        )
        for i, at in enumerate(instants)
    ]
    refs = _Refs({"org": ZoneInfo(name)}, {"org": {"m1"}}, {MODEL.id: MODEL}, {})
    rows, keys, _ = _check_and_sum(events, refs, NOW)
    assert [row[2] for row in rows] == instants
    assert [(key[1], key[2]) for key in keys] == _expected(name, instants)
