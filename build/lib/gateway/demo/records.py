"""The demo dataset's plain values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from gateway.core.calendar import local_day
from gateway.core.money import credits_to_int
from gateway.demo.specs import OrgSpec, PlanSpec
from gateway.orgs.enums import Role, RolloverRule
from gateway.orgs.records import PlanRecord


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
    admin_name: str = ""
    already_loaded: bool = False
    dashboard_url: str = ""
    openings: int = 0
    removed_members: int = 0
    skipped_events: int = 0


@dataclass
class DemoMember:
    org_id: str
    id: str
    name: str
    email: str
    role: Role
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

    def record(self) -> PlanRecord:
        spec = self.spec
        return PlanRecord(
            effective_from=self.effective_from,
            credits_per_period_e4=credits_to_int(spec.credits),
            rollover=RolloverRule(spec.rollover),
            rollover_cap_e4=None if spec.cap is None else credits_to_int(spec.cap),
            billing_anchor_day=spec.anchor_day,
        )


@dataclass
class DemoOrg:
    spec: OrgSpec
    zone: ZoneInfo
    active_since: date
    created_at: datetime
    plans: list[DemoPlan]

    def plan_records(self) -> list[PlanRecord]:
        return [plan.record() for plan in self.plans]


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
