"""Organization settings, which reach across both pages: a time-zone change re-buckets the
rollups of Settings → Usage and Tenant Management → Consumption."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from gateway.alerting import evaluate_all
from gateway.audit import actions as audit_actions
from gateway.audit import changes as audit
from gateway.audit.records import SERVICE_ACTOR, Actor
from gateway.catalog import queries as catalog_queries
from gateway.clock import system_clock
from gateway.consumption.ledger import boundary_terms
from gateway.consumption.rollups import rebuild_interview_rollups, rebuild_period_rollups
from gateway.core.calendar import local_day
from gateway.orgs import plans
from gateway.orgs import queries as org_queries
from gateway.orgs.inputs import OrganizationIn
from gateway.orgs.records import OrgRecord, PlanRecord
from gateway.orgs.service import require_org
from gateway.storage.db import Database
from gateway.storage.locks import hold_every_model, hold_orgs
from gateway.storage.versions import move_versions
from gateway.usage.rollups import rebuild_ai_rollups


@dataclass(frozen=True)
class SavedOrganization:
    org: OrgRecord
    plans: list[PlanRecord]
    created: bool


async def put_organization(
    db: Database,
    org_id: str,
    body: OrganizationIn,
    *,
    now: datetime,
    created_at: datetime | None = None,
    actor: Actor = SERVICE_ACTOR,
) -> SavedOrganization:
    """Create or update an organization. A plan change applies from the next billing period;
    a time-zone change re-buckets every rollup in the same transaction. ``created_at`` dates a
    new organization other than ``now`` (imported history)."""
    zone = ZoneInfo(body.time_zone)
    today = local_day(now, zone)
    async with db.write() as conn:
        # Batches in flight finish first; later ones see the new zone, anchor and plans.
        await hold_orgs(conn, [org_id], exclusive=True)
        # Before anything is written: a tier change moving calls waits, or is waited for.
        await hold_every_model(conn)
        existing = await org_queries.get_org(conn, org_id=org_id)
        active = body.active_since or (existing.active_since if existing else today)
        await org_queries.upsert_org(
            conn,
            org_id=org_id,
            name=body.name,
            time_zone=body.time_zone,
            ai_mode=body.ai_billing.mode.value,
            ai_provider=body.ai_billing.provider.value if body.ai_billing.provider else None,
            active_since=active,
            now=now,
            created_at=existing.created_at if existing else (created_at or now),
        )
        history = plans_before = await org_queries.plan_history(conn, org_id=org_id)
        before = boundary_terms(history, existing.active_since) if existing else None
        if body.plan is not None:
            wanted = body.plan.terms()
            if not (history and plans.same_terms(history[-1], wanted)):
                start = plans.effective_from(history, wanted, today=today, active_since=active)
                await org_queries.delete_plans_from(conn, org_id=org_id, effective_from=start)
                await org_queries.put_plan_version(
                    conn,
                    org_id=org_id,
                    effective_from=start,
                    credits_per_period_e4=wanted.credits_per_period_e4,
                    rollover=wanted.rollover.value,
                    rollover_cap_e4=wanted.rollover_cap_e4,
                    billing_anchor_day=wanted.billing_anchor_day,
                )
        if existing is not None and existing.time_zone != body.time_zone:
            models = {m.id: m for m in await catalog_queries.all_models(conn)}
            await rebuild_ai_rollups(
                conn,
                org_id=org_id,
                zone=zone,
                models=models,
                old_zone=ZoneInfo(existing.time_zone),
            )
            await rebuild_interview_rollups(conn, org_id=org_id, zone=zone)
        history = await org_queries.plan_history(conn, org_id=org_id)
        moved = before is not None and boundary_terms(history, active) != before
        if moved and existing is not None and existing.time_zone == body.time_zone:
            # The billing periods moved (a new anchor day, another activeSince): recount them.
            await rebuild_period_rollups(conn, org_id=org_id, zone=zone)
        saved = await org_queries.get_org(conn, org_id=org_id)
        await audit.organization_put(
            conn,
            org_id=org_id,
            before=existing,
            after=saved,
            plans_before=plans_before,
            plans_after=history,
            actor=actor,
            at=now,
        )
        await evaluate_all(conn, [org_id], now)
        await move_versions(conn, [org_id])
    assert saved is not None
    return SavedOrganization(saved, history, created=existing is None)


async def replace_plan_history(
    db: Database,
    org_id: str,
    history: Sequence[PlanRecord],
    *,
    now: datetime | None = None,
    actor: Actor = SERVICE_ACTOR,
) -> None:
    """Record an organization's plan versions as they were (imported history, the demo), and
    recount its billing periods in the same transaction."""
    async with db.write() as conn:
        await hold_orgs(conn, [org_id], exclusive=True)
        org = await require_org(conn, org_id)
        plans_before = await org_queries.plan_history(conn, org_id=org_id)
        if history:
            start = min(plan.effective_from for plan in history)
            await org_queries.delete_plans_from(conn, org_id=org_id, effective_from=start)
        for plan in history:
            await org_queries.put_plan_version(
                conn,
                org_id=org_id,
                effective_from=plan.effective_from,
                credits_per_period_e4=plan.credits_per_period_e4,
                rollover=plan.rollover.value,
                rollover_cap_e4=plan.rollover_cap_e4,
                billing_anchor_day=plan.billing_anchor_day,
            )
        await audit.plans_changed(
            conn,
            org_id=org_id,
            action=audit_actions.PLAN_HISTORY_REPLACED,
            plans_before=plans_before,
            plans_after=await org_queries.plan_history(conn, org_id=org_id),
            actor=actor,
            at=now or system_clock(),
        )
        await rebuild_period_rollups(conn, org_id=org_id, zone=ZoneInfo(org.time_zone))
        await evaluate_all(conn, [org_id], now or system_clock())
        await move_versions(conn, [org_id])
