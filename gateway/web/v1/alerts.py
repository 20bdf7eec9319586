"""``/v1`` routes for alert rules, alerts and webhook endpoints, for the service token: parse,
call the alert services, serialize."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway.alerting import delivery_options, evaluate_all
from gateway.alerts import endpoints as endpoint_service
from gateway.alerts import service as alerts_service
from gateway.alerts.inputs import AlertRuleIn, WebhookEndpointIn
from gateway.alerts.records import NO_THRESHOLD, AlertRecord, EndpointRecord, RuleRecord
from gateway.core.errors import ErrorCode
from gateway.web.errors import ApiError
from gateway.web.responses import JSONResponse
from gateway.web.v1.common import parse, path_id, require_service_token

# The ids the alert services make: a prefix, "_", 24 hex digits.
ALERT_ID = re.compile(r"^[a-z]{2,3}_[0-9a-f]{24}$")
MAX_ALERTS = 100


def _made_id(request: Request, name: str) -> str:
    value = str(request.path_params[name])
    if not ALERT_ID.match(value):
        raise ApiError(400, ErrorCode.BAD_USER_INPUT, f"{name} is not a valid id")
    return value


def _at(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


def rule_json(rule: RuleRecord) -> dict[str, Any]:
    return {
        "id": rule.id,
        "kind": rule.kind.value,
        "name": rule.name,
        "thresholds": rule.thresholds.split(),
        "unit": rule.unit.value,
        "withinDays": rule.within_days,
        "memberId": rule.member_id,
        "tier": rule.tier,
        "openingId": rule.opening_id,
        "enabled": rule.enabled,
        "createdAt": _at(rule.created_at),
        "updatedAt": _at(rule.updated_at),
    }


def alert_json(alert: AlertRecord) -> dict[str, Any]:
    return {
        "id": alert.id,
        "ruleId": alert.rule_id,
        "kind": alert.kind.value,
        "threshold": None if alert.threshold == NO_THRESHOLD else alert.threshold,
        "figure": alert.figure,
        "periodStart": alert.period_start.isoformat(),
        "periodEndExclusive": alert.period_end.isoformat(),
        "runsOutOn": _at(alert.runs_out_on),
        "firedAt": _at(alert.fired_at),
        "resolvedAt": _at(alert.resolved_at),
        "active": alert.active,
    }


def endpoint_json(row: EndpointRecord) -> dict[str, Any]:
    return {
        "id": row.id,
        "url": row.url,
        "description": row.description,
        "eventTypes": row.event_types.split(),
        "enabled": row.enabled,
        "disabledReason": row.disabled_reason,
        "createdAt": _at(row.created_at),
    }


async def list_rules(request: Request) -> Response:
    state = require_service_token(request)
    org_id = path_id(request, "orgId")
    rules = await alerts_service.rules(state.db, org_id)
    return JSONResponse({"rules": [rule_json(rule) for rule in rules]})


async def create_rule(request: Request) -> Response:
    state = require_service_token(request)
    org_id = path_id(request, "orgId")
    body = await parse(request, AlertRuleIn)
    rule = await alerts_service.create_rule(
        state.db, org_id, body, now=state.clock(), evaluator=evaluate_all
    )
    return JSONResponse(rule_json(rule), status_code=201)


async def put_rule(request: Request) -> Response:
    state = require_service_token(request)
    org_id, rule_id = path_id(request, "orgId"), _made_id(request, "ruleId")
    body = await parse(request, AlertRuleIn)
    rule = await alerts_service.update_rule(
        state.db, org_id, rule_id, body, now=state.clock(), evaluator=evaluate_all
    )
    return JSONResponse(rule_json(rule))


async def delete_rule(request: Request) -> Response:
    state = require_service_token(request)
    org_id, rule_id = path_id(request, "orgId"), _made_id(request, "ruleId")
    await alerts_service.delete_rule(state.db, org_id, rule_id, now=state.clock())
    return Response(status_code=204)


async def list_alerts(request: Request) -> Response:
    state = require_service_token(request)
    org_id = path_id(request, "orgId")
    alerts = await alerts_service.alerts(state.db, org_id, after=None, limit=MAX_ALERTS)
    return JSONResponse({"alerts": [alert_json(alert) for alert in alerts]})


async def list_endpoints(request: Request) -> Response:
    state = require_service_token(request)
    org_id = path_id(request, "orgId")
    rows = await endpoint_service.endpoints(state.db, org_id)
    return JSONResponse({"endpoints": [endpoint_json(row) for row in rows]})


async def create_endpoint(request: Request) -> Response:
    state = require_service_token(request)
    org_id = path_id(request, "orgId")
    body = await parse(request, WebhookEndpointIn)
    options = delivery_options(state.settings)
    made, secret = await endpoint_service.create_endpoint(
        state.db,
        org_id,
        body,
        now=state.clock(),
        production=options.production,
        allow_private=options.allow_private,
    )
    return JSONResponse({**endpoint_json(made), "secret": secret}, status_code=201)
