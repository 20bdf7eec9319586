"""The demo dataset: deterministic, idempotent, realistic, and stored through the real ingest."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select

from gateway.cli import build_parser, cmd_demo, print_demo_summary
from gateway.core.calendar import add_months, local_day, month_start
from gateway.demo import (
    ADMIN_MEMBER_ID,
    ADMIN_ORG_ID,
    DEMO_ORG_IDS,
    HISTORY_MONTHS,
    DemoSummary,
    build_dataset,
    load_demo,
)
from gateway.storage.db import Database
from gateway.storage.tables import (
    ai_calls,
    ai_daily_by_member,
    ai_daily_by_reason,
    ai_models,
    ai_monthly_by_reason,
    credit_purchases,
    interview_events,
    members,
    openings,
    organizations,
    plan_versions,
)
from tests.support import NOW, bearer
from tests.support import make_settings as settings_for_tests

# A twentieth of the calls and interviews keeps every test quick on both engines.
SCALE = 0.05
ROLES = {"ACCOUNT_ADMIN", "ADMIN", "STAFFING", "INTERVIEWER"}


async def _load(db: Database, *, only_if_empty: bool = False) -> DemoSummary:
    """Load and print the way in, as ``usage-gateway demo`` does."""
    summary = await load_demo(
        db, settings=settings_for_tests(), only_if_empty=only_if_empty, now=NOW, scale=SCALE
    )
    print_demo_summary(summary)
    return summary


async def _rows(db: Database, stmt: Any) -> list[Any]:
    async with db.read() as conn:
        return list((await conn.execute(stmt)).all())


async def _snapshot(db: Database) -> dict[str, Any]:
    """Counts and sums per organization of everything the demo stores."""
    calls = await _rows(
        db,
        select(
            ai_calls.c.org_id,
            ai_calls.c.billing_mode,
            func.count(),
            func.sum(ai_calls.c.credits_e4),
            func.sum(ai_calls.c.cost_micros),
            func.sum(ai_calls.c.input_tokens + ai_calls.c.output_tokens),
            func.min(ai_calls.c.occurred_at),
            func.max(ai_calls.c.occurred_at),
        ).group_by(ai_calls.c.org_id, ai_calls.c.billing_mode),
    )
    events = await _rows(
        db,
        select(
            interview_events.c.org_id,
            interview_events.c.status,
            func.count(),
            func.sum(interview_events.c.charge_e4),
        ).group_by(interview_events.c.org_id, interview_events.c.status),
    )
    people = await _rows(
        db,
        select(members.c.org_id, members.c.role, members.c.removed, func.count()).group_by(
            members.c.org_id, members.c.role, members.c.removed
        ),
    )
    purchases = await _rows(
        db,
        select(
            credit_purchases.c.org_id, func.count(), func.sum(credit_purchases.c.credits_e4)
        ).group_by(credit_purchases.c.org_id),
    )
    reference = await _rows(
        db,
        select(
            organizations.c.id,
            organizations.c.time_zone,
            organizations.c.ai_mode,
            organizations.c.ai_provider,
            organizations.c.active_since,
        ),
    )
    plans = await _rows(db, select(plan_versions))
    jobs = await _rows(db, select(openings.c.org_id, openings.c.id, openings.c.job_title))
    rollups = await _rows(
        db,
        select(
            ai_daily_by_reason.c.org_id,
            func.sum(ai_daily_by_reason.c.calls),
            func.sum(ai_daily_by_reason.c.credits_e4),
        ).group_by(ai_daily_by_reason.c.org_id),
    )
    return {
        name: sorted(tuple(row) for row in rows)
        for name, rows in {
            "calls": calls,
            "events": events,
            "members": people,
            "purchases": purchases,
            "orgs": reference,
            "plans": plans,
            "openings": jobs,
            "rollups": rollups,
        }.items()
    }


async def test_load_is_deterministic_and_idempotent(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = await _load(db, only_if_empty=True)
    first = await _snapshot(db)
    stored_calls = sum(row[2] for row in first["calls"])
    stored_events = sum(row[2] for row in first["events"])
    assert not summary.already_loaded
    assert summary.org_ids == DEMO_ORG_IDS == ("acme", "globex", "initech")
    assert (summary.ai_calls, summary.interview_events) == (stored_calls, stored_events)
    assert summary.members == sum(row[3] for row in first["members"]) == 200
    assert 3_000 < stored_calls < 10_000
    assert summary.credit_purchases == sum(row[1] for row in first["purchases"])
    assert (summary.admin_org_id, summary.admin_member_id) == (ADMIN_ORG_ID, ADMIN_MEMBER_ID)
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8000/graphql\n" in out
    assert f"http://127.0.0.1:8000/graphql?token={summary.token}" in out
    assert f"{stored_calls:,} AI calls" in out

    # Already there: nothing is done, but the way in is printed again.
    again = await _load(db, only_if_empty=True)
    assert again.already_loaded
    assert (again.ai_calls, again.members, again.interview_events) == (0, 0, 0)
    assert again.token == summary.token
    out = capsys.readouterr().out
    assert "already loaded" in out
    assert f"?token={summary.token}" in out
    assert await _snapshot(db) == first

    # Stored again regardless: every write is idempotent, so nothing changes.
    replay = await _load(db, only_if_empty=False)
    assert (replay.ai_calls, replay.interview_events, replay.credit_purchases) == (0, 0, 0)
    assert await _snapshot(db) == first

    # The data is a function of "now" alone.
    one, two = build_dataset(NOW, scale=SCALE), build_dataset(NOW, scale=SCALE)
    assert one.ai_calls == two.ai_calls
    assert one.interview_events == two.interview_events
    assert one.purchases == two.purchases
    assert [vars(m) for m in one.members] == [vars(m) for m in two.members]
    assert len(one.ai_calls) == stored_calls


async def test_dataset_has_the_cases_the_pages_show(db: Database) -> None:
    await _load(db)
    orgs = {row.id: row for row in await _rows(db, select(organizations))}
    assert set(orgs) == set(DEMO_ORG_IDS)
    assert len({row.time_zone for row in orgs.values()}) == 3
    assert (orgs["acme"].ai_mode, orgs["acme"].ai_provider) == ("CREDITS", None)
    assert (orgs["globex"].ai_mode, orgs["globex"].ai_provider) == ("BYOK", "ANTHROPIC")
    assert (orgs["initech"].ai_mode, orgs["initech"].ai_provider) == ("BYOK", "OPENAI")
    for org in orgs.values():
        today = local_day(NOW, ZoneInfo(org.time_zone))
        assert org.active_since <= add_months(today, -13)

    plans = await _rows(db, select(plan_versions))
    assert {p.rollover for p in plans} == {"NONE", "FULL", "CAPPED"}
    assert {p.billing_anchor_day for p in plans} == {1, 15}
    assert all(p.rollover_cap_e4 for p in plans if p.rollover == "CAPPED")
    assert Counter(p.org_id for p in plans)["acme"] == 2  # upgraded during the year

    calls = await _rows(
        db,
        select(
            ai_calls.c.org_id,
            ai_calls.c.occurred_at,
            ai_calls.c.member_id,
            ai_calls.c.reason,
            ai_calls.c.billing_mode,
            ai_calls.c.credits_e4,
            ai_calls.c.cost_micros,
            ai_calls.c.input_tokens,
            ai_calls.c.output_tokens,
            ai_models.c.provider,
        ).join(ai_models, ai_models.c.id == ai_calls.c.model_id),
    )
    by_org: dict[str, list[Any]] = defaultdict(list)
    for call in calls:
        by_org[call.org_id].append(call)
    assert set(by_org) == set(DEMO_ORG_IDS)

    # Thirteen local months of calls, the current one included, busier on weekdays.
    for org_id, rows in by_org.items():
        zone = ZoneInfo(orgs[org_id].time_zone)
        months = {month_start(local_day(row.occurred_at, zone)) for row in rows}
        this_month = month_start(local_day(NOW, zone))
        assert months == {add_months(this_month, -n) for n in range(HISTORY_MONTHS)}
        weekdays = Counter(local_day(row.occurred_at, zone).weekday() < 5 for row in rows)
        assert weekdays[True] > 5 * weekdays[False]
        assert max(row.occurred_at for row in rows) <= NOW

    # Reasons: chat leads. Models: at least six, of both providers.
    reasons = Counter(call.reason for call in calls)
    assert set(reasons) == {"CHAT", "GENERATE_FIELD", "SUMMARIZE_CV"}
    assert reasons.most_common(1)[0][0] == "CHAT"
    models = await _rows(db, select(ai_calls.c.model_id).distinct())
    assert len(models) >= 6
    assert {call.provider for call in calls} == {"ANTHROPIC", "OPENAI"}

    # Credits on CREDITS calls (4 decimals at most, by construction), tokens and cost on BYOK.
    for call in calls:
        if call.billing_mode == "CREDITS":
            assert 1_000 <= call.credits_e4 <= 40_000
            assert call.cost_micros == 0
        else:
            assert call.credits_e4 == 0
            assert call.cost_micros > 0 and call.input_tokens + call.output_tokens > 0
    assert {c.billing_mode for c in by_org["acme"]} == {"CREDITS"}
    assert {(c.billing_mode, c.provider) for c in by_org["globex"]} == {("BYOK", "ANTHROPIC")}

    # initech switched this month: credits before the switch, its OpenAI key after.
    tokyo = ZoneInfo("Asia/Tokyo")
    month = month_start(local_day(NOW, tokyo))
    current = [c for c in by_org["initech"] if local_day(c.occurred_at, tokyo) >= month]
    credits_calls = [c.occurred_at for c in current if c.billing_mode == "CREDITS"]
    byok_calls = [c for c in current if c.billing_mode == "BYOK"]
    assert credits_calls and byok_calls
    assert max(credits_calls) < min(c.occurred_at for c in byok_calls)
    assert {c.provider for c in byok_calls} == {"OPENAI"}
    earlier = {c.billing_mode for c in by_org["initech"] if local_day(c.occurred_at, tokyo) < month}
    assert earlier == {"CREDITS"}

    # Members: all four roles, ~200, a few heavy users, some removed who still have calls.
    people = await _rows(db, select(members))
    assert len(people) == 200
    assert {m.role for m in people} == ROLES
    for org_id in DEMO_ORG_IDS:
        roles = Counter(m.role for m in people if m.org_id == org_id)
        assert 1 <= roles["ACCOUNT_ADMIN"] <= roles["ADMIN"] < roles["STAFFING"]
        assert roles["STAFFING"] < roles["INTERVIEWER"]
    admin = next(m for m in people if (m.org_id, m.id) == (ADMIN_ORG_ID, ADMIN_MEMBER_ID))
    assert (admin.role, admin.removed) == ("ACCOUNT_ADMIN", False)
    assert len({(m.org_id, m.email) for m in people}) == 200
    removed = {(m.org_id, m.id): m.removed_at for m in people if m.removed}
    assert len(removed) >= 9
    calls_of_removed = Counter(
        (c.org_id, c.member_id) for c in calls if (c.org_id, c.member_id) in removed
    )
    assert {org for org, _member in calls_of_removed} == set(DEMO_ORG_IDS)
    for call in calls:
        when = removed.get((call.org_id, call.member_id))
        assert when is None or call.occurred_at < when
    per_user = Counter((c.org_id, c.member_id) for c in by_org["acme"])
    top = [n for _key, n in per_user.most_common()]
    assert top[0] > 3 * top[len(top) // 2]

    # Interviews: every status, partials (some completed later), simulations, purchases.
    events = await _rows(db, select(interview_events))
    statuses = Counter(e.status for e in events)
    assert set(statuses) == {
        "INVITED",
        "STARTED",
        "PARTIALLY_COMPLETED",
        "COMPLETED",
        "SIMULATION",
    }
    assert statuses["INVITED"] > statuses["STARTED"] > statuses["COMPLETED"]
    partials = [e for e in events if e.status == "PARTIALLY_COMPLETED"]
    assert all(0 < e.completed_fraction_e2 < 100 for e in partials)
    by_interview: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for event in events:
        by_interview[(event.org_id, event.interview_id)].append(event)
    resumed = [
        key
        for key, evs in by_interview.items()
        if {"PARTIALLY_COMPLETED", "COMPLETED"} <= {e.status for e in evs}
        and not any(e.status == "SIMULATION" for e in evs)
    ]
    assert resumed
    for key in resumed:
        assert sum(e.charge_e4 for e in by_interview[key]) == 10_000
    assert all(
        e.charge_e4 == 0
        for evs in by_interview.values()
        if any(x.status == "SIMULATION" for x in evs)
        for e in evs
    )
    assert {e.org_id for e in events} == set(DEMO_ORG_IDS)
    jobs = await _rows(db, select(openings))
    assert all(Counter(j.org_id for j in jobs)[org] >= 5 for org in DEMO_ORG_IDS)
    purchases = await _rows(db, select(credit_purchases))
    assert {p.org_id for p in purchases} == set(DEMO_ORG_IDS)
    assert all(p.credits_e4 > 0 and p.occurred_at <= NOW for p in purchases)


async def test_rollups_match_the_raw_calls(db: Database) -> None:
    await _load(db)
    raw = await _rows(
        db,
        select(
            ai_calls.c.org_id,
            ai_calls.c.billing_mode,
            func.count(),
            func.sum(ai_calls.c.credits_e4),
        ).group_by(ai_calls.c.org_id, ai_calls.c.billing_mode),
    )
    expected = {(row[0], row[1]): (row[2], row[3]) for row in raw}
    assert len(expected) == 4  # acme, globex, and initech in both modes
    for table in (ai_daily_by_reason, ai_daily_by_member, ai_monthly_by_reason):
        sums = await _rows(
            db,
            select(
                table.c.org_id,
                table.c.billing_mode,
                func.sum(table.c.calls),
                func.sum(table.c.credits_e4),
            ).group_by(table.c.org_id, table.c.billing_mode),
        )
        assert {(row[0], row[1]): (row[2], row[3]) for row in sums} == expected, table.name


async def test_the_printed_token_opens_graphql(db: Database, client: httpx.AsyncClient) -> None:
    summary = await _load(db)
    query = "{ viewer { role member { name } } organization { name timeZone } }"
    response = await client.post("/graphql", json={"query": query}, headers=bearer(summary.token))
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["viewer"]["role"] == "ACCOUNT_ADMIN"
    assert body["data"]["organization"] == {"name": "Acme Recrutement", "timeZone": "Europe/Paris"}


def test_cli_has_the_demo_command() -> None:
    args = build_parser().parse_args(["demo", "--if-empty"])
    assert args.func is cmd_demo and args.if_empty is True
    assert build_parser().parse_args(["demo"]).if_empty is False


def test_full_scale_volume_and_growth() -> None:
    data = build_dataset(NOW)
    assert 100_000 <= len(data.ai_calls) <= 150_000
    assert len(data.members) == 200
    # Growth: this month so far is busier than the same days of the month a year before.
    zone = ZoneInfo("Europe/Paris")
    today = local_day(NOW, zone)
    year_ago = add_months(today, -12)
    acme_days = Counter(
        local_day(c["occurredAt"], zone) for c in data.ai_calls if c["orgId"] == "acme"
    )
    this_year = sum(n for day, n in acme_days.items() if month_start(today) <= day < today)
    last_year = sum(n for day, n in acme_days.items() if month_start(year_ago) <= day < year_ago)
    assert this_year > 1.2 * last_year > 0
