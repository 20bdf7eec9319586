"""Interview events, credit purchases and openings as services report them."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from gateway.consumption.enums import InterviewStatus
from gateway.core.validation import (
    ASCII,
    Body,
    EventId,
    FieldRule,
    Ident,
    PositiveCredits,
    SupportedDateTime,
)


class InterviewEventIn(Body):
    event_id: EventId
    org_id: Ident
    opening_id: Ident
    interview_id: EventId
    candidate_id: EventId
    occurred_at: SupportedDateTime
    status: InterviewStatus
    completed_fraction: Annotated[Decimal, Field(gt=0, lt=1), ASCII] | None = None

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
    credits: PositiveCredits
    occurred_at: SupportedDateTime


class OpeningIn(Body):
    job_title: Annotated[
        str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)
    ]
