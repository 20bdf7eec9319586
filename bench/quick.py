"""A quick benchmark for CI: both pages on a small and a five-times larger demo dataset.

Prints one table (latency p50 of each page on each dataset and their ratio, SQL statements per
request) and writes it to ``bench/results/quick.json``. Timings on a shared CI machine are
noisy, so they never fail the run; it fails when any request answers an error, or when the
statements of a page grow with the data or with the page size (a loop of queries sneaking in).

    .venv/bin/python -m bench.quick
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from gateway.clock import fixed_clock
from gateway.config import Settings
from gateway.demo import ADMIN_MEMBER_ID, ADMIN_ORG_ID, load_demo
from gateway.migrate import migrate
from gateway.orgs.credentials import issue_member_token
from gateway.storage.db import Database
from gateway.web.app import create_app, settle_heap

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "resolvers" / "documents"
USAGE_PAGE = (QUERIES / "usage-page.graphql").read_text()
CONSUMPTION_PAGE = (QUERIES / "consumption-page.graphql").read_text()
ACTIVITY = """query($first: Int!) { organization { usage { activity(first: $first) {
  edges { node { id occurredAt reasonLabel creditsCharged member { name } model { label } } } } } } }"""
BY_OPENING = """query($first: Int!) { organization { consumption { byOpening(first: $first) {
  totalCount edges { cursor node { jobTitle creditsUsed opening { id } } } } } } }"""
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
SCALES = {"small": 0.02, "large": 0.1}
ROUNDS = 25


class Probe:
    """Requests through the whole app (in-process ASGI) with their statement counts."""

    def __init__(self, client: httpx.AsyncClient, token: str, db: Database) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}
        self.statements = 0
        self.errors: list[str] = []
        db.on_statement(self._count)

    def _count(self) -> None:
        self.statements += 1

    async def once(self, query: str, variables: dict[str, Any]) -> tuple[float, int]:
        self.statements = 0
        started = time.perf_counter()
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.headers
        )
        elapsed = (time.perf_counter() - started) * 1000
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            self.errors.append(f"{response.status_code} {body.get('errors')}")
        return elapsed, self.statements

    async def measure(self, query: str, variables: dict[str, Any]) -> tuple[float, int]:
        """p50 in ms over the rounds, and the statements of one request."""
        _, statements = await self.once(query, variables)
        samples = [(await self.once(query, variables))[0] for _ in range(ROUNDS)]
        return statistics.median(samples), statements


async def run_dataset(folder: Path, scale: float) -> dict[str, Any]:
    url = f"sqlite+aiosqlite:///{folder / f'quick_{scale}.db'}"
    # Fresh answers (statements are counted): the cache off.
    settings = Settings(database_url=url, rate_limit_points=0, env="test", response_cache_bytes=0)
    db = Database.from_url(url)
    await migrate(db)
    started = time.perf_counter()
    summary = await load_demo(db, settings=settings, only_if_empty=False, now=NOW, scale=scale)
    loaded = time.perf_counter() - started
    token = issue_member_token(
        settings, org_id=ADMIN_ORG_ID, member_id=ADMIN_MEMBER_ID, now=NOW, ttl=timedelta(hours=1)
    )
    app = create_app(settings, db=db, clock=fixed_clock(NOW))
    out: dict[str, Any] = {"calls": summary.ai_calls, "load_s": round(loaded, 1)}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        probe = Probe(client, token, db)
        for _ in range(3):  # warm-up: pools, parser and validation caches
            await probe.once(USAGE_PAGE, {})
            await probe.once(CONSUMPTION_PAGE, {})
        settle_heap()
        out["usage_page"] = await probe.measure(USAGE_PAGE, {})
        out["consumption_page"] = await probe.measure(CONSUMPTION_PAGE, {})
        out["activity_5"] = await probe.once(ACTIVITY, {"first": 5})
        out["activity_100"] = await probe.once(ACTIVITY, {"first": 100})
        out["by_opening_5"] = await probe.once(BY_OPENING, {"first": 5})
        out["by_opening_50"] = await probe.once(BY_OPENING, {"first": 50})
        out["errors"] = probe.errors
    await db.dispose()
    return out


def check(results: dict[str, dict[str, Any]]) -> list[str]:
    """What fails the run: errors, and statement counts that grow."""
    problems = [f"{name}: {error}" for name, r in results.items() for error in r["errors"]]
    for page in ("usage_page", "consumption_page"):
        counts = {name: r[page][1] for name, r in results.items()}
        if len(set(counts.values())) != 1:
            problems.append(f"{page}: statements grow with the data {counts}")
    for name, r in results.items():
        for small, large in (("activity_5", "activity_100"), ("by_opening_5", "by_opening_50")):
            if r[small][1] != r[large][1]:
                problems.append(
                    f"{name}: statements grow with the page size "
                    f"({small} {r[small][1]}, {large} {r[large][1]})"
                )
    return problems


def table(results: dict[str, dict[str, Any]]) -> str:
    small, large = results["small"], results["large"]
    lines = [
        f"{'measure':<28}{'small':>12}{'large':>12}{'ratio':>8}",
        f"{'AI calls in the dataset':<28}{small['calls']:>12,}{large['calls']:>12,}"
        f"{large['calls'] / max(1, small['calls']):>8.1f}",
    ]
    for page in ("usage_page", "consumption_page"):
        a, b = small[page][0], large[page][0]
        lines.append(f"{page + ' p50 ms':<28}{a:>12.1f}{b:>12.1f}{b / a:>8.2f}")
        lines.append(f"{page + ' statements':<28}{small[page][1]:>12}{large[page][1]:>12}")
    for key in ("activity_5", "activity_100", "by_opening_5", "by_opening_50"):
        lines.append(f"{key + ' statements':<28}{small[key][1]:>12}{large[key][1]:>12}")
    return "\n".join(lines)


async def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        results = {name: await run_dataset(Path(folder), scale) for name, scale in SCALES.items()}
    print(table(results))
    problems = check(results)
    out = ROOT / "bench" / "results" / "quick.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"results": results, "problems": problems}, indent=2, default=str))
    for problem in problems:
        print(f"FAILED: {problem}")
    print("bench-quick: " + ("failed" if problems else "no errors, statements flat"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
