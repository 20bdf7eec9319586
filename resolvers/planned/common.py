"""Handlers both pages share: the organization, its period, members, models, page info.

Each handler reads the same domain record the general resolvers read and gives the same value
they give (the schema's serializers then write both answers alike).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from operator import attrgetter
from typing import Any
from zoneinfo import ZoneInfo

from gateway.core.calendar import local_day
from gateway.core.money import credits_from_int, usd_from_int
from gateway.core.periods import Period, PeriodError, resolve_period
from gateway.orgs import service as org_service
from gateway.orgs.enums import Permission
from gateway.orgs.records import OrgRecord
from resolvers.node import encode_global_id
from resolvers.planned.plan import Args, Fallback, Handler, Request


def attr(path: str) -> Handler:
    """The attribute at ``path`` (dotted) of the source."""
    get = attrgetter(path)
    return Handler(lambda source, _args, _request: get(source))


def of(function: Callable[[Any], Any]) -> Handler:
    return Handler(lambda source, _args, _request: function(source))


def same() -> Handler:
    """The source itself (a nested object drawn from the same record)."""
    return Handler(lambda source, _args, _request: source)


def fetch(read: Callable[[Any, Args, Request], Awaitable[Any]]) -> Handler:
    return Handler(read, fetches=True)


def credits(path: str) -> Handler:
    get = attrgetter(path)
    return Handler(lambda source, _args, _request: credits_from_int(get(source)))


def usd(path: str) -> Handler:
    get = attrgetter(path)
    return Handler(lambda source, _args, _request: usd_from_int(get(source)))


def global_id(type_name: str, *paths: str) -> Handler:
    gets = [attrgetter(path) for path in paths]
    return Handler(
        lambda source, _args, _request: encode_global_id(type_name, *(g(source) for g in gets))
    )


def require(request: Request, permission: Permission) -> None:
    """A field the caller may not see is null with an error: the general path writes that."""
    if not request.context.caller.can(permission):
        raise Fallback(f"missing {permission}")


async def organization(_source: Any, _args: Args, request: Request) -> OrgRecord:
    org = await request.context.organization()
    if org is None:
        raise Fallback("the organization no longer exists")
    return org


async def span_of(request: Request, org: OrgRecord, period: dict[str, Any]) -> Period:
    """As ``resolvers.period.period_for``; a bad period falls back (BAD_USER_INPUT)."""
    context = request.context
    zone = ZoneInfo(org.time_zone)
    today = local_day(context.clock(), zone)
    preset = period.get("preset")
    anchor = 1
    if preset is not None and preset.follows_billing:
        plan = await org_service.plan_in_force(context.db, org.id, today, context.memo)
        anchor = plan.billing_anchor_day if plan is not None else 1
    try:
        return resolve_period(
            preset=preset,
            first=period.get("from"),
            last=period.get("to"),
            today=today,
            zone=zone,
            anchor_day=anchor,
        )
    except PeriodError:
        raise Fallback("a bad period") from None


COMMON_HANDLERS: dict[str, dict[str, Handler]] = {
    "Query": {"organization": fetch(organization)},
    "Organization": {
        "id": global_id("Organization", "id"),
        "name": attr("name"),
        "timeZone": attr("time_zone"),
        "aiBilling": same(),
        "activeSince": attr("active_since"),
    },
    "AiBilling": {"mode": attr("ai_mode"), "provider": attr("ai_provider")},
    "Member": {
        "id": global_id("Member", "org_id", "id"),
        "name": attr("name"),
        "email": attr("email"),
        "role": attr("role"),
        "removed": attr("removed"),
    },
    "AiModel": {
        "id": global_id("AiModel", "id"),
        "provider": attr("provider"),
        "tier": attr("tier"),
        "label": attr("label"),
    },
    "PageInfo": {
        "hasNextPage": attr("has_next_page"),
        "hasPreviousPage": attr("has_previous_page"),
        "startCursor": attr("start_cursor"),
        "endCursor": attr("end_cursor"),
    },
}
