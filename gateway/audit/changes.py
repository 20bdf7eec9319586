"""One call per kind of change, for the write paths: each records its event in the caller's
transaction, with the values before and after (secrets never)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.audit import actions
from gateway.audit.records import Actor
from gateway.audit.service import record

MEMBER, API_KEY, ORGANIZATION, PLAN = "member", "api_key", "organization", "plan"
EMBED_TOKEN = "embed_token"
PURCHASE, ALERT_RULE, WEBHOOK_ENDPOINT = "purchase", "alert_rule", "webhook_endpoint"


async def member_put(
    conn: AsyncConnection,
    *,
    org_id: str,
    member_id: str,
    before: Any,
    values: dict[str, Any],
    actor: Actor,
    at: datetime,
) -> None:
    """A member created or changed (``before`` the stored member, or None; ``values`` its
    ``name``, ``email`` and ``role`` now): a removed member put again comes back."""
    after = {"id": member_id, **values, "removed": False}
    await record(
        conn,
        org_id=org_id,
        actor=actor,
        action=actions.member_action(before, after),
        target_type=MEMBER,
        target_id=member_id,
        before=before,
        after=after,
        at=at,
    )


async def member_removed(
    conn: AsyncConnection, *, org_id: str, before: Any, actor: Actor, at: datetime
) -> None:
    """A member flagged removed (``before``: the stored member; nothing when already removed)."""
    if before is None or before.removed:
        return
    await record(
        conn,
        org_id=org_id,
        actor=actor,
        action=actions.MEMBER_REMOVED,
        target_type=MEMBER,
        target_id=before.id,
        before=before,
        after=replace(before, removed=True),
        at=at,
    )


async def api_key_created(
    conn: AsyncConnection,
    *,
    org_id: str,
    key_id: str,
    name: str,
    permissions: Iterable[str],
    actor: Actor,
    at: datetime,
    **extra: Any,
) -> None:
    """A new API key: its name and permissions (``extra``: other settings, such as an expiry),
    never its secret nor its hash."""
    after = {"id": key_id, "name": name, "permissions": sorted(set(permissions)), **extra}
    await record(
        conn,
        org_id=org_id,
        actor=actor,
        action=actions.API_KEY_CREATED,
        target_type=API_KEY,
        target_id=key_id,
        before=None,
        after=after,
        at=at,
    )


async def embed_token_created(
    conn: AsyncConnection,
    *,
    org_id: str,
    token_id: str,
    documents: Iterable[str],
    permissions: Iterable[str],
    expires_at: datetime,
    actor: Actor,
    at: datetime,
) -> None:
    """A new embed token: the documents it may run, its permissions and expiry (never its
    secret nor its hash)."""
    after = {
        "id": token_id,
        "documents": list(documents),
        "permissions": sorted(set(permissions)),
        "expires_at": expires_at,
    }
    await record(
        conn,
        org_id=org_id,
        actor=actor,
        action=actions.EMBED_TOKEN_CREATED,
        target_type=EMBED_TOKEN,
        target_id=token_id,
        before=None,
        after=after,
        at=at,
    )


# What revoking each kind of credential is called in the log.
_REVOKED = {API_KEY: actions.API_KEY_REVOKED, EMBED_TOKEN: actions.EMBED_TOKEN_REVOKED}


async def credential_revoked(
    conn: AsyncConnection,
    *,
    org_id: str,
    target_type: str,
    target_id: str,
    actor: Actor,
    at: datetime,
) -> None:
    """An API key or embed token revoked (``target_type``: ``API_KEY`` or ``EMBED_TOKEN``):
    ``revoked_at`` from none to ``at``."""
    await record(
        conn,
        org_id=org_id,
        actor=actor,
        action=_REVOKED[target_type],
        target_type=target_type,
        target_id=target_id,
        before={"id": target_id, "revoked_at": None},
        after={"id": target_id, "revoked_at": at},
        at=at,
    )


async def organization_put(
    conn: AsyncConnection,
    *,
    org_id: str,
    before: Any,
    after: Any,
    plans_before: Sequence[Any],
    plans_after: Sequence[Any],
    actor: Actor,
    at: datetime,
) -> None:
    """An organization created or its settings changed (name, time zone, AI billing, active
    since), and the plan versions it schedules (a change applies from the next period)."""
    await record(
        conn,
        org_id=org_id,
        actor=actor,
        action=actions.ORGANIZATION_CREATED if before is None else actions.ORGANIZATION_UPDATED,
        target_type=ORGANIZATION,
        target_id=org_id,
        before=before,
        after=after,
        at=at,
    )
    await plans_changed(
        conn,
        org_id=org_id,
        action=actions.PLAN_SCHEDULED,
        plans_before=plans_before,
        plans_after=plans_after,
        actor=actor,
        at=at,
    )


async def plans_changed(
    conn: AsyncConnection,
    *,
    org_id: str,
    action: str,
    plans_before: Sequence[Any],
    plans_after: Sequence[Any],
    actor: Actor,
    at: datetime,
) -> None:
    """The organization's plan history, before and after (nothing when it is the same)."""
    await record(
        conn,
        org_id=org_id,
        actor=actor,
        action=action,
        target_type=PLAN,
        target_id=org_id,
        before={"plans": list(plans_before)},
        after={"plans": list(plans_after)},
        at=at,
    )


async def purchase_recorded(
    conn: AsyncConnection,
    *,
    org_id: str,
    purchase_id: str,
    credits_e4: int,
    occurred_at: datetime,
    actor: Actor,
    at: datetime,
) -> None:
    """A credit purchase recorded (a replay of one is not a change)."""
    after = {"purchase_id": purchase_id, "credits_e4": credits_e4, "occurred_at": occurred_at}
    await record(
        conn,
        org_id=org_id,
        actor=actor,
        action=actions.PURCHASE_RECORDED,
        target_type=PURCHASE,
        target_id=purchase_id,
        before=None,
        after=after,
        at=at,
    )


async def alert_rule_changed(
    conn: AsyncConnection,
    *,
    org_id: str,
    rule_id: str,
    before: Any,
    after: Any,
    actor: Actor,
    at: datetime,
) -> None:
    """An alert rule created (no ``before``), changed, or deleted (no ``after``)."""
    if before is None:
        action = actions.ALERT_RULE_CREATED
    elif after is None:
        action = actions.ALERT_RULE_DELETED
    else:
        action = actions.ALERT_RULE_UPDATED
    await record(
        conn,
        org_id=org_id,
        actor=actor,
        action=action,
        target_type=ALERT_RULE,
        target_id=rule_id,
        before=before,
        after=after,
        at=at,
    )


async def webhook_endpoint_changed(
    conn: AsyncConnection,
    *,
    org_id: str,
    endpoint_id: str,
    before: Any,
    after: Any,
    actor: Actor,
    at: datetime,
    action: str | None = None,
) -> None:
    """A webhook endpoint created (no ``before``) or changed; its signing secrets are in the
    records but never reach the log (a rotation shows as ``webhook_endpoint.secret_rotated``,
    the secrets as a marker)."""
    if action is None:
        action = (
            actions.WEBHOOK_ENDPOINT_CREATED if before is None else actions.WEBHOOK_ENDPOINT_UPDATED
        )
    await record(
        conn,
        org_id=org_id,
        actor=actor,
        action=action,
        target_type=WEBHOOK_ENDPOINT,
        target_id=endpoint_id,
        before=before,
        after=after,
        at=at,
    )
