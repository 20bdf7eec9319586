"""``make bench``: every benchmark in turn, then one table of every saved result.

Each module runs in its own process (a failure or a missing module is noted and the rest still
run); the table is read back from ``bench/results/*.json``, so a result kept from an earlier run
of a benchmark that was skipped this time still shows, with its date.

    .venv/bin/python -m bench.all                 # everything
    .venv/bin/python -m bench.all load exports    # only these
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

from bench.report import RESULTS, Row, load, table

# In order: usage_page builds the dataset that load serves.
BENCHMARKS = ["usage_page", "load", "ingest", "consumption_page", "exports", "response_cache"]
# Each gets at most this long, so that make bench ends in about 20 minutes.
TIMEOUT_S = 6 * 60


def run(name: str) -> str:
    """Run one benchmark; a note on what happened."""
    if importlib.util.find_spec(f"bench.{name}") is None:
        return f"{name}: skipped (bench/{name}.py is not in this checkout)"
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", f"bench.{name}"], timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return f"{name}: stopped after {TIMEOUT_S} s"
    elapsed = time.perf_counter() - started
    if done.returncode:
        return f"{name}: FAILED (exit {done.returncode}) after {elapsed:.0f} s"
    return f"{name}: {elapsed:.0f} s"


def collected(directory: Path = RESULTS) -> list[Row]:
    """Every saved row, grouped by benchmark and marked with its date."""
    rows: list[Row] = []
    for path in sorted(directory.glob("*.json")):
        recorded = json.loads(path.read_text()).get("recorded", "")[:10]
        rows += [
            Row(f"{path.stem}: {row.what}", row.target, f"{row.result} ({recorded})", row.met)
            for row in load(path)
        ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("only", nargs="*", help="run only these benchmarks")
    names = parser.parse_args().only or BENCHMARKS
    started = time.perf_counter()
    notes = []
    for name in names:
        print(f"== bench.{name}", flush=True)
        notes.append(run(name))
    print()
    print("\n".join(notes))
    print(f"all benchmarks: {time.perf_counter() - started:.0f} s")
    print()
    print(table(collected()))


if __name__ == "__main__":
    main()
