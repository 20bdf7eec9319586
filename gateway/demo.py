"""A deterministic demo dataset: three organizations, ~200 members, a year of AI calls and more.

Everything is derived from one seed and from "now", so the same ``now`` always gives the same
data. It is stored through the same code as the ``/v1`` routes (the query functions and the
ingest pipeline), so the rollups are exactly what production ingest would build.

The three organizations show the cases the two pages must handle:

- ``acme`` (Europe/Paris) pays for AI with Intervy credits; its plan was upgraded a few months
  ago and unused interview credits do not roll over;
- ``globex`` (America/Los_Angeles) runs AI on its own Anthropic key (BYOK); capped rollover,
  billing periods starting on the 15th;
- ``initech`` (Asia/Tokyo) switched from credits to its own OpenAI key in the middle of this
  month: its earlier calls are CREDITS calls, the later ones BYOK; full rollover.
"""

from __future__ import annotations

import math
import random
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from gateway.auth import issue_member_token
from gateway.calendar import add_months, billing_period_start, local_day, month_start
from gateway.clock import system_clock
from gateway.config import Settings
from gateway.db import Database
from gateway.ingest import ingest_ai_calls, ingest_interview_events
from gateway.money import credits_to_int
from gateway.queries import ingest as ingest_queries
from gateway.queries import members as member_queries
from gateway.queries import openings as opening_queries
from gateway.queries import orgs as org_queries
from gateway.schemas import AiCallIn, InterviewEventIn

SEED = 20_260_315
BATCH_SIZE = 5_000
TOKEN_TTL = timedelta(days=30)
# Months of data, the current (partial) month included.
HISTORY_MONTHS = 13
# A first plan applies from the organization's first billing period (as ``PUT /v1/orgs`` does).
FIRST_PLAN_FROM = date(1970, 1, 1)

# Hiring seasons: peaks in spring and autumn, quiet summers and year ends.
SEASON = {
    1: 0.95,
    2: 1.05,
    3: 1.2,
    4: 1.25,
    5: 1.1,
    6: 0.95,
    7: 0.8,
    8: 0.6,
    9: 1.15,
    10: 1.25,
    11: 1.1,
    12: 0.75,
}
WEEKDAY = (1.0, 1.05, 1.05, 1.0, 0.85, 0.12, 0.07)  # Monday .. Sunday
# Local hour of the day an AI call or an invitation happens, weighted.
HOURS = (7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22)
HOUR_WEIGHTS = (2, 6, 10, 12, 11, 6, 8, 11, 11, 10, 7, 4, 2, 1, 1, 1)
HOUR_CUM = tuple(accumulate(HOUR_WEIGHTS))

ROLE_ACTIVITY = {"ACCOUNT_ADMIN": 0.4, "ADMIN": 0.6, "STAFFING": 1.3, "INTERVIEWER": 1.0}
REASONS = ("CHAT", "GENERATE_FIELD", "SUMMARIZE_CV")
REASON_CUM_BY_ROLE = {
    "ACCOUNT_ADMIN": tuple(accumulate((70, 27, 3))),
    "ADMIN": tuple(accumulate((60, 35, 5))),
    "STAFFING": tuple(accumulate((45, 25, 30))),
    "INTERVIEWER": tuple(accumulate((65, 25, 10))),
}
# Token sizes of a call by reason: (low, high, mode) of input, then of output.
TOKENS = {
    "CHAT": ((600, 6_000, 1_800), (120, 1_200, 350)),
    "GENERATE_FIELD": ((300, 2_000, 700), (20, 300, 80)),
    "SUMMARIZE_CV": ((2_500, 12_000, 5_000), (250, 900, 450)),
}
# Credits (ten-thousandths) per weighted token (input + 4 x output), by model tier.
CREDITS_PER_TOKEN_E4 = {
    "Opus": 5.8,
    "Sonnet": 3.1,
    "Haiku": 1.55,
    "GPT-4.1": 2.6,
    "GPT-4o": 2.9,
    "GPT-4.1 mini": 1.3,
    "GPT-4o mini": 1.1,
}
MODEL_TIER = {
    "claude-opus-4-1": "Opus",
    "claude-sonnet-4-5": "Sonnet",
    "claude-sonnet-4": "Sonnet",
    "claude-haiku-4-5": "Haiku",
    "gpt-4.1": "GPT-4.1",
    "gpt-4.1-mini": "GPT-4.1 mini",
    "gpt-4o": "GPT-4o",
    "gpt-4o-mini": "GPT-4o mini",
}
# Which models an organization's calls use, by organization and billing mode, weighted.
# SONNET is the current Sonnet: Sonnet 4 until mid-year, then Sonnet 4.5.
SONNET = "sonnet"
MODEL_MIX: dict[tuple[str, str], tuple[tuple[str, int], ...]] = {
    ("*", "CREDITS"): (
        (SONNET, 50),
        ("claude-haiku-4-5", 30),
        ("claude-opus-4-1", 8),
        ("gpt-4o-mini", 12),
    ),
    ("globex", "BYOK"): ((SONNET, 60), ("claude-haiku-4-5", 30), ("claude-opus-4-1", 10)),
    ("initech", "CREDITS"): (
        (SONNET, 45),
        ("claude-haiku-4-5", 25),
        ("gpt-4o", 15),
        ("gpt-4o-mini", 15),
    ),
    ("initech", "BYOK"): (
        ("gpt-4.1", 45),
        ("gpt-4.1-mini", 35),
        ("gpt-4o", 10),
        ("gpt-4o-mini", 10),
    ),
}
# Bounds of the credits charged per call, by reason (ten-thousandths).
CREDIT_BOUNDS_E4 = {
    "CHAT": (5_000, 30_000),
    "GENERATE_FIELD": (1_000, 8_000),
    "SUMMARIZE_CV": (5_000, 40_000),
}


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


@dataclass(frozen=True)
class PlanSpec:
    credits: int
    rollover: str
    cap: int | None
    anchor_day: int


@dataclass(frozen=True)
class OrgSpec:
    id: str
    name: str
    time_zone: str
    domain: str
    ai_mode: str
    ai_provider: str | None
    plan: PlanSpec
    # The plan the organization had before ``plan`` (upgraded a few billing periods ago).
    earlier_plan: PlanSpec | None
    # Members by role; ``removed`` of the non-admin ones leave during the year.
    roles: tuple[tuple[str, int], ...]
    removed: int
    calls_per_weekday: float
    invites_per_weekday: float
    purchase_credits: int
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    job_titles: tuple[str, ...]


ORGS: tuple[OrgSpec, ...] = (
    OrgSpec(
        id="acme",
        name="Acme Recrutement",
        time_zone="Europe/Paris",
        domain="acme.example",
        ai_mode="CREDITS",
        ai_provider=None,
        plan=PlanSpec(credits=400, rollover="NONE", cap=None, anchor_day=1),
        earlier_plan=PlanSpec(credits=300, rollover="NONE", cap=None, anchor_day=1),
        roles=(("ACCOUNT_ADMIN", 2), ("ADMIN", 3), ("STAFFING", 22), ("INTERVIEWER", 58)),
        removed=6,
        calls_per_weekday=190,
        invites_per_weekday=19,
        purchase_credits=100,
        first_names=_names(
            "Camille Léa Manon Chloé Emma Inès Julie Sarah Claire Pauline Lucie Marion "
            "Élodie Anaïs Margaux Hélène Lucas Hugo Thomas Nicolas Julien Maxime Antoine "
            "Alexandre Romain Mathieu Quentin Théo Louis Baptiste Guillaume Pierre Yanis "
            "Karim Mehdi Sofiane Amina Fatou Nadia Aurélien"
        ),
        last_names=_names(
            "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon "
            "Laurent Lefèvre Michel Garcia David Bertrand Roux Vincent Fournier Morel "
            "Girard André Mercier Dupont Lambert Bonnet François Martinez Legrand Garnier "
            "Faure Rousseau Blanc Guérin Muller Henry Roussel Nicolas Perrin Benali Diallo "
            "N'Diaye Haddad"
        ),
        job_titles=(
            "Senior Backend Engineer",
            "Frontend Engineer (React)",
            "Product Designer",
            "Data Analyst",
            "Customer Success Manager",
            "Account Executive - France",
            "DevOps Engineer",
            "Engineering Manager",
            "Sales Development Representative",
            "HR Business Partner",
            "QA Engineer",
            "Product Manager - Payments",
            "Marketing Manager",
            "Machine Learning Engineer",
            "Technical Support Specialist",
            "Finance Controller",
        ),
    ),
    OrgSpec(
        id="globex",
        name="Globex Corporation",
        time_zone="America/Los_Angeles",
        domain="globex.example",
        ai_mode="BYOK",
        ai_provider="ANTHROPIC",
        plan=PlanSpec(credits=200, rollover="CAPPED", cap=100, anchor_day=15),
        earlier_plan=None,
        roles=(("ACCOUNT_ADMIN", 1), ("ADMIN", 3), ("STAFFING", 16), ("INTERVIEWER", 45)),
        removed=5,
        calls_per_weekday=140,
        invites_per_weekday=14,
        purchase_credits=100,
        first_names=_names(
            "James Mary Michael Jennifer David Linda Chris Jessica Daniel Ashley Matthew "
            "Emily Andrew Megan Joshua Amanda Ryan Lauren Brandon Rachel Kevin Nicole Jason "
            "Stephanie Tyler Samantha Carlos Maria Jose Sofia Wei Priya Arjun Grace Ethan "
            "Olivia Noah Ava Liam Isabella"
        ),
        last_names=_names(
            "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Moore "
            "Jackson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott "
            "Hill Green Adams Nelson Baker Hernandez Lopez Gonzalez Rivera Nguyen Kim Chen "
            "Patel Shah O'Brien Murphy Reyes"
        ),
        job_titles=(
            "Software Engineer II",
            "Senior Data Scientist",
            "Recruiting Coordinator",
            "UX Researcher",
            "Solutions Architect",
            "Site Reliability Engineer",
            "Account Manager",
            "Security Engineer",
            "Staff Engineer, Platform",
            "Business Analyst",
            "Office Manager",
            "Mobile Engineer (iOS)",
        ),
    ),
    OrgSpec(
        id="initech",
        name="Initech K.K.",
        time_zone="Asia/Tokyo",
        domain="initech.example",
        ai_mode="BYOK",
        ai_provider="OPENAI",
        plan=PlanSpec(credits=120, rollover="FULL", cap=None, anchor_day=1),
        earlier_plan=None,
        roles=(("ACCOUNT_ADMIN", 1), ("ADMIN", 2), ("STAFFING", 12), ("INTERVIEWER", 35)),
        removed=4,
        calls_per_weekday=100,
        invites_per_weekday=8,
        purchase_credits=50,
        first_names=_names(
            "Haruto Yuto Sota Yuki Hayato Ren Kaito Takumi Daiki Kenta Shota Ryo Hiroshi "
            "Takeshi Kazuki Yui Aoi Hina Sakura Mio Yuna Rin Saki Miyu Nanami Ayaka Haruka "
            "Misaki Emi Keiko"
        ),
        last_names=_names(
            "Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato "
            "Yoshida Yamada Sasaki Yamaguchi Matsumoto Inoue Kimura Hayashi Shimizu "
            "Yamazaki Mori Abe Ikeda Hashimoto Ishikawa Ogawa Fujita Okada Goto Hasegawa"
        ),
        job_titles=(
            "Backend Engineer (Go)",
            "Bilingual Sales Representative",
            "Infrastructure Engineer",
            "Project Manager",
            "Localization Specialist",
            "Data Engineer",
            "Customer Support (Japanese/English)",
            "Embedded Software Engineer",
            "In-house Recruiter",
        ),
    ),
)
DEMO_ORG_IDS = tuple(spec.id for spec in ORGS)
# The organization whose ACCOUNT_ADMIN gets the printed token, and that member.
ADMIN_ORG_ID = ORGS[0].id
ADMIN_MEMBER_ID = f"{ADMIN_ORG_ID}-u001"
SWITCH_ORG_ID = "initech"


@dataclass(frozen=True)
class DemoSummary:
    """What one ``load_demo`` call did.

    ``members`` is the size of the demo's membership; the other counts are the rows this call
    stored (0 when the data was already there). ``token`` is a member JWT of ``admin_member_id``.
    """

    org_ids: tuple[str, ...]
    members: int
    ai_calls: int
    interview_events: int
    credit_purchases: int
    admin_org_id: str
    admin_member_id: str
    token: str
    graphiql_url: str
    already_loaded: bool = False


@dataclass
class DemoMember:
    org_id: str
    id: str
    name: str
    email: str
    role: str
    joined_at: datetime
    removed_at: datetime | None
    weight: float

    def active_on(self, day: date, zone: ZoneInfo) -> bool:
        """True when the member belongs to the organization for the whole local day."""
        if local_day(self.joined_at, zone) >= day:
            return False
        return self.removed_at is None or local_day(self.removed_at, zone) > day


@dataclass
class DemoOpening:
    org_id: str
    id: str
    job_title: str
    opened_at: datetime
    closes_on: date | None
    popularity: float


@dataclass
class DemoPlan:
    effective_from: date
    spec: PlanSpec


@dataclass
class DemoOrg:
    spec: OrgSpec
    zone: ZoneInfo
    active_since: date
    created_at: datetime
    plans: list[DemoPlan]


@dataclass
class DemoDataset:
    """The whole demo, as plain values and as the camelCase bodies the ingest routes take."""

    now: datetime
    orgs: list[DemoOrg]
    members: list[DemoMember]
    openings: list[DemoOpening]
    ai_calls: list[dict[str, Any]] = field(default_factory=list)
    interview_events: list[dict[str, Any]] = field(default_factory=list)
    purchases: list[dict[str, Any]] = field(default_factory=list)
    # When initech moved from credits to its own OpenAI key (an instant of the current month).
    switch_at: datetime | None = None


# --------------------------------------------------------------------------- generation


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean < 30:
        # Knuth's method, exact for small means.
        limit, k, p = math.exp(-mean), 0, 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                return k
            k += 1
    return max(0, round(rng.gauss(mean, math.sqrt(mean))))


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _day_factor(day: date, first: date, last: date) -> float:
    """Weekday, season, year-end holidays and steady growth over the year."""
    factor = WEEKDAY[day.weekday()] * SEASON[day.month]
    if (day.month == 12 and day.day >= 24) or (day.month == 1 and day.day == 1):
        factor *= 0.25
    span = max(1, (last - first).days)
    return factor * (0.75 + 0.5 * (day - first).days / span)


def _local_time(rng: random.Random, day: date, zone: ZoneInfo) -> datetime:
    hour = rng.choices(HOURS, cum_weights=HOUR_CUM)[0]
    local = datetime.combine(
        day, time(hour, rng.randrange(60), rng.randrange(60), rng.randrange(0, 1_000_000, 1_000))
    )
    return local.replace(tzinfo=zone).astimezone(UTC)


def _credits_text(value_e4: int) -> str:
    return f"{value_e4 // 10_000}.{value_e4 % 10_000:04d}"


def _history_start(today: date) -> date:
    return add_months(month_start(today), 1 - HISTORY_MONTHS)


def _build_org(spec: OrgSpec, now: datetime) -> DemoOrg:
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


def _build_members(rng: random.Random, org: DemoOrg, now: datetime) -> list[DemoMember]:
    spec = org.spec
    start = _history_start(local_day(now, org.zone))
    start_at = datetime.combine(start, time(0), tzinfo=org.zone).astimezone(UTC)
    pairs = [(f, last) for f in spec.first_names for last in spec.last_names if f != last]
    count = sum(n for _role, n in spec.roles)
    names = rng.sample(pairs, count)
    roles = [role for role, n in spec.roles for _ in range(n)]
    members: list[DemoMember] = []
    for index, (role, (first, last)) in enumerate(zip(roles, names, strict=True), start=1):
        admin = role in ("ACCOUNT_ADMIN", "ADMIN")
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
                email=f"{_ascii(first)}.{_ascii(last)}@{spec.domain}",
                role=role,
                joined_at=joined_at,
                removed_at=None,
                weight=weight,
            )
        )
    staff = [m for m in members if m.role in ("STAFFING", "INTERVIEWER")]
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


def _build_openings(rng: random.Random, org: DemoOrg, now: datetime) -> list[DemoOpening]:
    today = local_day(now, org.zone)
    start = _history_start(today) - timedelta(days=45)
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
                opened_at=_local_time(rng, opened, org.zone),
                closes_on=closes,
                popularity=rng.uniform(0.5, 1.5),
            )
        )
    return openings


def _models_for(
    org_id: str, mode: str, day: date, sonnet_45_from: date
) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """The models an organization's calls use, with cumulative weights."""
    sonnet = "claude-sonnet-4-5" if day >= sonnet_45_from else "claude-sonnet-4"
    mix = MODEL_MIX.get((org_id, mode), MODEL_MIX[("*", "CREDITS")])
    models = tuple(sonnet if model == SONNET else model for model, _weight in mix)
    return models, tuple(float(w) for w in accumulate(weight for _model, weight in mix))


def _switch_instant(org: DemoOrg, now: datetime) -> datetime:
    """Half-way through the current local month so far, at local midnight when there is room."""
    month_begins = datetime.combine(month_start(local_day(now, org.zone)), time(0), org.zone)
    halfway = month_begins + (now - month_begins) / 2
    midnight = datetime.combine(halfway.astimezone(org.zone).date(), time(0), org.zone)
    return (midnight if midnight > month_begins else halfway).astimezone(UTC)


def _call(
    rng: random.Random,
    org_id: str,
    member: DemoMember,
    at: datetime,
    mode: str,
    model: str,
) -> dict[str, Any]:
    reason = rng.choices(REASONS, cum_weights=REASON_CUM_BY_ROLE[member.role])[0]
    (in_lo, in_hi, in_mode), (out_lo, out_hi, out_mode) = TOKENS[reason]
    input_tokens = int(rng.triangular(in_lo, in_hi, in_mode))
    output_tokens = int(rng.triangular(out_lo, out_hi, out_mode))
    call: dict[str, Any] = {
        "orgId": org_id,
        "occurredAt": at,
        "memberId": member.id,
        "reason": reason,
        "billingMode": mode,
        "model": model,
        "inputTokens": input_tokens,
        "outputTokens": output_tokens,
    }
    if mode == "CREDITS":
        rate = CREDITS_PER_TOKEN_E4[MODEL_TIER[model]]
        low, high = CREDIT_BOUNDS_E4[reason]
        raw = round((input_tokens + 4 * output_tokens) * rate * rng.uniform(0.9, 1.1))
        call["creditsCharged"] = _credits_text(min(high, max(low, raw)))
    return call


def _build_calls(
    rng: random.Random,
    org: DemoOrg,
    members: Sequence[DemoMember],
    now: datetime,
    scale: float,
    switch_at: datetime | None,
) -> list[dict[str, Any]]:
    spec, zone = org.spec, org.zone
    today = local_day(now, zone)
    first = _history_start(today)
    sonnet_45_from = add_months(first, 6)
    calls: list[dict[str, Any]] = []
    for day in _days(first, today):
        active = [m for m in members if m.active_on(day, zone)]
        if not active:
            continue
        cum = tuple(accumulate(m.weight for m in active))
        count = _poisson(rng, spec.calls_per_weekday * scale * _day_factor(day, first, today))
        for _ in range(count):
            at = _local_time(rng, day, zone)
            if at > now:
                continue
            member = rng.choices(active, cum_weights=cum)[0]
            mode = spec.ai_mode
            if switch_at is not None:
                mode = "BYOK" if at >= switch_at else "CREDITS"
            models, model_cum = _models_for(spec.id, mode, day, sonnet_45_from)
            model = rng.choices(models, cum_weights=model_cum)[0]
            calls.append(_call(rng, spec.id, member, at, mode, model))
    if switch_at is not None:
        # However early in the month, this month has calls on both sides of the switch.
        month_begins = datetime.combine(month_start(today), time(0), zone).astimezone(UTC)
        admin = next(m for m in members if m.role == "ACCOUNT_ADMIN")
        for mode, at in (
            ("CREDITS", month_begins + (switch_at - month_begins) / 2),
            ("BYOK", switch_at + (now - switch_at) / 2),
        ):
            models, model_cum = _models_for(spec.id, mode, today, sonnet_45_from)
            model = rng.choices(models, cum_weights=model_cum)[0]
            calls.append(_call(rng, spec.id, admin, at, mode, model))
    calls.sort(key=lambda call: (call["occurredAt"], call["memberId"]))
    for number, call in enumerate(calls, start=1):
        call["eventId"] = f"{spec.id}-call-{number:07d}"
    return calls


def _interview(rng: random.Random, invited_at: datetime) -> list[tuple[datetime, str, str | None]]:
    """The status events of one interview: ``(occurredAt, status, completedFraction)``."""
    if rng.random() < 0.02:
        # A recruiter trying the interview out: free, whatever happens next.
        events: list[tuple[datetime, str, str | None]] = [(invited_at, "SIMULATION", None)]
        if rng.random() < 0.5:
            events.append((invited_at + timedelta(minutes=rng.uniform(15, 40)), "COMPLETED", None))
        return events
    events = [(invited_at, "INVITED", None)]
    if rng.random() >= 0.75:
        return events  # invited, never started
    started = invited_at + timedelta(hours=min(240.0, 0.3 + rng.expovariate(1 / 30)))
    events.append((started, "STARTED", None))
    outcome = rng.random()
    if outcome < 0.68:
        events.append((started + timedelta(minutes=rng.uniform(20, 55)), "COMPLETED", None))
    elif outcome < 0.95:
        partial = started + timedelta(minutes=rng.uniform(5, 40))
        fraction = f"0.{rng.randint(10, 95):02d}"
        events.append((partial, "PARTIALLY_COMPLETED", fraction))
        if rng.random() < 0.3:
            # Came back later and finished: pays the difference then.
            resumed = partial + timedelta(days=rng.uniform(1, 4))
            events.append((resumed, "COMPLETED", None))
    return events


def _build_interview_events(
    rng: random.Random,
    org: DemoOrg,
    openings: Sequence[DemoOpening],
    now: datetime,
    scale: float,
) -> tuple[list[dict[str, Any]], list[tuple[datetime, int]]]:
    """The status events of the interviews, and what each charged: ``(occurredAt, credits e4)``."""
    spec, zone = org.spec, org.zone
    today = local_day(now, zone)
    first = _history_start(today)
    events: list[dict[str, Any]] = []
    charges: list[tuple[datetime, int]] = []
    interviews = 0
    candidates = 0
    for day in _days(first, today):
        open_now = [
            o
            for o in openings
            if local_day(o.opened_at, zone) < day and (o.closes_on is None or day <= o.closes_on)
        ]
        if not open_now:
            continue
        cum = tuple(accumulate(o.popularity for o in open_now))
        count = _poisson(rng, spec.invites_per_weekday * scale * _day_factor(day, first, today))
        for _ in range(count):
            opening = rng.choices(open_now, cum_weights=cum)[0]
            interviews += 1
            # A few candidates interview for a second opening.
            if candidates and rng.random() < 0.05:
                candidate = rng.randint(1, candidates)
            else:
                candidates += 1
                candidate = candidates
            interview_id = f"{spec.id}-iv-{interviews:06d}"
            steps = _interview(rng, _local_time(rng, day, zone))
            free = any(status == "SIMULATION" for _at, status, _fraction in steps)
            high = 0
            for step, (at, status, fraction) in enumerate(steps, start=1):
                if at > now:
                    break  # not happened yet
                event: dict[str, Any] = {
                    "eventId": f"{interview_id}-{step}",
                    "orgId": spec.id,
                    "openingId": opening.id,
                    "interviewId": interview_id,
                    "candidateId": f"{spec.id}-cand-{candidate:06d}",
                    "occurredAt": at,
                    "status": status,
                }
                if fraction is not None:
                    event["completedFraction"] = fraction
                events.append(event)
                worth = _worth_e4(status, fraction)
                if not free and worth > high:
                    charges.append((at, worth - high))
                    high = worth
    events.sort(key=lambda event: (event["occurredAt"], event["eventId"]))
    charges.sort()
    return events, charges


def _worth_e4(status: str, fraction: str | None) -> int:
    if status == "COMPLETED":
        return 10_000
    return credits_to_int(fraction) if fraction is not None else 0


def _plan_on(org: DemoOrg, day: date) -> PlanSpec:
    return [plan.spec for plan in org.plans if plan.effective_from <= day][-1]


def _rolled_over(plan: PlanSpec, remaining: int) -> int:
    if plan.rollover == "FULL":
        return max(0, remaining)
    if plan.rollover == "CAPPED":
        return min(credits_to_int(plan.cap or 0), max(0, remaining))
    return 0


def _build_purchases(
    rng: random.Random, org: DemoOrg, charges: Sequence[tuple[datetime, int]], now: datetime
) -> list[dict[str, Any]]:
    """Packs bought when a billing period's balance runs low (at least one in the year)."""
    spec, zone = org.spec, org.zone
    anchor = spec.plan.anchor_day
    bought: list[tuple[datetime, int]] = []
    remaining = 0
    period = billing_period_start(org.active_since, anchor)
    position = 0
    while period <= local_day(now, zone):
        plan = _plan_on(org, period)
        ends_at = datetime.combine(add_months(period, 1), time(0), zone).astimezone(UTC)
        balance = credits_to_int(plan.credits) + _rolled_over(plan, remaining)
        low = credits_to_int(plan.credits) // 10
        while position < len(charges) and charges[position][0] < ends_at:
            at, charge = charges[position]
            position += 1
            balance -= charge
            if balance < low:
                # Someone notices the next working day and tops up.
                day = local_day(at, zone) + timedelta(days=1)
                while day.weekday() >= 5:
                    day += timedelta(days=1)
                when = datetime.combine(day, time(rng.randint(9, 17), rng.randrange(60)), zone)
                if when.astimezone(UTC) < min(now, ends_at):
                    pack = credits_to_int(spec.purchase_credits * rng.choice((1, 1, 2)))
                    bought.append((when.astimezone(UTC), pack))
                    balance += pack
        remaining = balance
        period = add_months(period, 1)
    if not bought:
        # Bought ahead of the last autumn hiring season.
        day = date(local_day(now, zone).year, 9, 1) + timedelta(days=rng.randint(0, 6))
        when = datetime.combine(day, time(10, rng.randrange(60)), zone).astimezone(UTC)
        if when > now:
            when = datetime.combine(day.replace(year=day.year - 1), time(10), zone)
            when = when.astimezone(UTC)
        bought.append((when, credits_to_int(spec.purchase_credits)))
    return [
        {
            "org_id": spec.id,
            "purchase_id": f"{spec.id}-purchase-{number:02d}",
            "credits_e4": credits,
            "occurred_at": at,
            "created_at": at,
        }
        for number, (at, credits) in enumerate(bought, start=1)
    ]


def build_dataset(now: datetime, *, scale: float = 1.0) -> DemoDataset:
    """The demo data for ``now`` (pure: the same ``now`` and ``scale`` give the same data)."""
    if now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    now = now.astimezone(UTC)
    dataset = DemoDataset(now=now, orgs=[], members=[], openings=[])
    for number, spec in enumerate(ORGS):
        rng = random.Random(SEED + number)
        org = _build_org(spec, now)
        members = _build_members(rng, org, now)
        openings = _build_openings(rng, org, now)
        switch_at = _switch_instant(org, now) if spec.id == SWITCH_ORG_ID else None
        if switch_at is not None:
            dataset.switch_at = switch_at
        dataset.orgs.append(org)
        dataset.members.extend(members)
        dataset.openings.extend(openings)
        dataset.ai_calls.extend(_build_calls(rng, org, members, now, scale, switch_at))
        events, charges = _build_interview_events(rng, org, openings, now, scale)
        dataset.interview_events.extend(events)
        dataset.purchases.extend(_build_purchases(rng, org, charges, now))
    return dataset


# --------------------------------------------------------------------------- storage


def _batches(items: Sequence[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def _already_loaded(db: Database) -> bool:
    """True when every demo organization exists and the load's last step was committed."""
    last = ORGS[-1].id
    async with db.read() as conn:
        found = await org_queries.orgs_by_ids(conn, ids=DEMO_ORG_IDS)
        if len(found) < len(DEMO_ORG_IDS):
            return False
        # Purchases are written in the final transaction of a load.
        sentinel = await ingest_queries.get_purchase(
            conn, org_id=last, purchase_id=f"{last}-purchase-01"
        )
    return sentinel is not None


async def _store_reference_data(db: Database, data: DemoDataset) -> None:
    async with db.write() as conn:
        for org in data.orgs:
            spec = org.spec
            await org_queries.upsert_org(
                conn,
                org_id=spec.id,
                name=spec.name,
                time_zone=spec.time_zone,
                ai_mode=spec.ai_mode,
                ai_provider=spec.ai_provider,
                active_since=org.active_since,
                now=data.now,
                created_at=org.created_at,
            )
            for plan in org.plans:
                await org_queries.put_plan_version(
                    conn,
                    org_id=spec.id,
                    effective_from=plan.effective_from,
                    credits_per_period_e4=credits_to_int(plan.spec.credits),
                    rollover=plan.spec.rollover,
                    rollover_cap_e4=None
                    if plan.spec.cap is None
                    else credits_to_int(plan.spec.cap),
                    billing_anchor_day=plan.spec.anchor_day,
                )
        for member in data.members:
            await member_queries.upsert_member(
                conn,
                org_id=member.org_id,
                member_id=member.id,
                name=member.name,
                email=member.email,
                role=member.role,
                now=member.joined_at,
            )
        for opening in data.openings:
            await opening_queries.upsert_opening(
                conn,
                org_id=opening.org_id,
                opening_id=opening.id,
                job_title=opening.job_title,
                now=opening.opened_at,
            )


async def _store_events(db: Database, data: DemoDataset) -> tuple[int, int]:
    """Ingest the calls and the interview events in batches; ``(new calls, new events)``."""
    calls = events = 0
    for batch in _batches(data.ai_calls, BATCH_SIZE):
        call_models = [AiCallIn.model_validate(call) for call in batch]
        async with db.write() as conn:
            result = await ingest_ai_calls(conn, events=call_models, now=data.now)
        calls += result.accepted
    for batch in _batches(data.interview_events, BATCH_SIZE):
        event_models = [InterviewEventIn.model_validate(event) for event in batch]
        async with db.write() as conn:
            result = await ingest_interview_events(conn, events=event_models, now=data.now)
        events += result.accepted
    return calls, events


async def _store_final_step(db: Database, data: DemoDataset) -> int:
    """Leavers and credit purchases, in the one transaction that marks a complete load."""
    purchases = 0
    async with db.write() as conn:
        for member in data.members:
            if member.removed_at is not None:
                await member_queries.remove_member(
                    conn, org_id=member.org_id, member_id=member.id, now=member.removed_at
                )
        for row in data.purchases:
            purchases += await ingest_queries.insert_purchase(conn, row=row)
    return purchases


def _public_host(host: str) -> str:
    return "localhost" if host in ("0.0.0.0", "::", "") else host


async def load_demo(
    db: Database,
    *,
    settings: Settings,
    only_if_empty: bool,
    now: datetime | None = None,
    scale: float = 1.0,
) -> DemoSummary:
    """Fill the database with the demo dataset and print how to explore it in GraphiQL.

    ``only_if_empty``: leave a database that already holds the demo data as it is. Otherwise
    the dataset is stored again; every write is idempotent, so with the same ``now`` nothing
    changes. ``scale`` multiplies the volume of AI calls and interviews (tests use a fraction).
    """
    now = (now or system_clock()).astimezone(UTC)
    url = f"http://{_public_host(settings.host)}:{settings.port}/graphql"
    token = issue_member_token(
        settings, org_id=ADMIN_ORG_ID, member_id=ADMIN_MEMBER_ID, now=now, ttl=TOKEN_TTL
    )
    if only_if_empty and await _already_loaded(db):
        print(f"The demo data is already loaded (organizations {', '.join(DEMO_ORG_IDS)}).")
        summary = DemoSummary(
            org_ids=DEMO_ORG_IDS,
            members=0,
            ai_calls=0,
            interview_events=0,
            credit_purchases=0,
            admin_org_id=ADMIN_ORG_ID,
            admin_member_id=ADMIN_MEMBER_ID,
            token=token,
            graphiql_url=url,
            already_loaded=True,
        )
    else:
        data = build_dataset(now, scale=scale)
        await _store_reference_data(db, data)
        calls, events = await _store_events(db, data)
        purchases = await _store_final_step(db, data)
        summary = DemoSummary(
            org_ids=DEMO_ORG_IDS,
            members=len(data.members),
            ai_calls=calls,
            interview_events=events,
            credit_purchases=purchases,
            admin_org_id=ADMIN_ORG_ID,
            admin_member_id=ADMIN_MEMBER_ID,
            token=token,
            graphiql_url=url,
        )
        removed = sum(1 for m in data.members if m.removed_at is not None)
        skipped = len(data.ai_calls) - calls + len(data.interview_events) - events
        print(
            f"Demo data loaded: {len(data.orgs)} organizations ({', '.join(DEMO_ORG_IDS)}), "
            f"{len(data.members)} members ({removed} removed), {calls:,} AI calls, "
            f"{events:,} interview events, {len(data.openings)} openings, "
            f"{len(data.purchases)} credit purchases."
        )
        if skipped:
            print(f"({skipped:,} events were already stored and were left as they were.)")
    async with db.read() as conn:
        admins = await member_queries.members_by_ids(
            conn, org_id=ADMIN_ORG_ID, ids=[ADMIN_MEMBER_ID]
        )
    who = f"{admins[0].name}, " if admins else ""
    print()
    print(f"GraphiQL: {url}")
    print(f"Member token ({who}ACCOUNT_ADMIN of {ADMIN_ORG_ID}, valid 30 days):")
    print(f"  {token}")
    print("Open GraphiQL with the Authorization header already filled in:")
    print(f"  {url}?token={token}")
    print('or paste {"Authorization": "Bearer <token>"} into the Headers tab of GraphiQL.')
    dashboard = url.removesuffix("/graphql") + "/dashboard"
    print(f"Dashboard (both pages, same token): {dashboard}?token={token}")
    print("Other members: usage-gateway token --org globex --member globex-u001")
    return summary
