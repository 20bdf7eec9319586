"""The README's feeding example, run as written: each ``curl`` of the block is sent to the app
with the body, method and content type curl would use."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import httpx

from gateway.demo import DEMO_ORG_IDS
from tests.support import SERVICE, graphql

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"```sh\n(.*?)```", re.S)
CONSUMPTION = """
query { organization { consumption(period: {from: "2026-11-01", to: "2026-11-30"}) {
  byStatus { status count }
} } }
"""


def _feeding_block() -> str:
    """The shell block that feeds interview events, wherever the docs keep it."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
    blocks = [
        block
        for page in pages
        for block in BLOCK.findall(page.read_text())
        if "/v1/ingest/interview-events" in block
    ]
    assert len(blocks) == 1, blocks
    return blocks[0]


def _requests(block: str) -> list[tuple[str, str, str]]:
    """(method, path, body) of each curl of the block; ``-H "$S"`` is the service token."""
    requests = []
    words = shlex.split(block)
    for start in [n for n, word in enumerate(words) if word == "curl"]:
        args = words[start + 1 :]
        method = args[args.index("-X") + 1]
        url = next(a for a in args if a.startswith("localhost:8000/"))
        requests.append((method, url.removeprefix("localhost:8000"), args[args.index("-d") + 1]))
    return requests


async def test_the_feeding_example_runs_on_an_organization_of_its_own(
    client: httpx.AsyncClient,
) -> None:
    block = _feeding_block()
    assert 'S="Authorization: Bearer ${GATEWAY_SERVICE_TOKEN:-dev-service-token}"' in block
    requests = _requests(block)
    assert [method for method, _, _ in requests] == ["PUT", "PUT", "POST", "PUT", "POST"]
    org_ids = {path.split("/")[3] for _, path, _ in requests if path.startswith("/v1/orgs/")}
    assert len(org_ids) == 1 and not org_ids & set(DEMO_ORG_IDS)
    for method, path, body in requests:
        # What curl -d sends: the bytes as given, as a form body.
        headers = SERVICE | {"Content-Type": "application/x-www-form-urlencoded"}
        response = await client.request(method, path, content=body.encode(), headers=headers)
        assert response.status_code in (200, 201), (path, response.text)
        if path.startswith("/v1/ingest/"):
            assert response.json()["accepted"] == body.count('"eventId"'), response.text

    # The interview events count: one invited, one partially completed.
    key = await client.post(
        f"/v1/orgs/{org_ids.pop()}/api-keys",
        json={"name": "check", "permissions": ["consumption:view"]},
        headers=SERVICE,
    )
    body = await graphql(client, CONSUMPTION, token=key.json()["key"])
    assert "errors" not in body, body
    by_status = body["data"]["organization"]["consumption"]["byStatus"]
    counts = {s["status"]: s["count"] for s in by_status if s["count"]}
    assert counts == {"INVITED": 1, "PARTIALLY_COMPLETED": 1}
