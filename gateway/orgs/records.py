"""Organizations, plans, members and API keys as the queries return them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from gateway.core.enum_values import member_of
from gateway.orgs.enums import AiBillingMode, AiProvider, Role, RolloverRule


@dataclass(frozen=True, slots=True)
class OrgRecord:
    id: str
    name: str
    time_zone: str
    ai_mode: AiBillingMode
    ai_provider: AiProvider | None
    active_since: date
    created_at: datetime

    def __post_init__(self) -> None:
        # Columns hold plain strings: give them their enum once, here.
        object.__setattr__(self, "ai_mode", member_of(AiBillingMode, self.ai_mode))
        if self.ai_provider is not None:
            object.__setattr__(self, "ai_provider", member_of(AiProvider, self.ai_provider))


@dataclass(frozen=True, slots=True)
class PlanRecord:
    """An organization's plan from the billing period starting ``effective_from`` on."""

    effective_from: date
    credits_per_period_e4: int
    rollover: RolloverRule
    rollover_cap_e4: int | None
    billing_anchor_day: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "rollover", member_of(RolloverRule, self.rollover))


@dataclass(frozen=True, slots=True)
class MemberRecord:
    org_id: str
    id: str
    name: str
    email: str
    role: Role
    removed: bool

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", member_of(Role, self.role))
        object.__setattr__(self, "removed", bool(self.removed))


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    org_id: str
    id: str
    name: str
    permissions: str
    created_at: datetime
    revoked_at: datetime | None
    created_by: str | None
    expires_at: datetime | None
    last_used_at: datetime | None

    def refusal(self, now: datetime) -> str | None:
        """Why the key may not be used at ``now``; None when it may."""
        if self.revoked_at is not None:
            return "this API key has been revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "this API key has expired"
        return None


@dataclass(frozen=True, slots=True)
class EmbedTokenRecord:
    org_id: str
    id: str
    documents: str
    document_digests: str
    permissions: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None

    def refusal(self, now: datetime) -> str | None:
        """Why the token may not be used at ``now``; None when it may."""
        if self.revoked_at is not None:
            return "this embed token has been revoked"
        if self.expires_at <= now:
            return "this embed token has expired"
        return None
