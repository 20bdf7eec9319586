"""One AI call as a service reports it (the ingest body and the broker message)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, StringConstraints, model_validator

from gateway.core.calendar import unsupported_date
from gateway.core.validation import Body, CallCredits, EventId, FieldRule, Ident, Tokens
from gateway.orgs.enums import AiBillingMode
from gateway.usage.enums import UsageReason


def _occurred_at(value: datetime) -> datetime:
    """The instant in UTC, within the supported years.

    The parsed value's offset is an object whose every use costs ~1 us (comparing, taking the
    timestamp, encoding it for the database); in UTC these are cheap for the rest of the batch.
    """
    if 1900 < value.year < 2999:
        utc = value.astimezone(UTC)
        # Years strictly inside the range need no closer look, whatever the offset.
        if 1900 < utc.year < 2999:
            return utc
    # Near the ends (or beyond, where converting may overflow) the full check decides.
    if (reason := unsupported_date(value)) is not None:
        raise ValueError(reason)
    return value.astimezone(UTC)


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
