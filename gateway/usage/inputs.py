"""One AI call as a service reports it (the ingest body and the broker message)."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints, model_validator

from gateway.core.validation import (
    Body,
    CallCredits,
    EventId,
    FieldRule,
    Ident,
    SupportedDateTime,
    Tokens,
)
from gateway.orgs.enums import AiBillingMode
from gateway.usage.enums import UsageReason


class AiCallIn(Body):
    event_id: EventId
    org_id: Ident
    occurred_at: SupportedDateTime
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
