"""A stream of usage events with duplicates and bad messages, and what the database must hold.

The expected numbers come from the raw events (and, for interview charges, from the plain
reference in ``tests/reference/consumption.py``), never from the gateway's own code.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import text

from gateway.storage.db import Database
from tests.reference.consumption import Ledger, Plan
from tests.support import SERVICE, ai_call, put_member, put_org

ZONES = {"acme": "UTC", "beta": "Europe/Paris"}
MEMBERS = ("m1", "m2", "m3")
OPENINGS = ("o1", "o2")
MODELS = ("claude-sonnet-4-5", "claude-haiku-4-5", "gpt-4o")
START = datetime(2026, 9, 1, tzinfo=UTC)
SUBJECTS = ("usage.ai-calls", "usage.interview-events", "usage.credit-purchases")
E4 = Decimal(10_000)


async def set_up_orgs(client: httpx.AsyncClient) -> None:
    for org_id, zone in ZONES.items():
        plan = {"interviewCreditsPerPeriod": "300"}
        await put_org(client, org_id, time_zone=zone, plan=plan, activeSince="2026-01-01")
        for member in MEMBERS:
            await put_member(client, org_id, member)
        for opening in OPENINGS:
            response = await client.put(
                f"/v1/orgs/{org_id}/openings/{opening}",
                json={"jobTitle": f"job {opening}"},
                headers=SERVICE,
            )
            assert response.status_code in (200, 201), response.text


@dataclass
class Message:
    subject: str
    data: bytes
    headers: dict[str, str] | None = None


@dataclass
class Bad:
    """A message that can never be taken, and the reason it must carry on usage.dead."""

    message: Message
    reason: str  # exact, or a prefix when ``prefix`` is set
    prefix: bool = False


@dataclass
class Dataset:
    messages: list[Message] = field(default_factory=list)
    calls: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    interview_events: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    purchases: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    bad: dict[str, Bad] = field(default_factory=dict)  # by the Test-Bad header
    copies_same_id: int = 0  # dropped by the stream's duplicate window
    copies_without_id: int = 0  # taken, and counted once by the database


def _when(rng: random.Random) -> datetime:
    return START + timedelta(minutes=rng.randrange(0, 80 * 24 * 60))


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _interview(rng: random.Random, org: str, number: int) -> list[dict[str, Any]]:
    at = _when(rng)
    opening = rng.choice(OPENINGS)
    flow = ["INVITED", "STARTED", "PARTIALLY_COMPLETED", "COMPLETED"][: rng.randint(1, 4)]
    if rng.random() < 0.3 and "PARTIALLY_COMPLETED" in flow:
        flow.append("PARTIALLY_COMPLETED")  # a second partial, possibly lower
    if rng.random() < 0.1:
        flow = ["SIMULATION", "COMPLETED"]
    events = []
    for step, status in enumerate(flow):
        at += timedelta(minutes=rng.randint(1, 600))
        event: dict[str, Any] = {
            "eventId": f"{org}-iv{number}-{step}",
            "orgId": org,
            "openingId": opening,
            "interviewId": f"iv{number}",
            "candidateId": f"cand{number % 40}",
            "occurredAt": _iso(at),
            "status": status,
        }
        if status == "PARTIALLY_COMPLETED":
            event["completedFraction"] = rng.choice(["0.25", "0.5", "0.335", "0.9"])
        events.append(event)
    return events


def _bad_messages() -> list[Bad]:
    good_call = ai_call("bad-x", org_id="acme", occurred_at="2026-10-02T10:00:00Z")
    missing = {k: v for k, v in good_call.items() if k != "memberId"}
    partial = {
        "eventId": "bad-iv",
        "orgId": "acme",
        "openingId": "o1",
        "interviewId": "iv-bad",
        "candidateId": "c1",
        "occurredAt": "2026-10-02T10:00:00Z",
        "status": "PARTIALLY_COMPLETED",
    }
    return [
        Bad(Message(SUBJECTS[0], b"{not json"), "not valid JSON", prefix=True),
        Bad(Message(SUBJECTS[0], b"[1, 2]"), "expected one event (an object)"),
        Bad(Message(SUBJECTS[0], json.dumps(missing).encode()), "memberId: Field required"),
        Bad(
            Message(SUBJECTS[0], json.dumps({**good_call, "memberId": "ghost"}).encode()),
            "memberId: unknown member 'ghost'",
        ),
        Bad(
            Message(SUBJECTS[0], json.dumps({**good_call, "orgId": "nowhere"}).encode()),
            "orgId: unknown organization 'nowhere'",
        ),
        Bad(
            Message(SUBJECTS[0], json.dumps({**good_call, "model": "gpt-0"}).encode()),
            "model: unknown model 'gpt-0'",
        ),
        Bad(
            Message(
                SUBJECTS[0],
                json.dumps({**good_call, "occurredAt": "2031-01-01T00:00:00Z"}).encode(),
            ),
            "occurredAt: is in the future",
        ),
        Bad(
            Message(
                SUBJECTS[1],
                json.dumps({**partial, "status": "STARTED", "openingId": "o9"}).encode(),
            ),
            "openingId: unknown opening 'o9'",
        ),
        Bad(
            Message(SUBJECTS[1], json.dumps(partial).encode()),
            "completedFraction: is required when status is PARTIALLY_COMPLETED",
        ),
        Bad(
            Message(
                SUBJECTS[2],
                json.dumps(
                    {
                        "purchaseId": "p-bad",
                        "orgId": "nowhere",
                        "credits": "5",
                        "occurredAt": "2026-10-01T00:00:00Z",
                    }
                ).encode(),
            ),
            "orgId: no organization with id 'nowhere'",
        ),
        Bad(
            Message(
                SUBJECTS[2],
                json.dumps(
                    {
                        "purchaseId": "p-zero",
                        "orgId": "acme",
                        "credits": "0",
                        "occurredAt": "2026-10-01T00:00:00Z",
                    }
                ).encode(),
            ),
            "credits: Input should be greater than 0",
        ),
    ]


def make_dataset(
    seed: int,
    *,
    calls: int = 300,
    interviews: int = 40,
    purchases: int = 6,
    bad: bool = True,
    copies: bool = True,
) -> Dataset:
    """Good events (about one in ten sent twice: half with the same Nats-Msg-Id, half without
    any) and, with ``bad``, the messages of ``_bad_messages`` spread among them."""
    rng = random.Random(seed)
    out = Dataset()
    firsts: list[Message] = []

    def add(subject: str, body: dict[str, Any], msg_id: str) -> None:
        headers = {"Nats-Msg-Id": msg_id} if rng.random() < 0.8 else None
        firsts.append(Message(subject, json.dumps(body).encode(), headers))

    for i in range(calls):
        org = rng.choice(list(ZONES))
        credits = Decimal(rng.randrange(0, 60_000)) / E4
        body = ai_call(
            f"{org}-c{i}",
            org_id=org,
            member_id=rng.choice(MEMBERS),
            occurred_at=_iso(_when(rng)),
            reason=rng.choice(["CHAT", "GENERATE_FIELD", "SUMMARIZE_CV"]),
            model=rng.choice(MODELS),
            credits=str(credits),
        )
        out.calls[(org, body["eventId"])] = body
        add(SUBJECTS[0], body, body["eventId"])
    for number in range(interviews):
        org = rng.choice(list(ZONES))
        for body in _interview(rng, org, number):
            out.interview_events[(org, body["eventId"])] = body
            add(SUBJECTS[1], body, body["eventId"])
    for i in range(purchases):
        org = rng.choice(list(ZONES))
        body = {
            "purchaseId": f"p{i}",
            "orgId": org,
            "credits": str(Decimal(rng.randrange(1, 5_000_000)) / 100),
            "occurredAt": _iso(_when(rng)),
        }
        out.purchases[(org, body["purchaseId"])] = body
        add(SUBJECTS[2], body, body["purchaseId"])
    if bad:
        for n, item in enumerate(_bad_messages()):
            item.message.headers = {"Test-Bad": str(n), "Nats-Msg-Id": f"bad-{n}"}
            out.bad[str(n)] = item
            firsts.append(item.message)
    rng.shuffle(firsts)
    out.messages = list(firsts)
    for original in firsts:
        if original.headers and "Test-Bad" in original.headers:
            continue
        if copies and rng.random() < 0.1:
            same_id = rng.random() < 0.5 and original.headers is not None
            copy = Message(original.subject, original.data, original.headers if same_id else None)
            after = out.messages.index(original) + 1
            out.messages.insert(rng.randrange(after, len(out.messages) + 1), copy)
            if same_id:
                out.copies_same_id += 1
            else:
                out.copies_without_id += 1
    return out


# ------------------------------------------------------------------------ expectations


@dataclass(frozen=True)
class OrgNumbers:
    calls: int
    call_credits: Decimal
    interview_events: int
    interview_charges: Decimal
    purchases: int
    purchased: Decimal


def expected(data: Dataset) -> dict[str, OrgNumbers]:
    out = {}
    for org, zone in ZONES.items():
        calls = [b for (o, _), b in data.calls.items() if o == org]
        events = [b for (o, _), b in data.interview_events.items() if o == org]
        purchases = [b for (o, _), b in data.purchases.items() if o == org]
        ledger = Ledger(zone, date(2026, 1, 1), Plan(Decimal(300)))
        ledger.add_events(events)
        far = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
        out[org] = OrgNumbers(
            calls=len(calls),
            call_credits=sum((Decimal(b["creditsCharged"]) for b in calls), Decimal(0)),
            interview_events=len(events),
            interview_charges=ledger.used(*far),
            purchases=len(purchases),
            purchased=sum((Decimal(b["credits"]) for b in purchases), Decimal(0)),
        )
    return out


async def _per_org(db: Database, sql: str) -> dict[str, tuple[int, int]]:
    async with db.read() as conn:
        rows = (await conn.execute(text(sql))).all()
    return {row[0]: (int(row[1]), int(row[2] or 0)) for row in rows}


async def stored(db: Database) -> dict[str, OrgNumbers]:
    """The raw tables, after checking that every rollup adds up to them."""
    calls = await _per_org(
        db, "SELECT org_id, count(*), sum(credits_e4) FROM ai_calls GROUP BY org_id"
    )
    events = await _per_org(
        db, "SELECT org_id, count(*), sum(charge_e4) FROM interview_events GROUP BY org_id"
    )
    purchases = await _per_org(
        db, "SELECT org_id, count(*), sum(credits_e4) FROM credit_purchases GROUP BY org_id"
    )
    for table in ("ai_daily_by_reason", "ai_daily_by_member", "ai_monthly_by_model"):
        rollup = await _per_org(
            db, f"SELECT org_id, sum(calls), sum(credits_e4) FROM {table} GROUP BY org_id"
        )
        assert rollup == calls, table
    for table in ("interview_daily", "interview_monthly"):
        rollup = await _per_org(
            db, f"SELECT org_id, 0, sum(credits_e4) FROM {table} GROUP BY org_id"
        )
        assert {o: v[1] for o, v in rollup.items()} == {o: v[1] for o, v in events.items()}, table
    return {
        org: OrgNumbers(
            calls=calls.get(org, (0, 0))[0],
            call_credits=Decimal(calls.get(org, (0, 0))[1]) / E4,
            interview_events=events.get(org, (0, 0))[0],
            interview_charges=Decimal(events.get(org, (0, 0))[1]) / E4,
            purchases=purchases.get(org, (0, 0))[0],
            purchased=Decimal(purchases.get(org, (0, 0))[1]) / E4,
        )
        for org in ZONES
    }
