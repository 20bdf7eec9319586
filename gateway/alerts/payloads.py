"""The JSON bodies of webhooks, with versioned type names (pure: no I/O).

Every body is ``{"id", "type", "timestamp", "data"}``; ``id`` is the ``webhook-id`` header's
value too, the same for every attempt of the event.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson

from gateway.alerts.enums import EVENT_OF_KIND, FORECAST_KINDS, EventType
from gateway.alerts.records import NO_THRESHOLD, RuleRecord
from gateway.alerts.rules import Reading
from gateway.core.money import credits_from_int, format_decimal


def new_id(prefix: str) -> str:
    """``prefix_`` + 24 random hex digits: unguessable, fits the 40-character id columns."""
    return f"{prefix}_{secrets.token_hex(12)}"


def message_id_of(alert_id: str) -> str:
    """The webhook-id of an alert's event: derived, so it never changes for the event."""
    return "msg_" + alert_id.split("_", 1)[-1]


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def credits_text(value_e4: int) -> str:
    return format_decimal(credits_from_int(value_e4))


def alert_body(
    *,
    alert_id: str,
    org_id: str,
    org_name: str,
    rule: RuleRecord,
    threshold: str,
    reading: Reading,
    fired_at: datetime,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "alertId": alert_id,
        "organization": {"id": org_id, "name": org_name},
        "rule": {"id": rule.id, "name": rule.name, "kind": str(rule.kind)},
        "figure": credits_text(reading.figure_e4),
        "threshold": None if threshold == NO_THRESHOLD else threshold,
        "unit": str(rule.unit) if threshold != NO_THRESHOLD else None,
        "period": period_json(reading.period_start, reading.period_end),
    }
    if rule.member_id is not None:
        data["memberId"] = rule.member_id
    if rule.tier is not None:
        data["tier"] = rule.tier
    if rule.opening_id is not None:
        data["openingId"] = rule.opening_id
    if rule.within_days is not None:
        data["withinDays"] = rule.within_days
    if rule.kind in FORECAST_KINDS:
        data["runsOutOn"] = reading.runs_out_on.isoformat() if reading.runs_out_on else None
    return {
        "id": message_id_of(alert_id),
        "type": str(EVENT_OF_KIND[rule.kind]),
        "timestamp": timestamp(fired_at),
        "data": data,
    }


def period_json(start: date, end: date) -> dict[str, str]:
    """Local dates, both inclusive (``end`` is the period's last day)."""
    return {"start": start.isoformat(), "end": (end - timedelta(days=1)).isoformat()}


def test_body(*, message_id: str, org_id: str, endpoint_id: str, now: datetime) -> dict[str, Any]:
    return {
        "id": message_id,
        "type": str(EventType.WEBHOOK_TEST),
        "timestamp": timestamp(now),
        "data": {"organization": {"id": org_id}, "endpointId": endpoint_id},
    }


def encode(body: dict[str, Any]) -> str:
    return orjson.dumps(body).decode()
