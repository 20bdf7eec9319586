"""Request bodies of the ``/v1`` write routes, validated strictly."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic.alias_generators import to_camel

from gateway.money import ScaleError, credits_to_int, usd_to_int


class Role(StrEnum):
    ACCOUNT_ADMIN = "ACCOUNT_ADMIN"
    ADMIN = "ADMIN"
    STAFFING = "STAFFING"
    INTERVIEWER = "INTERVIEWER"


class AiBillingMode(StrEnum):
    CREDITS = "CREDITS"
    BYOK = "BYOK"


class AiProvider(StrEnum):
    ANTHROPIC = "ANTHROPIC"
    OPENAI = "OPENAI"


class UsageReason(StrEnum):
    CHAT = "CHAT"
    GENERATE_FIELD = "GENERATE_FIELD"
    SUMMARIZE_CV = "SUMMARIZE_CV"


class InterviewStatus(StrEnum):
    INVITED = "INVITED"
    STARTED = "STARTED"
    PARTIALLY_COMPLETED = "PARTIALLY_COMPLETED"
    COMPLETED = "COMPLETED"
    SIMULATION = "SIMULATION"


class RolloverRule(StrEnum):
    NONE = "NONE"
    FULL = "FULL"
    CAPPED = "CAPPED"


PERMISSIONS = frozenset({"credits:view", "consumption:view"})

Ident = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$")
]
EventId = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@/-]*$")
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]


def _credits(value: Decimal) -> Decimal:
    try:
        credits_to_int(value)
    except ScaleError as exc:
        raise ValueError(str(exc)) from None
    return value


def _usd(value: Decimal) -> Decimal:
    try:
        usd_to_int(value)
    except ScaleError as exc:
        raise ValueError(str(exc)) from None
    return value


def _time_zone(value: str) -> str:
    if value not in _zones():
        raise ValueError(f"{value!r} is not an IANA time zone")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone") from None
    return value


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("is not an email address")
    return value


Credits = Annotated[Decimal, Field(ge=0, le=Decimal("100000000000")), AfterValidator(_credits)]
Usd = Annotated[Decimal, Field(ge=0, le=Decimal("1000000")), AfterValidator(_usd)]
TimeZone = Annotated[str, AfterValidator(_time_zone)]
Email = Annotated[str, StringConstraints(max_length=320), AfterValidator(_email)]
Tokens = Annotated[int, Field(ge=0, le=100_000_000)]


class FieldRule(ValueError):
    """A cross-field rule broken by one field, which the error names."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field} {message}")
        self.field = field
        self.message = message


class Body(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=False, extra="forbid", frozen=True
    )


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


class OrganizationIn(Body):
    name: Text
    time_zone: TimeZone
    ai_billing: AiBillingIn = AiBillingIn()
    plan: PlanIn | None = None
    active_since: date | None = None


class MemberIn(Body):
    name: Text
    email: Email
    role: Role


class OpeningIn(Body):
    job_title: Annotated[
        str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)
    ]


class PriceIn(Body):
    effective_from: AwareDatetime
    input_usd_per_million: Usd
    output_usd_per_million: Usd


class ModelIn(Body):
    provider: AiProvider
    tier: Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
    label: Text | None = None
    prices: list[PriceIn] = Field(default_factory=list, max_length=100)


class AiCallIn(Body):
    event_id: EventId
    org_id: Ident
    occurred_at: AwareDatetime
    member_id: Ident
    reason: UsageReason
    billing_mode: AiBillingMode
    model: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    credits_charged: Credits | None = None
    input_tokens: Tokens = 0
    output_tokens: Tokens = 0

    @model_validator(mode="after")
    def _credits_by_mode(self) -> AiCallIn:
        if self.billing_mode is AiBillingMode.CREDITS and self.credits_charged is None:
            raise FieldRule("creditsCharged", "is required on CREDITS calls")
        if self.billing_mode is AiBillingMode.BYOK and self.credits_charged not in (None, 0):
            raise FieldRule("creditsCharged", "must be absent or zero on BYOK calls")
        return self


class InterviewEventIn(Body):
    event_id: EventId
    org_id: Ident
    opening_id: Ident
    interview_id: EventId
    candidate_id: EventId
    occurred_at: AwareDatetime
    status: InterviewStatus
    completed_fraction: Annotated[Decimal, Field(gt=0, lt=1)] | None = None

    @model_validator(mode="after")
    def _fraction_with_partial(self) -> InterviewEventIn:
        partial = self.status is InterviewStatus.PARTIALLY_COMPLETED
        if partial and self.completed_fraction is None:
            raise FieldRule("completedFraction", "is required when status is PARTIALLY_COMPLETED")
        if not partial and self.completed_fraction is not None:
            raise FieldRule(
                "completedFraction", "is only allowed when status is PARTIALLY_COMPLETED"
            )
        return self


class CreditPurchaseIn(Body):
    purchase_id: EventId
    credits: Annotated[Decimal, Field(gt=0, le=Decimal("100000000000")), AfterValidator(_credits)]
    occurred_at: AwareDatetime


class ApiKeyIn(Body):
    name: Text
    permissions: Annotated[list[str], Field(min_length=1, max_length=len(PERMISSIONS))]

    @model_validator(mode="after")
    def _known_permissions(self) -> ApiKeyIn:
        unknown = sorted(set(self.permissions) - PERMISSIONS)
        if unknown:
            raise FieldRule(
                "permissions", f"unknown permissions {unknown}; known: {sorted(PERMISSIONS)}"
            )
        return self


def error_list(errors: list[Any], *, batch: bool = False) -> list[dict[str, Any]]:
    """Pydantic errors as ``{index, field, message}`` (``index`` only for batches)."""
    out: list[dict[str, Any]] = []
    for err in errors:
        loc = list(err.get("loc", ()))
        item: dict[str, Any] = {}
        if batch:
            if loc and loc[0] == "events":
                loc = loc[1:]
            item["index"] = loc[0] if loc and isinstance(loc[0], int) else None
            loc = loc[1:] if loc and isinstance(loc[0], int) else loc
        fields = [str(part) for part in loc if not str(part).startswith("function-")]
        message = str(err.get("msg", "is not valid")).removeprefix("Value error, ")
        rule = (err.get("ctx") or {}).get("error")
        if isinstance(rule, FieldRule):
            fields.append(rule.field)
            message = rule.message
        item["field"] = ".".join(fields) or None
        item["message"] = message
        out.append(item)
    return out
