"""The ``/v1`` alert routes in the OpenAPI document: their answers as JSON Schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway.alerts.enums import EventType, RuleKind, ThresholdUnit
from gateway.alerts.inputs import AlertRuleIn, WebhookEndpointIn
from gateway.web.v1.alerts import ALERT_ID
from gateway.web.v1.openapi_bodies import DECIMAL, STRING, obj

NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_INT = {"type": ["integer", "null"]}
BOOLEAN = {"type": "boolean"}
RULE = obj(
    id=STRING,
    kind={"enum": [k.value for k in RuleKind]},
    name=STRING,
    thresholds={"type": "array", "items": DECIMAL},
    unit={"enum": [u.value for u in ThresholdUnit]},
    withinDays=NULLABLE_INT,
    memberId=NULLABLE_STRING,
    tier=NULLABLE_STRING,
    openingId=NULLABLE_STRING,
    enabled=BOOLEAN,
    createdAt=STRING,
    updatedAt=STRING,
)
ALERT = obj(
    id=STRING,
    ruleId=STRING,
    kind={"enum": [k.value for k in RuleKind]},
    threshold=NULLABLE_STRING,
    figure=DECIMAL,
    periodStart=STRING,
    periodEndExclusive=STRING,
    runsOutOn=NULLABLE_STRING,
    firedAt=STRING,
    resolvedAt=NULLABLE_STRING,
    active=BOOLEAN,
)
_ENDPOINT = {
    "id": STRING,
    "url": STRING,
    "description": STRING,
    "eventTypes": {"type": "array", "items": {"enum": [t.value for t in EventType]}},
    "enabled": BOOLEAN,
    "disabledReason": NULLABLE_STRING,
    "createdAt": STRING,
}
ENDPOINT = obj(**_ENDPOINT)
NEW_ENDPOINT = obj(**_ENDPOINT, secret=STRING)


def alert_paths(
    op: Callable[..., dict[str, Any]], ref: Callable[[Any], dict[str, str]]
) -> dict[str, Any]:
    """The paths, built with openapi.py's ``_op`` and ``_ref``."""
    org = ("orgId",)
    rule = (*org, "ruleId")
    paths = {
        "/v1/orgs/{orgId}/alert-rules": {
            "get": op(
                "The organization's alert rules",
                ok=obj(rules={"type": "array", "items": RULE}),
                params=org,
            ),
            "post": op(
                "Create an alert rule (evaluated at once; at most 100 per organization)",
                body=ref(AlertRuleIn),
                ok=RULE,
                statuses=(201,),
                params=org,
                errors=(404,),
            ),
        },
        "/v1/orgs/{orgId}/alert-rules/{ruleId}": {
            "put": op(
                "Replace an alert rule's settings (it re-arms)",
                body=ref(AlertRuleIn),
                ok=RULE,
                params=rule,
                errors=(404,),
            ),
            "delete": op("Delete an alert rule", params=rule, errors=(404,)),
        },
        "/v1/orgs/{orgId}/alerts": {
            "get": op(
                "The latest 100 alerts fired, newest first",
                ok=obj(alerts={"type": "array", "items": ALERT}),
                params=org,
            )
        },
        "/v1/orgs/{orgId}/webhook-endpoints": {
            "get": op(
                "The organization's webhook endpoints",
                ok=obj(endpoints={"type": "array", "items": ENDPOINT}),
                params=org,
            ),
            "post": op(
                "Add a webhook endpoint; its signing secret is in the answer, once",
                body=ref(WebhookEndpointIn),
                ok=NEW_ENDPOINT,
                statuses=(201,),
                params=org,
                errors=(404,),
            ),
        },
    }
    # Rule ids are made by the service (prefix, "_", 24 hex digits), not chosen by the caller.
    for operation in paths["/v1/orgs/{orgId}/alert-rules/{ruleId}"].values():
        for parameter in operation["parameters"]:
            if parameter["name"] == "ruleId":
                parameter["schema"] = {"type": "string", "pattern": ALERT_ID.pattern}
    return paths
