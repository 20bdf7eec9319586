"""Verify an organization's rollups against its raw events, and rebuild them.

``verify`` recounts in memory every rollup row of the organization and compares it with the
stored one: AI rollups daily and monthly by reason, member and model, interview rollups daily
and monthly, the done days, the day candidates, and the charge of each interview event. The AI
rollups are summed here call by call, each on its local day from ``zoneinfo`` (not with
ingest's :mod:`gateway.usage.sums`, whose mistakes a recount through it would repeat); the
interview rules (:func:`gateway.consumption.charges.contribution`, ``done_days`` and
``charges``) are shared with ingest. A stored row whose sums are all zero counts as no row.
Everything is read in one snapshot.

``rebuild`` recounts the rollups from the events in one transaction (with the existing
``rebuild_*`` functions of :mod:`gateway.rollups`) and sets wrong event charges right.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.alerting import evaluate_all
from gateway.catalog import queries as catalog_queries
from gateway.clock import system_clock
from gateway.consumption import queries as consumption_queries
from gateway.consumption import writes as interview_writes
from gateway.consumption.charges import charges, contribution, done_days
from gateway.consumption.records import InterviewEventRecord
from gateway.consumption.rollups import period_rows, rebuild_interview_rollups
from gateway.core.calendar import add_months, local_midnight, month_start
from gateway.maintenance import queries as verify_queries
from gateway.maintenance.queries import ROLLUPS, Rollup, snapshot
from gateway.orgs import queries as org_queries
from gateway.storage.db import Database
from gateway.storage.locks import hold_every_model, hold_orgs
from gateway.storage.versions import move_versions
from gateway.usage import queries as usage_queries
from gateway.usage.rollups import rebuild_ai_rollups
from gateway.usage.rules import first_recountable_month
from gateway.usage.writes import AI_ROLLUPS

Key = tuple[Any, ...]
Sums = tuple[int, ...]
CHARGES = "interview_events.charge_e4"
PERIODS = "interview_periods"


_BY_NAME = {rollup.name: rollup for rollup in ROLLUPS}
_COLUMNS = {
    **{r.name: (r.key, r.sums) for r in ROLLUPS},
    CHARGES: (("org_id", "event_id"), ("charge_e4",)),
}


class UnknownOrganization(LookupError):
    pass


@dataclass(frozen=True)
class Window:
    """Local days ``first`` to ``last`` (inclusive); None on a side: unbounded."""

    first: date | None = None
    last: date | None = None

    def starting(self, first: date) -> Window:
        """This window from ``first`` on (when it starts earlier or is unbounded)."""
        return Window(max(self.first, first) if self.first else first, self.last)

    def bounds(self, rollup: Rollup) -> tuple[date | None, date | None]:
        """The window in the rollup's time column: whole months for monthly rollups."""
        if not rollup.monthly:
            return self.first, self.last
        return (
            month_start(self.first) if self.first else None,
            month_start(self.last) if self.last else None,
        )

    def holds(self, rollup: Rollup, key: Key) -> bool:
        first, last = self.bounds(rollup)
        moment = key[1]
        if rollup.name == PERIODS:
            # A billing period is compared when it lies within the window's whole months:
            # only then were all of its days recounted.
            end = key[2]
            return (first is None or moment >= first) and (
                last is None or end <= add_months(last, 1)
            )
        return (first is None or moment >= first) and (last is None or moment <= last)

    def instants(self, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
        """The instants to read events from and to: the whole months of the window, a day
        wider on each side (rows outside the window are left out afterwards)."""
        start = end = None
        if self.first is not None:
            start = local_midnight(month_start(self.first) - timedelta(days=1), zone)
        if self.last is not None:
            after = (month_start(self.last) + timedelta(days=32)).replace(day=1)
            end = local_midnight(after + timedelta(days=1), zone)
        return start, end


@dataclass(frozen=True)
class Difference:
    table: str
    key: Key
    stored: Sums | None
    recounted: Sums | None

    def __str__(self) -> str:
        key_columns, sum_columns = _COLUMNS[self.table]
        where = " ".join(f"{c}={v}" for c, v in zip(key_columns, self.key, strict=True))

        def show(sums: Sums | None) -> str:
            if sums is None:
                return "no row"
            if not sums:
                return "a row"
            return " ".join(f"{c}={v}" for c, v in zip(sum_columns, sums, strict=True))

        return f"{self.table} {where}: stored {show(self.stored)}; recounted {show(self.recounted)}"


Counts = dict[str, dict[Key, Sums]]


def _add(target: dict[Key, Sums], key: Key, sums: Sequence[int]) -> None:
    held = target.get(key)
    target[key] = (
        tuple(sums) if held is None else tuple(a + b for a, b in zip(held, sums, strict=True))
    )


def _local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The local day from ``zoneinfo``, event by event: the recount takes no shortcut that
    ingest or the rebuild might share (such as one local day per UTC quarter hour), so that it
    can see theirs."""
    return moment.astimezone(zone).date()


async def _recount_ai(
    conn: AsyncConnection, org_id: str, zone: ZoneInfo, window: Window, counts: Counts
) -> None:
    models = {m.id: (m.provider.value, m.tier) for m in await catalog_queries.all_models(conn)}
    tables = {name: counts[table.name] for name, (table, _) in AI_ROLLUPS.items()}
    start, end = window.instants(zone)
    stream = await verify_queries.stream_ai_calls(conn, org_id=org_id, start=start, end=end)
    async for chunk in stream.partitions(5_000):
        # Summed per call key first, then spread over the six rollups.
        per_key: dict[Key, list[int]] = {}
        for row in chunk:
            key = (
                _local_day(row.occurred_at, zone),
                row.billing_mode,
                row.reason,
                row.member_id,
                row.model_id,
            )
            sums = per_key.setdefault(key, [0, 0, 0, 0])
            sums[0] += 1
            sums[1] += row.credits_e4
            sums[2] += row.cost_micros
            sums[3] += row.input_tokens + row.output_tokens
        for (day, mode, reason, member_id, model_id), sums in per_key.items():
            month = date(day.year, day.month, 1)
            # Keys in each table's column order (AI_ROLLUPS): org, day or month, mode, the rest.
            for grain, bucket in (("daily", day), ("monthly", month)):
                head = (org_id, bucket, mode)
                _add(tables[f"{grain}_by_reason"], (*head, reason), sums)
                _add(tables[f"{grain}_by_member"], (*head, member_id), sums)
                _add(tables[f"{grain}_by_model"], (*head, *models[model_id]), sums)


async def _recount_interviews(
    conn: AsyncConnection, org_id: str, zone: ZoneInfo, window: Window, counts: Counts
) -> dict[Key, tuple[int, int]]:
    """Adds the interview rollups to ``counts``; returns ``{(org, event): (stored, right)}`` of
    the events whose stored charge is wrong."""
    start, end = window.instants(zone)
    stream = verify_queries.stream_interview_events(conn, org_id=org_id, start=start, end=end)
    daily, monthly = counts["interview_daily"], counts["interview_monthly"]
    candidates = counts["interview_day_candidates"]
    done = counts["interview_done_days"]
    wrong: dict[Key, tuple[int, int]] = {}
    current: list[InterviewEventRecord] = []

    def flush() -> None:
        for (day, opening, status), counts in contribution(current, zone).items():
            _add(daily, (org_id, day, opening, status), counts.as_tuple())
            _add(monthly, (org_id, month_start(day), opening, status), counts.as_tuple())
        for (day, before), n in done_days(current, zone).items():
            _add(done, (org_id, day, before), (n,))
        right = charges(current)
        for event in current:
            if event.charge_e4 != right[event.event_id]:
                wrong[(org_id, event.event_id)] = (event.charge_e4, right[event.event_id])
            day = _local_day(event.occurred_at, zone)
            candidates[(org_id, day, event.opening_id, event.candidate_id)] = ()

    async for row in stream:
        if current and current[-1].interview_id != row.interview_id:
            flush()
            current = []
        current.append(row)
    if current:
        flush()
    return wrong


async def _recount_periods(
    conn: AsyncConnection, org_id: str, zone: ZoneInfo, counts: Counts
) -> None:
    """Adds the per-billing-period rollup to ``counts``, from the recounted daily credits and
    the purchases."""
    used: dict[date, int] = {}
    for (_, day, _, _), (_, credits, _) in counts["interview_daily"].items():
        used[day] = used.get(day, 0) + credits
    settings = await consumption_queries.billing_settings(conn, org_ids=[org_id])
    active_since, plans = settings[org_id]
    bought = [
        (_local_day(p.occurred_at, zone), p.credits_e4)
        for p in await consumption_queries.purchases(conn, org_id=org_id)
    ]
    rows = period_rows(
        org_id, plans=plans, active_since=active_since, used=used.items(), bought=bought
    )
    counts[PERIODS] = {
        (row["org_id"], row["period_start"], row["period_end"]): (
            row["used_e4"],
            row["purchased_e4"],
        )
        for row in rows
    }


async def _zone_of(conn: AsyncConnection, org_id: str) -> ZoneInfo:
    org = await org_queries.get_org(conn, org_id=org_id)
    if org is None:
        raise UnknownOrganization(f"unknown organization {org_id!r}")
    return ZoneInfo(org.time_zone)


def _without_zero_rows(rows: dict[Key, Sums]) -> dict[Key, Sums]:
    return {key: sums for key, sums in rows.items() if not sums or any(sums)}


async def verify_org(db: Database, org_id: str, window: Window = Window()) -> list[Difference]:
    """Every difference between the stored rollups and a recount from the events."""
    async with snapshot(db) as conn:
        zone = await _zone_of(conn, org_id)
        windows = {rollup.name: window for rollup in ROLLUPS}
        kept = await usage_queries.raw_kept_since(conn)
        if kept is not None:
            # Months whose raw calls were dropped (retention) keep their rollups, which
            # nothing is left to recount: the AI rollups are compared from the first month
            # wholly kept in every zone.
            ai_window = window.starting(first_recountable_month(kept))
            windows |= {table.name: ai_window for table, _ in AI_ROLLUPS.values()}
        recounted: Counts = {rollup.name: {} for rollup in ROLLUPS}
        await _recount_ai(conn, org_id, zone, windows["ai_daily_by_reason"], recounted)
        wrong_charges = await _recount_interviews(conn, org_id, zone, window, recounted)
        await _recount_periods(conn, org_id, zone, recounted)
        stored: Counts = {}
        for rollup in ROLLUPS:
            first, last = windows[rollup.name].bounds(rollup)
            rows = await verify_queries.stored_rows(
                conn,
                rollup.table,
                org_id=org_id,
                time_column=rollup.time_column,
                first=first,
                last=last,
            )
            stored[rollup.name] = {
                key: tuple(getattr(row, s) for s in rollup.sums)
                for row in rows
                if windows[rollup.name].holds(
                    rollup, key := tuple(getattr(row, c) for c in rollup.key)
                )
            }
    differences: list[Difference] = []
    for rollup in ROLLUPS:
        want = _without_zero_rows(
            {
                k: v
                for k, v in recounted[rollup.name].items()
                if windows[rollup.name].holds(rollup, k)
            }
        )
        have = _without_zero_rows(stored[rollup.name])
        for key in sorted(want.keys() | have.keys(), key=lambda k: tuple(map(str, k))):
            if want.get(key) != have.get(key):
                differences.append(Difference(rollup.name, key, have.get(key), want.get(key)))
    for key, (was, right) in sorted(wrong_charges.items()):
        differences.append(Difference(CHARGES, key, (was,), (right,)))
    return differences


async def rebuild_org(db: Database, org_id: str, *, now: datetime | None = None) -> None:
    """Recount every rollup of the organization from its events, in one transaction.

    The organization's row is taken ``FOR UPDATE`` first: every batch of its events shares that
    row before it writes (gateway/storage/locks.py), so none lands between the recount and the
    commit, while other organizations' batches go on.
    """
    async with db.write() as conn:
        await hold_orgs(conn, [org_id], exclusive=True)
        await hold_every_model(conn)
        zone = await _zone_of(conn, org_id)
        models = {m.id: m for m in await catalog_queries.all_models(conn)}
        await rebuild_ai_rollups(conn, org_id=org_id, zone=zone, models=models)
        await rebuild_interview_rollups(conn, org_id=org_id, zone=zone)
        wrong = await _recount_interviews(
            conn, org_id, zone, Window(), {r.name: {} for r in ROLLUPS}
        )
        await interview_writes.set_interview_charges(
            conn,
            changes=[(org, event, right) for (org, event), (_, right) in sorted(wrong.items())],
        )
        await evaluate_all(conn, [org_id], now or system_clock())
        await move_versions(conn, [org_id])


async def verify_command(url: str, org_id: str, first: date | None, last: date | None) -> int:
    """``usage-gateway verify``: prints each difference; 0 when none, 1 when any, 2 on error."""
    if first and last and first > last:
        print("usage-gateway: --from is after --to", file=sys.stderr)
        return 2
    db = Database.from_url(url)
    try:
        differences = await verify_org(db, org_id, Window(first, last))
    except UnknownOrganization as exc:
        print(f"usage-gateway: {exc.args[0]}", file=sys.stderr)
        return 2
    finally:
        await db.dispose()
    for difference in differences:
        print(difference)
    print(f"{len(differences)} differences" if differences else "no differences")
    return 1 if differences else 0


async def rebuild_command(url: str, org_id: str) -> int:
    """``usage-gateway rebuild-rollups``."""
    db = Database.from_url(url)
    try:
        await rebuild_org(db, org_id)
    except UnknownOrganization as exc:
        print(f"usage-gateway: {exc.args[0]}", file=sys.stderr)
        return 2
    finally:
        await db.dispose()
    print(f"rollups of {org_id} rebuilt")
    return 0
