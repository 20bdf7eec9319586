"""The names of the changes the audit log records (pure: no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ORGANIZATION_CREATED = "organization.created"
ORGANIZATION_UPDATED = "organization.updated"
PLAN_SCHEDULED = "plan.scheduled"
PLAN_HISTORY_REPLACED = "plan.history_replaced"
MEMBER_CREATED = "member.created"
MEMBER_UPDATED = "member.updated"
MEMBER_ROLE_CHANGED = "member.role_changed"
MEMBER_RESTORED = "member.restored"
MEMBER_REMOVED = "member.removed"
API_KEY_CREATED = "api_key.created"
API_KEY_REVOKED = "api_key.revoked"
EMBED_TOKEN_CREATED = "embed_token.created"
EMBED_TOKEN_REVOKED = "embed_token.revoked"
PURCHASE_RECORDED = "purchase.recorded"
ALERT_RULE_CREATED = "alert_rule.created"
ALERT_RULE_UPDATED = "alert_rule.updated"
ALERT_RULE_DELETED = "alert_rule.deleted"
WEBHOOK_ENDPOINT_CREATED = "webhook_endpoint.created"
WEBHOOK_ENDPOINT_UPDATED = "webhook_endpoint.updated"
WEBHOOK_ENDPOINT_SECRET_ROTATED = "webhook_endpoint.secret_rotated"


def member_action(before: Any, after: Mapping[str, Any]) -> str:
    """What a member upsert did: created, restored (a removed member back), role changed, or
    another update. ``before`` is the stored member (with ``role`` and ``removed``) or None."""
    if before is None:
        return MEMBER_CREATED
    if before.removed:
        return MEMBER_RESTORED
    if str(before.role) != str(after["role"]):
        return MEMBER_ROLE_CHANGED
    return MEMBER_UPDATED
