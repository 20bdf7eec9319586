"""CPU per Usage page request, in-process, for before/after comparisons on a busy machine.

CPU time (``time.process_time``) rather than wall time: other work on the machine delays a
request but does not add to its CPU. Compare two source trees by alternating runs of them,
each a process of its own (``--root`` imports ``gateway`` from another checkout):

    .venv/bin/python -m bench.page_cpu --calls 1000000                  # this tree
    .venv/bin/python -m bench.page_cpu --calls 1000000 --root /tmp/base # an earlier one
    .venv/bin/python -m bench.page_cpu --compare /tmp/base --runs 4     # both, alternating

Profile with ``py-spy record --format raw -o page.txt -- .venv/bin/python -m bench.page_cpu``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
PG = "postgresql+asyncpg://postgres@127.0.0.1:5432"


async def measure(calls: int, rounds: int) -> float:
    """Median CPU milliseconds of one full Usage page request (after a warm-up)."""
    import httpx

    from gateway.clock import fixed_clock
    from gateway.config import Settings
    from gateway.orgs.credentials import issue_member_token
    from gateway.storage.db import Database
    from gateway.web.app import create_app, settle_heap

    query = (ROOT / "resolvers" / "documents" / "usage-page.graphql").read_text()
    url = f"{PG}/bench_usage_{calls}"
    # Fresh answers: the response cache would measure its hits, not the page.
    settings = Settings(database_url=url, rate_limit_points=0, response_cache_bytes=0)
    db = Database.from_url(url)
    app = create_app(settings, db=db, clock=fixed_clock(NOW))
    token = issue_member_token(settings, org_id="bench", member_id="m1", now=NOW, ttl=timedelta(1))
    headers = {"Authorization": f"Bearer {token}"}
    samples = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for n in range(rounds + 10):
            if n == 10:
                settle_heap()
            started = time.process_time()
            response = await client.post("/graphql", json={"query": query}, headers=headers)
            spent = (time.process_time() - started) * 1000
            assert response.status_code == 200 and "errors" not in response.json(), response.text
            if n >= 10:
                samples.append(spent)
    await db.dispose()
    return statistics.median(samples)


def one(root: str | None, calls: int, rounds: int) -> float:
    command = [sys.executable, "-m", "bench.page_cpu", "--calls", str(calls)]
    command += ["--rounds", str(rounds)] + (["--root", root] if root else [])
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    return float(done.stdout.split()[-2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=1_000_000, help="dataset of bench.usage_page")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--root", help="import gateway from this source tree instead")
    parser.add_argument("--compare", help="alternate runs of this tree and of the other one")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.compare:
        pairs = []
        for _ in range(args.runs):
            before = one(args.compare, args.calls, args.rounds)
            after = one(None, args.calls, args.rounds)
            pairs.append((before, after))
            print(f"before {before:.2f} ms   after {after:.2f} ms   ratio {after / before:.2f}")
        ratios = [after / before for before, after in pairs]
        print(f"median ratio after ÷ before: {statistics.median(ratios):.2f}")
        return
    if args.root:
        sys.path.insert(0, args.root)
    print(f"CPU per page: {asyncio.run(measure(args.calls, args.rounds)):.2f} ms")


if __name__ == "__main__":
    main()
