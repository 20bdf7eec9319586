"""The AI-usage export: the activity log's rows, as CSV and XLSX, for callers with credits:view."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import httpx
import openpyxl
import pytest

from resolvers.node import decode_global_id
from tests.support import SERVICE, ai_call, bearer, graphql, member_token, put_member, put_org

ACTIVITY = """
query($from: Date!, $to: Date!, $after: String) {
  organization { usage(period: {from: $from, to: $to}) { activity(first: 3, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id occurredAt reasonLabel billingMode creditsCharged totalTokens estimatedCostUsd
                   member { name email } model { label } } }
  } } }
}
"""


async def _seed(client: httpx.AsyncClient) -> None:
    await put_org(client, "acme", time_zone="America/New_York")
    await put_member(client, "acme", "ann")
    await put_member(client, "acme", "bob")
    calls = [
        ai_call("c1", member_id="ann", occurred_at="2026-11-02T15:00:00Z", credits="1.5"),
        ai_call(
            "c2",
            member_id="bob",
            occurred_at="2026-11-03T04:30:00Z",
            reason="SUMMARIZE_CV",
            credits="0.0125",
        ),
        ai_call(
            "c3",
            member_id="ann",
            occurred_at="2026-11-03T04:30:00Z",
            mode="BYOK",
            credits=None,
            model="gpt-4o-mini",
            input_tokens=1000,
            output_tokens=2000,
        ),
        ai_call(
            "c4",
            member_id="bob",
            occurred_at="2026-11-10T12:00:00Z",
            reason="GENERATE_FIELD",
            credits="2",
        ),
        ai_call("c5", member_id="ann", occurred_at="2026-10-31T23:00:00Z", credits="9"),
        ai_call("c6", member_id="ann", occurred_at="2026-11-12T06:00:00Z", credits="3"),
    ]
    response = await client.post("/v1/ingest/ai-calls", json=calls, headers=SERVICE)
    assert response.status_code == 200, response.text
    await client.delete("/v1/orgs/acme/members/bob", headers=SERVICE)


# The member each seeded call was reported with (bob is removed afterwards).
MEMBER_OF_CALL = {"c1": "ann", "c2": "bob", "c3": "ann", "c4": "bob", "c5": "ann", "c6": "ann"}


def _call_id(global_id: str) -> str:
    decoded = decode_global_id(global_id)
    assert decoded is not None and decoded[0] == "UsageCall"
    return decoded[1][1]


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


async def _activity_rows(client: httpx.AsyncClient, token: str) -> list[list[str]]:
    rows: list[list[str]] = []
    after = None
    while True:
        body = await graphql(
            client,
            ACTIVITY,
            token=token,
            variables={"from": "2026-11-01", "to": "2026-11-11", "after": after},
        )
        activity = body["data"]["organization"]["usage"]["activity"]
        for edge in activity["edges"]:
            node = edge["node"]
            member = node["member"] or {"name": "Unknown user", "email": None}
            rows.append(
                [
                    node["occurredAt"],
                    node["reasonLabel"],
                    member["name"],
                    _cell(member["email"]),
                    node["billingMode"],
                    _cell((node["model"] or {}).get("label")),
                    _cell(node["creditsCharged"]),
                    _cell(node["totalTokens"]),
                    _cell(node["estimatedCostUsd"]),
                    _call_id(node["id"]),
                    MEMBER_OF_CALL[_call_id(node["id"])],
                ]
            )
        if not activity["pageInfo"]["hasNextPage"]:
            return rows
        after = activity["pageInfo"]["endCursor"]


HEADER = [
    "When",
    "Reason",
    "User",
    "Email",
    "Billing mode",
    "Model",
    "Credits",
    "Tokens",
    "Estimated cost USD",
    "Call id",
    "Member id",
]


async def test_csv_and_xlsx_equal_the_activity_log(client: httpx.AsyncClient) -> None:
    await _seed(client)
    token = member_token("acme", "ann")
    expected = await _activity_rows(client, token)
    # Local days 1-11 November in New York: c5 (31 Oct 19:00 local) and c6 (12 Nov) are out.
    assert [row[0] for row in expected] == [
        "2026-11-10T07:00:00-05:00",
        "2026-11-02T23:30:00-05:00",
        "2026-11-02T23:30:00-05:00",
        "2026-11-02T10:00:00-05:00",
    ]
    assert expected[1][2:] == [
        "Member ann",
        "ann@example.com",
        "BYOK",
        "OpenAI GPT-4o mini",
        "",
        "3000",
        "0.001350",
        "c3",
        "ann",
    ]

    response = await client.get(
        "/v1/exports/ai-usage",
        params={"from": "2026-11-01", "to": "2026-11-11", "format": "csv"},
        headers=bearer(token),
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert (
        'filename="ai-usage_2026-11-01_2026-11-11.csv"' in response.headers["content-disposition"]
    )
    assert response.content.startswith(b"\xef\xbb\xbfWhen,")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0] == HEADER
    assert table[1:] == expected

    response = await client.get(
        "/v1/exports/ai-usage",
        params={"from": "2026-11-01", "to": "2026-11-11", "format": "xlsx"},
        headers=bearer(token),
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    assert sheet is not None
    values = [[_xlsx_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0] == HEADER
    assert len(values[1:]) == len(expected)
    for got, want in zip(values[1:], expected, strict=True):
        # A date-time cell of the local wall time (Excel has no zones).
        assert got[0] == datetime.fromisoformat(want[0]).replace(tzinfo=None)
        assert got[1:6] == want[1:6]
        # Numbers are numbers in a workbook: compare their values.
        assert got[9:] == want[9:]
        for g, w in zip(got[6:9], want[6:9], strict=True):
            assert (float(g) if g else None) == (float(w) if w else None)


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


async def test_export_needs_credits_view(client: httpx.AsyncClient) -> None:
    await _seed(client)
    params = {"from": "2026-11-01", "to": "2026-11-11", "format": "csv"}
    assert (await client.get("/v1/exports/ai-usage", params=params)).status_code == 401
    key = await client.post(
        "/v1/orgs/acme/api-keys",
        json={"name": "k", "permissions": ["consumption:view"]},
        headers=SERVICE,
    )
    response = await client.get(
        "/v1/exports/ai-usage", params=params, headers=bearer(key.json()["key"])
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"
    key = await client.post(
        "/v1/orgs/acme/api-keys",
        json={"name": "k2", "permissions": ["credits:view"]},
        headers=SERVICE,
    )
    response = await client.get(
        "/v1/exports/ai-usage", params=params, headers=bearer(key.json()["key"])
    )
    assert response.status_code == 200
    assert len(list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))) == 5


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"to": "2026-11-11"}, "from", "is required (YYYY-MM-DD)"),
        ({"from": "2026-11-01"}, "to", "is required (YYYY-MM-DD)"),
        ({"from": "2026-13-01", "to": "2026-11-11"}, "from", "'2026-13-01' is not a date"),
        ({"from": "2026-11-11", "to": "2026-11-01"}, "to", "must not be before from"),
        ({"from": "2025-01-01", "to": "2026-02-05"}, "to", "at most 400 days"),
        (
            {"from": "2026-11-01", "to": "2026-11-11", "format": "pdf"},
            "format",
            "'pdf' is not a format: csv or xlsx",
        ),
        ({"from": "2026-11-01", "to": "2026-11-11"}, "format", "is required: csv or xlsx"),
        (
            {"from": "2026-11-01", "to": "2026-11-11", "format": ""},
            "format",
            "is required: csv or xlsx",
        ),
    ],
)
async def test_bad_parameters_are_named(
    client: httpx.AsyncClient, params: dict[str, str], field: str, message: str
) -> None:
    await _seed(client)
    response = await client.get(
        "/v1/exports/ai-usage", params=params, headers=bearer(member_token("acme", "ann"))
    )
    assert response.status_code == 400
    error = response.json()["error"]["errors"][0]
    assert error["field"] == field
    assert message in error["message"]


async def test_a_label_set_in_the_catalog_shows_in_the_export_as_in_graphql(
    client: httpx.AsyncClient,
) -> None:
    await _seed(client)
    renamed = await client.put(
        "/v1/models/gpt-4o-mini",
        json={"provider": "OPENAI", "tier": "GPT-4o mini", "label": "House mini model"},
        headers=SERVICE,
    )
    assert renamed.status_code == 200, renamed.text
    token = member_token("acme", "ann")
    response = await client.get(
        "/v1/exports/ai-usage",
        params={"from": "2026-11-01", "to": "2026-11-11", "format": "csv"},
        headers=bearer(token),
    )
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    model_column = rows[0].index("Model")
    byok_models = [row[model_column] for row in rows[1:] if row[model_column]]
    assert byok_models == ["House mini model"]
    assert [row[model_column] for row in await _activity_rows(client, token)].count(
        "House mini model"
    ) == 1
