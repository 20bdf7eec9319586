"""The malformed /v1 requests of test_bad_input (exports, ingest, reference data)."""

from __future__ import annotations

import json

from tests.gateway.bad_input_cases import (
    BAD,
    V1_CALLS,
    V1_INTERVIEWS,
    Case,
    call,
    export,
    ingest,
    interview,
    raw,
)

V1_CASES: list[Case] = [
    # Exports.
    export("export without from", "to=2026-01-01&format=csv", 400, BAD, "from"),
    export("export impossible date", "from=2026-13-01&to=2026-12-01&format=csv", 400, BAD, "from"),
    export("export basic-format date", "from=20260101&to=2026-01-02&format=csv", 400, BAD, "from"),
    export("export week date", "from=2026-01-01&to=2026-W01-5&format=csv", 400, BAD, "to"),
    export("export before 1900", "from=1899-12-01&to=1900-01-01&format=csv", 400, BAD, "from"),
    export("export after 2999", "from=2999-12-01&to=3000-01-01&format=csv", 400, BAD, "to"),
    export("export unknown format", "from=2026-01-01&to=2026-01-02&format=pdf", 400, BAD, "format"),
    export("export over 400 days", "from=2025-01-01&to=2026-06-01&format=csv", 400, BAD, "400"),
    export("export reversed range", "from=2026-02-01&to=2026-01-01&format=csv", 400, BAD, "to"),
    Case(
        "export without credentials",
        "GET",
        "/v1/exports/ai-usage?from=2026-01-01&to=2026-01-02&format=csv",
        401,
        "UNAUTHENTICATED",
        auth=None,
    ),
    # Ingest bodies.
    Case(
        "ingest with a member token", "POST", V1_CALLS, 401, "UNAUTHENTICATED", {"json": [call()]}
    ),
    raw("ingest bad JSON", V1_CALLS, b"[{", 400, BAD),
    raw(
        "ingest NaN credits",
        V1_CALLS,
        json.dumps([call()]).replace('"1.25"', "NaN").encode(),
        400,
        BAD,
    ),
    raw(
        "ingest an empty batch as text/plain",
        V1_CALLS,
        b"[]",
        422,
        BAD,
        headers={"content-type": "text/plain"},
        mentions="empty",
    ),
    ingest("ingest an object", V1_CALLS, {"x": 1}, 422, BAD, None),
    ingest("ingest wrong type", V1_CALLS, [call(inputTokens="many")], 422, BAD, "inputTokens"),
    ingest("ingest unknown enum", V1_CALLS, [call(reason="DANCE")], 422, BAD, "reason"),
    ingest(
        "ingest no offset",
        V1_CALLS,
        [call(occurredAt="2026-11-03T09:15:00")],
        422,
        BAD,
        "occurredAt",
    ),
    ingest(
        "ingest in 1899",
        V1_CALLS,
        [call(occurredAt="1899-12-31T23:00:00Z")],
        422,
        BAD,
        "occurredAt",
    ),
    ingest(
        "ingest in 3000",
        V1_CALLS,
        [call(occurredAt="3000-01-01T00:00:00Z")],
        422,
        BAD,
        "occurredAt",
    ),
    ingest(
        "ingest in the future",
        V1_CALLS,
        [call(occurredAt="2999-06-01T00:00:00Z")],
        422,
        BAD,
        "occurredAt",
    ),
    ingest(
        "ingest five decimals",
        V1_CALLS,
        [call(creditsCharged="1.00001")],
        422,
        BAD,
        "creditsCharged",
    ),
    ingest(
        "ingest negative credits", V1_CALLS, [call(creditsCharged="-1")], 422, BAD, "creditsCharged"
    ),
    ingest(
        "ingest credits over a call's bound",
        V1_CALLS,
        [call(creditsCharged="1000000.0001")],
        422,
        BAD,
        "creditsCharged",
    ),
    ingest(
        "ingest a batch over its bound",
        V1_CALLS,
        [call(eventId=f"b{n}", creditsCharged="1000000") for n in range(11)],
        422,
        BAD,
        "creditsCharged",
    ),
    # Decimal reads any Unicode digit: "١٢" would be stored as 12.
    ingest(
        "ingest Arabic-Indic credits",
        V1_CALLS,
        [call(creditsCharged="\u0661\u0662")],
        422,
        BAD,
        "creditsCharged",
    ),
    ingest(
        "ingest full-width credits",
        V1_CALLS,
        [call(creditsCharged="\uff11.\uff15")],
        422,
        BAD,
        "creditsCharged",
    ),
    ingest(
        "ingest credits after an em space",
        V1_CALLS,
        [call(creditsCharged="\u20031.25")],
        422,
        BAD,
        "creditsCharged",
    ),
    ingest("ingest huge event id", V1_CALLS, [call(eventId="e" * 10_000)], 422, BAD, "eventId"),
    ingest("ingest unknown field", V1_CALLS, [call(extra=1)], 422, BAD, "extra"),
    ingest("ingest unknown member", V1_CALLS, [call(memberId="ghost")], 422, BAD, "memberId"),
    ingest("ingest unknown organization", V1_CALLS, [call(orgId="ghost")], 422, BAD, "orgId"),
    ingest("ingest eventId twice", V1_CALLS, [call(), call()], 422, BAD, "eventId"),
    ingest(
        "interview without fraction",
        V1_INTERVIEWS,
        [interview(status="PARTIALLY_COMPLETED")],
        422,
        BAD,
        "completedFraction",
    ),
    ingest(
        "interview in 1800",
        V1_INTERVIEWS,
        [interview(occurredAt="1800-01-01T00:00:00Z")],
        422,
        BAD,
        "occurredAt",
    ),
    ingest(
        "interview unknown status", V1_INTERVIEWS, [interview(status="HIRED")], 422, BAD, "status"
    ),
    Case(
        "purchase in Devanagari digits",
        "POST",
        "/v1/orgs/acme/credit-purchases",
        422,
        BAD,
        {
            "json": {
                "purchaseId": "p-deva",
                "credits": "\u0967\u0966\u0966",
                "occurredAt": "2026-11-03T09:15:00Z",
            }
        },
        "service",
        mentions="credits",
    ),
    # Organizations, members, models.
    Case(
        "organization active before 1900",
        "PUT",
        "/v1/orgs/acme",
        422,
        BAD,
        {"json": {"name": "Acme", "timeZone": "UTC", "activeSince": "1850-01-01"}},
        "service",
        mentions="activeSince",
    ),
    Case(
        "organization unknown zone",
        "PUT",
        "/v1/orgs/acme",
        422,
        BAD,
        {"json": {"name": "Acme", "timeZone": "Mars/Olympus"}},
        "service",
        mentions="timeZone",
    ),
    Case(
        "member bad email",
        "PUT",
        "/v1/orgs/acme/members/m9",
        422,
        BAD,
        {"json": {"name": "X", "email": "nope", "role": "ADMIN"}},
        "service",
        mentions="email",
    ),
    Case(
        "member unknown role",
        "PUT",
        "/v1/orgs/acme/members/m9",
        422,
        BAD,
        {"json": {"name": "X", "email": "x@y.io", "role": "KING"}},
        "service",
        mentions="role",
    ),
    Case(
        "price on an impossible date",
        "PUT",
        "/v1/models/m-x",
        422,
        BAD,
        {
            "json": {
                "provider": "OPENAI",
                "tier": "t",
                "prices": [
                    {
                        "effectiveFrom": "2026-02-30",
                        "inputUsdPerMillion": "1",
                        "outputUsdPerMillion": "1",
                    }
                ],
            }
        },
        "service",
        mentions="effectiveFrom",
    ),
    Case(
        "price in year 3000",
        "PUT",
        "/v1/models/m-x",
        422,
        BAD,
        {
            "json": {
                "provider": "OPENAI",
                "tier": "t",
                "prices": [
                    {
                        "effectiveFrom": "3000-01-01",
                        "inputUsdPerMillion": "1",
                        "outputUsdPerMillion": "1",
                    }
                ],
            }
        },
        "service",
        mentions="effectiveFrom",
    ),
    Case(
        "plan credits in Arabic-Indic digits",
        "PUT",
        "/v1/orgs/acme",
        422,
        BAD,
        {
            "json": {
                "name": "Org acme",
                "timeZone": "UTC",
                "plan": {"interviewCreditsPerPeriod": "\u0661\u0660\u0660"},
            }
        },
        "service",
        mentions="interviewCreditsPerPeriod",
    ),
    Case(
        "price in full-width digits",
        "PUT",
        "/v1/models/m-x",
        422,
        BAD,
        {
            "json": {
                "provider": "OPENAI",
                "tier": "t",
                "prices": [
                    {
                        "effectiveFrom": "2026-01-01",
                        "inputUsdPerMillion": "\uff13",
                        "outputUsdPerMillion": "1",
                    }
                ],
            }
        },
        "service",
        mentions="inputUsdPerMillion",
    ),
    Case(
        "model label over its column",
        "PUT",
        "/v1/models/m-x",
        422,
        BAD,
        {"json": {"provider": "OPENAI", "tier": "t", "label": "L" * 121}},
        "service",
        mentions="label",
    ),
]
