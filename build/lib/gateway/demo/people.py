"""The demo's organizations, members and openings."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gateway.core.calendar import add_months, billing_period_start, local_day, month_start
from gateway.demo.draws import history_start, local_time, plain_ascii
from gateway.demo.records import DemoMember, DemoOpening, DemoOrg, DemoPlan
from gateway.demo.specs import FIRST_PLAN_FROM, HISTORY_MONTHS, ROLE_ACTIVITY, OrgSpec
from gateway.orgs.enums import Role


def build_org(spec: OrgSpec, now: datetime) -> DemoOrg:
    zone = ZoneInfo(spec.time_zone)
    today = local_day(now, zone)
    # Customers since before the data starts, so the first month of data is a whole one.
    active_since = add_months(month_start(today), -HISTORY_MONTHS - 1).replace(
        day=spec.plan.anchor_day
    )
    plans = [DemoPlan(FIRST_PLAN_FROM, spec.earlier_plan or spec.plan)]
    if spec.earlier_plan is not None:
        # Upgraded four billing periods ago; earlier periods keep the plan they had.
        upgraded = add_months(billing_period_start(today, spec.plan.anchor_day), -4)
        plans.append(DemoPlan(upgraded, spec.plan))
    created_at = datetime.combine(active_since, time(9, 30), tzinfo=zone).astimezone(UTC)
    return DemoOrg(spec, zone, active_since, created_at, plans)


def build_members(rng: random.Random, org: DemoOrg, now: datetime) -> list[DemoMember]:
    spec = org.spec
    start = history_start(local_day(now, org.zone))
    start_at = datetime.combine(start, time(0), tzinfo=org.zone).astimezone(UTC)
    pairs = [(f, last) for f in spec.first_names for last in spec.last_names if f != last]
    count = sum(n for _role, n in spec.roles)
    names = rng.sample(pairs, count)
    roles = [role for role, n in spec.roles for _ in range(n)]
    members: list[DemoMember] = []
    for index, (role, (first, last)) in enumerate(zip(roles, names, strict=True), start=1):
        admin = role in (Role.ACCOUNT_ADMIN, Role.ADMIN)
        # Most of the team was there before the data starts; the rest joined during the year.
        if admin or rng.random() < 0.75:
            joined_at = org.created_at + timedelta(days=rng.uniform(1, 40))
        else:
            joined_at = start_at + (now - start_at) * rng.uniform(0.02, 0.9)
        weight = min(2.2, rng.lognormvariate(0, 0.6)) * ROLE_ACTIVITY[role]
        members.append(
            DemoMember(
                org_id=spec.id,
                id=f"{spec.id}-u{index:03d}",
                name=f"{first} {last}",
                email=f"{plain_ascii(first)}.{plain_ascii(last)}@{spec.domain}",
                role=role,
                joined_at=joined_at,
                removed_at=None,
                weight=weight,
            )
        )
    staff = [m for m in members if m.role in (Role.STAFFING, Role.INTERVIEWER)]
    # A few heavy users carry a large share of the calls.
    for member in rng.sample(staff, 3):
        member.weight *= rng.uniform(2.5, 4)
    # Some leave; their calls stay (and show as "Unknown user"). The first left a few days ago.
    leavers = rng.sample([m for m in staff if m.joined_at < start_at], spec.removed)
    for position, member in enumerate(leavers):
        if position == 0:
            member.removed_at = now - timedelta(days=rng.uniform(2, 6))
        else:
            member.removed_at = start_at + (now - start_at) * rng.uniform(0.15, 0.95)
    return members


def build_openings(rng: random.Random, org: DemoOrg, now: datetime) -> list[DemoOpening]:
    today = local_day(now, org.zone)
    start = history_start(today) - timedelta(days=45)
    titles = org.spec.job_titles
    spacing = (today - timedelta(days=10) - start).days / len(titles)
    openings: list[DemoOpening] = []
    for index, title in enumerate(titles, start=1):
        opened = start + timedelta(days=round((index - 1) * spacing + rng.uniform(0, spacing / 2)))
        still_open = index > len(titles) - 3
        closes = None if still_open else opened + timedelta(days=rng.randint(60, 150))
        openings.append(
            DemoOpening(
                org_id=org.spec.id,
                id=f"{org.spec.id}-job-{index:02d}",
                job_title=title,
                opened_at=local_time(rng, opened, org.zone),
                closes_on=closes,
                popularity=rng.uniform(0.5, 1.5),
            )
        )
    return openings
