"""Amounts take ASCII digits only: Python's Decimal reads any Unicode digit ("١٢" is 12) and
strips any Unicode space, so a spoofed or mistyped amount would otherwise be stored."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from gateway.catalog.inputs import PriceIn
from gateway.consumption.inputs import CreditPurchaseIn, InterviewEventIn
from gateway.core.money import NotAsciiError, credits_to_int, usd_to_int
from gateway.core.validation import problems_of
from gateway.orgs.inputs import PlanIn
from gateway.usage.inputs import AiCallIn
from resolvers.scalars import DecimalScalar

NOT_ASCII = [
    "\u0661\u0662",  # Arabic-Indic 12
    "\u06f1\u06f2",  # Extended Arabic-Indic 12
    "\u0967\u0968",  # Devanagari 12
    "\uff11\uff12.\uff15",  # full-width 12.5
    "1\u0662",  # one ASCII digit, one not
    "\u20031.25",  # an em space, which Decimal strips
    "\u22121",  # the minus sign
]

CALL = {
    "eventId": "e1",
    "orgId": "acme",
    "occurredAt": "2026-11-03T09:15:00Z",
    "memberId": "m1",
    "reason": "CHAT",
    "billingMode": "CREDITS",
    "model": "claude-sonnet-4-5",
}
BODIES: list[tuple[type[Any], dict[str, Any], str]] = [
    (AiCallIn, CALL, "creditsCharged"),
    (CreditPurchaseIn, {"purchaseId": "p1", "occurredAt": "2026-11-03T09:15:00Z"}, "credits"),
    (PlanIn, {}, "interviewCreditsPerPeriod"),
    (PriceIn, {"effectiveFrom": "2026-01-01", "outputUsdPerMillion": "1"}, "inputUsdPerMillion"),
]


def test_decimal_itself_reads_them() -> None:
    assert Decimal("\u0661\u0662") == 12
    assert Decimal("\u20031.25") == Decimal("1.25")


@pytest.mark.parametrize("text", NOT_ASCII)
def test_the_scaled_integers_refuse_other_digits(text: str) -> None:
    with pytest.raises(NotAsciiError):
        credits_to_int(text)
    with pytest.raises(NotAsciiError):
        usd_to_int(text)


@pytest.mark.parametrize("text", NOT_ASCII)
@pytest.mark.parametrize(("body", "rest", "field"), BODIES, ids=[b[2] for b in BODIES])
def test_every_amount_of_a_body_refuses_other_digits(
    body: type[Any], rest: dict[str, Any], field: str, text: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        body.model_validate({**rest, field: text})
    [problem] = problems_of(caught.value.errors())
    assert problem.field == field
    assert "ASCII" in problem.message


@pytest.mark.parametrize(("body", "rest", "field"), BODIES, ids=[b[2] for b in BODIES])
def test_ascii_amounts_still_pass(body: type[Any], rest: dict[str, Any], field: str) -> None:
    assert getattr(body.model_validate({**rest, field: "12.50"}), _snake(field)) == Decimal("12.5")


@pytest.mark.parametrize("text", NOT_ASCII)
def test_the_graphql_decimal_refuses_other_digits(text: str) -> None:
    with pytest.raises(ValueError, match="ASCII"):
        DecimalScalar.parse_value(text)


def test_the_graphql_decimal_still_reads_ascii() -> None:
    assert DecimalScalar.parse_value("12.50") == Decimal("12.50")
    assert DecimalScalar.parse_value(3) == Decimal(3)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


@pytest.mark.parametrize("text", ["\u0660.\u0665", "\uff10.\uff15", "\u20030.5"])
def test_a_completed_fraction_takes_ascii_digits_only(text: str) -> None:
    event = {
        "eventId": "e1",
        "orgId": "acme",
        "openingId": "o1",
        "interviewId": "i1",
        "candidateId": "c1",
        "occurredAt": "2026-11-03T09:15:00Z",
        "status": "PARTIALLY_COMPLETED",
    }
    assert InterviewEventIn.model_validate({**event, "completedFraction": "0.5"})
    with pytest.raises(ValidationError) as caught:
        InterviewEventIn.model_validate({**event, "completedFraction": text})
    [problem] = problems_of(caught.value.errors())
    assert (problem.field, "ASCII" in problem.message) == ("completedFraction", True)
