"""Changes made by the gateway itself (the delivery worker, imported plan history) are recorded
as the service's; and the log has no way to change or lose an event."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from gateway import organizations
from gateway.alerts import endpoints as endpoint_service
from gateway.alerts.delivery import Options, deliver_due
from gateway.alerts.inputs import WebhookEndpointIn
from gateway.audit import service as audit_service
from gateway.audit.records import ActorKind
from gateway.audit.snapshots import from_json
from gateway.orgs.enums import RolloverRule
from gateway.orgs.records import PlanRecord
from gateway.storage.db import Database
from tests.alerts.receiver import Receiver, running
from tests.alerts.support import make_org

GATEWAY = Path(__file__).resolve().parents[2] / "gateway"


async def test_the_workers_disable_on_410_is_recorded_as_the_services(db: Database) -> None:
    # Near the real time: the receiver refuses timestamps more than 5 minutes off.
    now = datetime.now(UTC).replace(microsecond=0)
    await make_org(db, "acme", now=now)
    async with running(Receiver(script=[(410, {}, b"gone")])) as receiver:
        body = WebhookEndpointIn.model_validate(
            {"url": receiver.url, "eventTypes": ["webhook.test"]}
        )
        made, _ = await endpoint_service.create_endpoint(
            db, "acme", body, now=now, production=False, allow_private=True
        )
        await endpoint_service.send_test(db, "acme", made.id, now=now)
        await deliver_due(db, now=now, options=Options(production=False, allow_private=True))
    [event, *_] = await audit_service.events(db, "acme", since=None, after=None, limit=1)
    assert (event.action, event.actor_kind, event.actor_id, event.target_id) == (
        "webhook_endpoint.updated",
        ActorKind.SERVICE,
        None,
        made.id,
    )
    before, after = from_json(event.before_json), from_json(event.after_json)
    assert before is not None and after is not None
    assert (before["enabled"], after["enabled"]) == (True, False)
    assert after["disabledReason"] == "the receiver answered 410 Gone"


async def test_imported_plan_history_is_recorded(db: Database) -> None:
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    await make_org(db, "acme", included="10", now=now)
    history = [
        PlanRecord(date(1970, 1, 1), 50_000, RolloverRule.NONE, None, 1),
        PlanRecord(date(2026, 11, 1), 80_000, RolloverRule.CAPPED, 20_000, 1),
    ]
    await organizations.replace_plan_history(db, "acme", history, now=now)
    [event] = await audit_service.events(db, "acme", since=None, after=None, limit=1)
    assert event.action == "plan.history_replaced"
    assert from_json(event.before_json) == {
        "plans": [
            {
                "effectiveFrom": "1970-01-01",
                "creditsPerPeriod": "10.0000",
                "rollover": "NONE",
                "rolloverCap": None,
                "billingAnchorDay": 1,
            }
        ]
    }
    after = from_json(event.after_json)
    assert after is not None
    assert [(p["creditsPerPeriod"], p["rolloverCap"]) for p in after["plans"]] == [
        ("5.0000", None),
        ("8.0000", "2.0000"),
    ]


def test_no_code_path_changes_or_deletes_an_event() -> None:
    """The table is named only where it is defined and in the audit queries, which insert and
    select, nothing else."""
    naming = sorted(
        str(path.relative_to(GATEWAY))
        for path in GATEWAY.rglob("*.py")
        if re.search(r"\baudit_events\b", path.read_text())
    )
    assert naming == [
        "audit/queries.py",
        "storage/audit_models.py",
        "storage/migrations/versions/0006_audit_log.py",
        "storage/tables.py",
    ]
    queries = (GATEWAY / "audit" / "queries.py").read_text()
    assert "from sqlalchemy import func, select, tuple_\n" in queries
    assert not re.search(r"\b(update|delete|text)\s*\(", queries)
    assert queries.count(".insert()") == 1
