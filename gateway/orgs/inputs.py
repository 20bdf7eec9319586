"""Bodies that create or change organizations, members and API keys, validated strictly."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from gateway.core.money import credits_to_int
from gateway.core.validation import (
    Body,
    Credits,
    Email,
    FieldRule,
    SupportedDate,
    SupportedDateTime,
    Text,
    TimeZone,
)
from gateway.orgs.enums import AiBillingMode, AiProvider, Permission, Role, RolloverRule
from gateway.orgs.plans import PlanTerms


class AiBillingIn(Body):
    mode: AiBillingMode = AiBillingMode.CREDITS
    provider: AiProvider | None = None

    @model_validator(mode="after")
    def _provider_with_byok(self) -> AiBillingIn:
        if self.mode is AiBillingMode.BYOK and self.provider is None:
            raise FieldRule("provider", "is required when mode is BYOK")
        return self


class PlanIn(Body):
    interview_credits_per_period: Credits
    rollover: RolloverRule = RolloverRule.NONE
    rollover_cap: Credits | None = None
    billing_anchor_day: Annotated[int, Field(ge=1, le=28)] = 1

    @model_validator(mode="after")
    def _cap_with_capped(self) -> PlanIn:
        if self.rollover is RolloverRule.CAPPED and self.rollover_cap is None:
            raise FieldRule("rolloverCap", "is required when rollover is CAPPED")
        if self.rollover is not RolloverRule.CAPPED and self.rollover_cap is not None:
            raise FieldRule("rolloverCap", "is only allowed when rollover is CAPPED")
        return self

    def terms(self) -> PlanTerms:
        return PlanTerms(
            credits_per_period_e4=credits_to_int(self.interview_credits_per_period),
            rollover=self.rollover,
            rollover_cap_e4=None
            if self.rollover_cap is None
            else credits_to_int(self.rollover_cap),
            billing_anchor_day=self.billing_anchor_day,
        )


class OrganizationIn(Body):
    name: Text
    time_zone: TimeZone
    ai_billing: AiBillingIn = AiBillingIn()
    plan: PlanIn | None = None
    active_since: SupportedDate | None = None


class MemberIn(Body):
    name: Text
    email: Email
    role: Role


class ApiKeyIn(Body):
    name: Text
    permissions: Annotated[list[str], Field(min_length=1, max_length=len(Permission))]
    # None: the key never expires.
    expires_at: SupportedDateTime | None = None

    @model_validator(mode="after")
    def _known_permissions(self) -> ApiKeyIn:
        known = {str(p) for p in Permission}
        unknown = sorted(set(self.permissions) - known)
        if unknown:
            raise FieldRule("permissions", f"unknown permissions {unknown}; known: {sorted(known)}")
        return self
