"""Decoding one message, describing its problems, and the headers of its dead-letter copy."""

from __future__ import annotations

import json
from decimal import Decimal

from gateway.broker.messages import (
    CreditPurchaseMessage,
    Kind,
    Reason,
    Rejection,
    dead_letter_headers,
    decode,
    event_key,
)
from gateway.usage.inputs import AiCallIn
from tests.support import ai_call


def test_a_valid_call_decodes_to_the_http_body_model() -> None:
    event = decode(Kind.AI_CALLS, json.dumps(ai_call("c1", credits="0.5")).encode())
    assert isinstance(event, AiCallIn)
    assert (event.event_id, event.credits_charged) == ("c1", Decimal("0.5"))
    assert event_key(event) == ("acme", "c1")


def test_a_purchase_carries_its_organization() -> None:
    body = {
        "purchaseId": "p1",
        "orgId": "acme",
        "credits": "5",
        "occurredAt": "2026-10-01T00:00:00Z",
    }
    event = decode(Kind.CREDIT_PURCHASES, json.dumps(body).encode())
    assert isinstance(event, CreditPurchaseMessage)
    assert event_key(event) == ("acme", "p1")
    missing = decode(Kind.CREDIT_PURCHASES, json.dumps({**body, "orgId": None}).encode())
    assert missing == Rejection(Reason.INVALID, "orgId: Input should be a valid string")


def test_problems_read_as_the_422_lists_them() -> None:
    body = ai_call("c1", mode="CREDITS", credits=None)
    body["reason"] = "DANCE"
    rejected = decode(Kind.AI_CALLS, json.dumps(body).encode())
    assert rejected == Rejection(
        Reason.INVALID,
        "reason: Input should be 'CHAT', 'GENERATE_FIELD' or 'SUMMARIZE_CV'",
    )
    rejected = decode(Kind.AI_CALLS, json.dumps(ai_call("c1", credits=None)).encode())
    assert rejected == Rejection(Reason.INVALID, "creditsCharged: is required on CREDITS calls")


def test_not_json_and_not_an_object() -> None:
    rejected = decode(Kind.INTERVIEW_EVENTS, b"\xff\xfe")
    assert isinstance(rejected, Rejection) and rejected.reason is Reason.NOT_JSON
    assert rejected.message.startswith("not valid JSON: ")
    assert decode(Kind.INTERVIEW_EVENTS, b'"one"') == Rejection(
        Reason.INVALID, "expected one event (an object)"
    )


def test_dead_letter_headers_keep_the_original_ones_but_not_its_message_id() -> None:
    headers = dead_letter_headers(
        {"Nats-Msg-Id": "c1", "Trace": "abc", "Nats-Expected-Stream": "USAGE"},
        subject="usage.ai-calls",
        error="memberId: unknown member 'x'\r\nInjected: 1",
        stream_seq=42,
    )
    assert headers == {
        "Trace": "abc",
        "Usage-Msg-Id": "c1",
        "Usage-Error": "memberId: unknown member 'x' Injected: 1",
        "Usage-Subject": "usage.ai-calls",
        "Nats-Msg-Id": "dead:42",
    }
    assert dead_letter_headers(None, subject="s", error="e", stream_seq=1) == {
        "Usage-Error": "e",
        "Usage-Subject": "s",
        "Nats-Msg-Id": "dead:1",
    }
