"""Alert rules and the alerts they fired, for one organization (the id comes from the
verified credential; every id the client names is looked up inside that organization)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.alerts import queries, writes
from gateway.alerts.enums import RuleKind
from gateway.alerts.inputs import MAX_RULES, AlertRuleIn
from gateway.alerts.payloads import new_id
from gateway.alerts.records import AlertRecord, RuleRecord
from gateway.audit import changes as audit
from gateway.audit.records import SERVICE_ACTOR, Actor
from gateway.core.errors import InvalidInput, NotFound, Problem
from gateway.orgs import member_queries
from gateway.orgs.service import require_org
from gateway.storage.db import Database
from gateway.storage.locks import hold_orgs

# Evaluates the rules of these organizations now, in the caller's transaction (the figure
# readers live above this package: see gateway.alerting).
Evaluator = Callable[[AsyncConnection, list[str], datetime], Awaitable[list[str]]]


async def rules(db: Database, org_id: str) -> list[RuleRecord]:
    return await db.run(queries.rules_of_org, org_id=org_id)


async def rule(db: Database, org_id: str, rule_id: str) -> RuleRecord | None:
    return await db.run(queries.rule_by_id, org_id=org_id, rule_id=rule_id)


async def alerts(
    db: Database,
    org_id: str,
    *,
    after: tuple[datetime, str] | None,
    limit: int,
    kinds: Iterable[RuleKind] | None = None,
) -> list[AlertRecord]:
    """Newest first (of rules of ``kinds`` when given)."""
    return await db.run(queries.alerts_page, org_id=org_id, after=after, limit=limit, kinds=kinds)


async def count_alerts(db: Database, org_id: str, kinds: Iterable[RuleKind] | None = None) -> int:
    return await db.run(queries.count_alerts, org_id=org_id, kinds=kinds)


async def active_alerts(db: Database, org_id: str) -> list[AlertRecord]:
    return await db.run(queries.active_alerts, org_id=org_id)


def _values(body: AlertRuleIn) -> dict[str, object]:
    return {
        "kind": str(body.kind),
        "name": body.name,
        "thresholds": body.threshold_text(),
        "unit": str(body.unit),
        "within_days": body.within_days,
        "member_id": body.member_id,
        "tier": body.tier,
        "opening_id": body.opening_id,
        "enabled": body.enabled,
    }


async def _check_refs(conn: AsyncConnection, org_id: str, body: AlertRuleIn) -> None:
    if body.member_id is not None:
        known = await member_queries.existing_member_ids(conn, org_id=org_id, ids=[body.member_id])
        if not known:
            raise NotFound("member", body.member_id, "memberId")


async def _resolve_rule_alerts(
    conn: AsyncConnection, org_id: str, rule_id: str, now: datetime
) -> None:
    """The rule's active alerts end with it (deleted, or changed and starting over)."""
    for _, state in await writes.lock_states_of_rule(conn, org_id=org_id, rule_id=rule_id):
        if state.alert_id is not None:
            await writes.resolve_alert(conn, org_id=org_id, alert_id=state.alert_id, now=now)


async def create_rule(
    db: Database,
    org_id: str,
    body: AlertRuleIn,
    *,
    now: datetime,
    evaluator: Evaluator | None = None,
    actor: Actor = SERVICE_ACTOR,
) -> RuleRecord:
    """A new rule, armed and evaluated at once (a figure already past fires now)."""
    async with db.write() as conn:
        # Exclusive: two creations cannot both pass the limit; ingest waits a moment.
        await hold_orgs(conn, [org_id], exclusive=True)
        await require_org(conn, org_id)
        if await queries.count_rules(conn, org_id=org_id) >= MAX_RULES:
            raise InvalidInput(
                [Problem(None, f"an organization has at most {MAX_RULES} alert rules")],
                "too many alert rules",
                batch=False,
            )
        await _check_refs(conn, org_id, body)
        rule_id = new_id("rul")
        row = {"org_id": org_id, "id": rule_id, **_values(body)}
        await writes.insert_rule(conn, row={**row, "created_at": now, "updated_at": now})
        created = await queries.rule_by_id(conn, org_id=org_id, rule_id=rule_id)
        assert created is not None
        await audit.alert_rule_changed(
            conn, org_id=org_id, rule_id=rule_id, before=None, after=created, actor=actor, at=now
        )
        await writes.reset_states(
            conn, org_id=org_id, rule_id=rule_id, thresholds=created.threshold_keys
        )
        if evaluator is not None and created.enabled:
            await evaluator(conn, [org_id], now)
    return created


async def update_rule(
    db: Database,
    org_id: str,
    rule_id: str,
    body: AlertRuleIn,
    *,
    now: datetime,
    evaluator: Evaluator | None = None,
    actor: Actor = SERVICE_ACTOR,
) -> RuleRecord:
    """Replace a rule's settings; it starts over (its active alerts end, its thresholds are
    armed again) and is evaluated at once."""
    async with db.write() as conn:
        await hold_orgs(conn, [org_id], exclusive=True)
        before = await queries.rule_by_id(conn, org_id=org_id, rule_id=rule_id)
        if before is None:
            raise NotFound("alert rule", rule_id, "id")
        await _check_refs(conn, org_id, body)
        await _resolve_rule_alerts(conn, org_id, rule_id, now)
        await writes.update_rule(
            conn, org_id=org_id, rule_id=rule_id, **_values(body), updated_at=now
        )
        changed = await queries.rule_by_id(conn, org_id=org_id, rule_id=rule_id)
        assert changed is not None
        await audit.alert_rule_changed(
            conn, org_id=org_id, rule_id=rule_id, before=before, after=changed, actor=actor, at=now
        )
        await writes.reset_states(
            conn, org_id=org_id, rule_id=rule_id, thresholds=changed.threshold_keys
        )
        if evaluator is not None and changed.enabled:
            await evaluator(conn, [org_id], now)
    return changed


async def delete_rule(
    db: Database, org_id: str, rule_id: str, *, now: datetime, actor: Actor = SERVICE_ACTOR
) -> None:
    async with db.write() as conn:
        await hold_orgs(conn, [org_id], exclusive=True)
        before = await queries.rule_by_id(conn, org_id=org_id, rule_id=rule_id)
        if before is None:
            raise NotFound("alert rule", rule_id, "id")
        await _resolve_rule_alerts(conn, org_id, rule_id, now)
        await writes.delete_rule(conn, org_id=org_id, rule_id=rule_id)
        await audit.alert_rule_changed(
            conn, org_id=org_id, rule_id=rule_id, before=before, after=None, actor=actor, at=now
        )
