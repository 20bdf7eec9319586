"""The root ``Mutation`` type: alert rules and webhook endpoints. Every mutation acts on the
caller's organization (from the verified credential); an id from the client is looked up
inside it, so another organization's id is NOT_FOUND."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry
from pydantic import ValidationError
from strawberry.extensions.field_extension import FieldExtension

from gateway.alerting import evaluate_all
from gateway.alerts import endpoints as endpoint_service
from gateway.alerts import service as alerts_service
from gateway.alerts.inputs import AlertRuleIn, WebhookEndpointIn
from gateway.alerts.rules import FIGURE_PERMISSION
from gateway.audit.records import actor_of
from gateway.core.validation import problems_of
from gateway.orgs.enums import Permission
from resolvers.alerts.endpoints import WebhookEndpoint
from resolvers.alerts.types import AlertRule, WebhookDelivery
from resolvers.context import Info
from resolvers.enums import EventType, RuleKind, ThresholdUnit
from resolvers.errors import BadUserInput, Forbidden, domain_errors
from resolvers.permissions import requires


def _manage() -> list[FieldExtension]:
    """The guard of every mutation here (a fresh extension per field)."""
    return [requires(Permission.ALERTS_MANAGE)]


INPUT_ARG = strawberry.argument(description="The rule's settings.")
ID_ARG = strawberry.argument(description="The id, as returned when it was created.")


@strawberry.input(
    description="An alert rule's settings (all of them: an update replaces the rule's settings and re-arms it)."
)
class AlertRuleInput:
    kind: RuleKind = strawberry.field(description="What the rule watches.")
    name: str = strawberry.field(description="A name of your choosing (1-200 characters).")
    thresholds: list[Decimal] = strawberry.field(
        default_factory=list,
        description="Up to 10 distinct thresholds (credits, or percent with unit PERCENT); none for RUNS_OUT_BEFORE_PERIOD_END.",
    )
    unit: ThresholdUnit = strawberry.field(
        default=ThresholdUnit.AMOUNT, description="How the thresholds count (default AMOUNT)."
    )
    within_days: int | None = strawberry.field(
        default=None,
        description="RUNS_OUT_BEFORE_PERIOD_END only: fire only when the run-out day is at most this many days away (0-366).",
    )
    member_id: str | None = strawberry.field(
        default=None, description="AI_CREDITS_ABOVE only: count one member's credits."
    )
    tier: str | None = strawberry.field(
        default=None, description="AI_CREDITS_ABOVE only: count one model tier's credits."
    )
    opening_id: str | None = strawberry.field(
        default=None, description="OPENING_CREDITS_ABOVE only (required there): the opening."
    )
    enabled: bool = strawberry.field(
        default=True, description="Disabled rules are not evaluated (default true)."
    )


@strawberry.type(description="A new webhook endpoint and its signing secret, shown this once.")
class CreateWebhookEndpointPayload:
    endpoint: WebhookEndpoint = strawberry.field(description="The endpoint.")
    secret: str = strawberry.field(
        description="The signing secret (whsec_...): keep it, it is never shown again."
    )


@strawberry.type(
    description="An endpoint's new signing secret, shown this once; the previous one also signs for 24 hours."
)
class RotateWebhookSecretPayload:
    endpoint: WebhookEndpoint = strawberry.field(description="The endpoint.")
    secret: str = strawberry.field(description="The new signing secret (whsec_...).")


def _rule_body(info: Info, value: AlertRuleInput) -> AlertRuleIn:
    needed = FIGURE_PERMISSION[value.kind]
    if not info.context.caller.can(needed):
        raise Forbidden(f"a {value.kind.value} rule also needs the '{needed.value}' permission")
    raw = {
        "kind": value.kind,
        "name": value.name,
        "thresholds": value.thresholds,
        "unit": value.unit,
        "withinDays": value.within_days,
        "memberId": value.member_id,
        "tier": value.tier,
        "openingId": value.opening_id,
        "enabled": value.enabled,
    }
    try:
        return AlertRuleIn.model_validate(raw)
    except ValidationError as exc:
        problem = problems_of(exc.errors())[0]
        raise BadUserInput(problem.message, field=f"input.{problem.field}") from None


@strawberry.type(
    description="Changes: alert rules and webhook endpoints of the caller's organization."
)
class Mutation:
    @strawberry.mutation(
        description="Create an alert rule; it is evaluated at once (a figure already past a threshold fires). At most 100 per organization. Requires alerts:manage, and the permission that shows the rule's figure.",
        extensions=_manage(),
    )
    async def create_alert_rule(
        self, info: Info, input: Annotated[AlertRuleInput, INPUT_ARG]
    ) -> AlertRule:
        body = _rule_body(info, input)
        context = info.context
        with domain_errors(field_prefix="input."):
            rule = await alerts_service.create_rule(
                context.db,
                context.caller.org_id,
                body,
                now=context.clock(),
                evaluator=evaluate_all,
                actor=actor_of(context.caller),
            )
        return AlertRule.from_record(rule)

    @strawberry.mutation(
        description="Replace an alert rule's settings; its active alerts end and its thresholds re-arm. Requires alerts:manage, and the permission that shows the rule's figure.",
        extensions=_manage(),
    )
    async def update_alert_rule(
        self,
        info: Info,
        id: Annotated[strawberry.ID, ID_ARG],
        input: Annotated[AlertRuleInput, INPUT_ARG],
    ) -> AlertRule:
        body = _rule_body(info, input)
        context = info.context
        with domain_errors(field_prefix="input."):
            rule = await alerts_service.update_rule(
                context.db,
                context.caller.org_id,
                str(id),
                body,
                now=context.clock(),
                evaluator=evaluate_all,
                actor=actor_of(context.caller),
            )
        return AlertRule.from_record(rule)

    @strawberry.mutation(
        description="Delete an alert rule (its alerts stay, resolved). Returns the id deleted. Requires alerts:manage.",
        extensions=_manage(),
    )
    async def delete_alert_rule(
        self, info: Info, id: Annotated[strawberry.ID, ID_ARG]
    ) -> strawberry.ID:
        context = info.context
        with domain_errors():
            await alerts_service.delete_rule(
                context.db,
                context.caller.org_id,
                str(id),
                now=context.clock(),
                actor=actor_of(context.caller),
            )
        return id

    @strawberry.mutation(
        description="Add a webhook endpoint (https only in production; private, loopback and link-local addresses refused). At most 10 per organization. Its secret is in the answer, once. Requires alerts:manage.",
        extensions=_manage(),
    )
    async def create_webhook_endpoint(
        self,
        info: Info,
        url: Annotated[str, strawberry.argument(description="Where to POST events.")],
        event_types: Annotated[
            list[EventType], strawberry.argument(description="The event types to send.")
        ],
        description: Annotated[
            str, strawberry.argument(description="A note of your choosing (up to 500 characters).")
        ] = "",
    ) -> CreateWebhookEndpointPayload:
        context = info.context
        try:
            body = WebhookEndpointIn.model_validate(
                {"url": url, "eventTypes": event_types, "description": description}
            )
        except ValidationError as exc:
            problem = problems_of(exc.errors())[0]
            raise BadUserInput(problem.message, field=problem.field) from None
        options = context.webhooks
        with domain_errors():
            made, secret = await endpoint_service.create_endpoint(
                context.db,
                context.caller.org_id,
                body,
                now=context.clock(),
                production=options.production,
                allow_private=options.allow_private,
                actor=actor_of(context.caller),
            )
        return CreateWebhookEndpointPayload(
            endpoint=WebhookEndpoint.from_record(made), secret=secret
        )

    @strawberry.mutation(
        description="Give an endpoint a new signing secret; for 24 hours every message is signed with both the new and the previous one. Requires alerts:manage.",
        extensions=_manage(),
    )
    async def rotate_webhook_secret(
        self, info: Info, id: Annotated[strawberry.ID, ID_ARG]
    ) -> RotateWebhookSecretPayload:
        context = info.context
        with domain_errors():
            made, secret = await endpoint_service.rotate_secret(
                context.db,
                context.caller.org_id,
                str(id),
                now=context.clock(),
                actor=actor_of(context.caller),
            )
        return RotateWebhookSecretPayload(endpoint=WebhookEndpoint.from_record(made), secret=secret)

    @strawberry.mutation(
        description="Stop sending to an endpoint (its pending deliveries fail). Requires alerts:manage.",
        extensions=_manage(),
    )
    async def disable_webhook_endpoint(
        self, info: Info, id: Annotated[strawberry.ID, ID_ARG]
    ) -> WebhookEndpoint:
        return await _set_enabled(info, str(id), False)

    @strawberry.mutation(
        description="Send to an endpoint again. Requires alerts:manage.", extensions=_manage()
    )
    async def enable_webhook_endpoint(
        self, info: Info, id: Annotated[strawberry.ID, ID_ARG]
    ) -> WebhookEndpoint:
        return await _set_enabled(info, str(id), True)

    @strawberry.mutation(
        description="Queue a webhook.test event to an endpoint, delivered like any other. Requires alerts:manage.",
        extensions=_manage(),
    )
    async def send_test_webhook(
        self, info: Info, id: Annotated[strawberry.ID, ID_ARG]
    ) -> WebhookDelivery:
        context = info.context
        with domain_errors():
            made = await endpoint_service.send_test(
                context.db, context.caller.org_id, str(id), now=context.clock()
            )
        return WebhookDelivery.from_record(made)

    @strawberry.mutation(
        description="Send a delivery again, now, with the same webhook-id and a fresh retry schedule. Requires alerts:manage.",
        extensions=_manage(),
    )
    async def redeliver(
        self,
        info: Info,
        delivery_id: Annotated[
            strawberry.ID, strawberry.argument(description="The delivery's id.")
        ],
    ) -> WebhookDelivery:
        context = info.context
        with domain_errors():
            again = await endpoint_service.redeliver(
                context.db, context.caller.org_id, str(delivery_id), now=context.clock()
            )
        return WebhookDelivery.from_record(again)


async def _set_enabled(info: Info, endpoint_id: str, enabled: bool) -> WebhookEndpoint:
    context = info.context
    with domain_errors():
        found = await endpoint_service.set_enabled(
            context.db,
            context.caller.org_id,
            endpoint_id,
            enabled,
            now=context.clock(),
            actor=actor_of(context.caller),
        )
    return WebhookEndpoint.from_record(found)
