"""The payload catalog of docs/partners.md holds: its examples and the payloads the code writes
match its JSON Schemas, and its standard-library receiver accepts the worker's signatures."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jsonschema

from gateway.alerts import payloads, signing
from gateway.alerts.enums import EventType, RuleKind, ThresholdUnit
from gateway.alerts.records import NO_THRESHOLD, RuleRecord
from gateway.alerts.rules import Reading

PAGE = Path(__file__).resolve().parents[2] / "docs" / "partners.md"


def _section() -> str:
    """From the "Alerts and webhooks" heading to the next one of its level, or the page's end."""
    text = PAGE.read_text()
    start = text.index("\n## Alerts and webhooks\n") + 1
    end = text.find("\n## ", start)
    return text[start : end if end != -1 else len(text)]


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", _section(), flags=re.S)


def _schema_for(root: dict[str, Any], event_type: str) -> dict[str, Any]:
    return {**root[event_type], "$defs": root["$defs"]}


def _payload(kind: RuleKind, threshold: str, **extra: Any) -> dict[str, Any]:
    now = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    unit = ThresholdUnit.PERCENT if extra.pop("percent", False) else ThresholdUnit.AMOUNT
    fields: dict[str, Any] = {
        "within_days": None,
        "member_id": None,
        "tier": None,
        "opening_id": None,
    }
    fields.update(extra)
    rule = RuleRecord(
        "acme",
        "rul_" + "0" * 24,
        kind,
        "r",
        "" if threshold == NO_THRESHOLD else threshold,
        unit,
        enabled=True,
        created_at=now,
        updated_at=now,
        **fields,
    )
    reading = Reading(
        date(2026, 12, 1),
        date(2027, 1, 1),
        12_500,
        True,
        date(2026, 12, 19) if kind is not RuleKind.AI_CREDITS_ABOVE else None,
    )
    return payloads.alert_body(
        alert_id="alr_" + "1" * 24,
        org_id="acme",
        org_name="Acme",
        rule=rule,
        threshold=threshold,
        reading=reading,
        fired_at=now,
    )


def test_examples_and_written_payloads_match_the_schemas() -> None:
    root, *examples = (json.loads(block) for block in _blocks("json"))
    assert {e["type"] for e in examples} == {t.value for t in EventType}
    for example in examples:
        jsonschema.validate(example, _schema_for(root, example["type"]))
    written = [
        _payload(RuleKind.CREDITS_REMAINING_BELOW, "20", percent=True),
        _payload(RuleKind.RUNS_OUT_BEFORE_PERIOD_END, NO_THRESHOLD, within_days=3),
        _payload(RuleKind.AI_CREDITS_ABOVE, "500", tier="Sonnet"),
        _payload(RuleKind.OPENING_CREDITS_ABOVE, "40", opening_id="o1"),
        payloads.test_body(
            message_id="msg_" + "2" * 24, org_id="acme", endpoint_id="ep_x", now=datetime.now(UTC)
        ),
    ]
    for body in written:
        jsonschema.validate(json.loads(payloads.encode(body)), _schema_for(root, body["type"]))
    # A wrong body is refused: the schemas do check.
    wrong = {**written[0], "data": {**written[0]["data"], "figure": 12.5}}
    try:
        jsonschema.validate(wrong, _schema_for(root, wrong["type"]))
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("a number where a decimal string belongs passed the schema")


def test_the_standard_library_receiver_accepts_our_signatures() -> None:
    [source] = [b for b in _blocks("python") if "def verify(" in b]
    scope: dict[str, Any] = {}
    exec(source, scope)
    old, new = signing.new_secret(), signing.new_secret()
    body = payloads.encode(
        payloads.test_body(
            message_id="msg_" + "3" * 24, org_id="acme", endpoint_id="ep", now=datetime.now(UTC)
        )
    )
    stamp = int(time.time())
    headers = signing.headers([new, old], "msg_" + "3" * 24, stamp, body)
    assert scope["verify"](old, headers, body.encode())
    assert scope["verify"](new, headers, body.encode())
    assert not scope["verify"](signing.new_secret(), headers, body.encode())
    assert not scope["verify"](new, headers, body.encode() + b" ")
