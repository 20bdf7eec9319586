"""One AI call as a service reports it (the ingest body and the broker message)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, StringConstraints, model_validator

from gateway.core.calendar import unsupported_date
from gateway.core.validation import Body, CallCredits, EventId, FieldRule, Ident, Tokens
from gateway.orgs.enums import AiBillingMode
from gateway.usage.enums import UsageReason

# Between these instants both the local and the UTC date of any offset are supported years, so
# the full check (an object per call, ~1.5 us) runs only near the ends of the range.
_SURELY_SUPPORTED = (datetime(1900, 1, 3, tzinfo=UTC), datetime(2999, 12, 29, tzinfo=UTC))


def _occurred_at(value: datetime) -> datetime:
    if _SURELY_SUPPORTED[0] < value < _SURELY_SUPPORTED[1]:
        return value
    if (reason := unsupported_date(value)) is not None:
        raise ValueError(reason)
    return value


# What SupportedDateTime checks, cheaper per call (a batch holds thousands).
OccurredAt = Annotated[AwareDatetime, AfterValidator(_occurred_at)]


class AiCallIn(Body):
    event_id: EventId
    org_id: Ident
    occurred_at: OccurredAt
    member_id: Ident
    reason: UsageReason
    billing_mode: AiBillingMode
    model: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    credits_charged: CallCredits | None = None
    input_tokens: Tokens = 0
    output_tokens: Tokens = 0

    @model_validator(mode="after")
    def _credits_by_mode(self) -> AiCallIn:
        if self.billing_mode is AiBillingMode.CREDITS and self.credits_charged is None:
            raise FieldRule("creditsCharged", "is required on CREDITS calls")
        if self.billing_mode is AiBillingMode.BYOK and self.credits_charged not in (None, 0):
            raise FieldRule("creditsCharged", "must be absent or zero on BYOK calls")
        return self
