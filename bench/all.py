"""``make bench``: every benchmark in turn, then one table of every saved result.

Each module runs in its own process (a failure or a missing module is noted and the rest still
run); the table is read back from ``bench/results/*.json``, so a result kept from an earlier run
of a benchmark that was skipped this time still shows, with its date. At the end the *Latest
results* section of docs/benchmarks.md is rewritten from the same files (``bench/docs.py``).

    .venv/bin/python -m bench.all                 # everything
    .venv/bin/python -m bench.all load exports    # only these
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time
from pathlib import Path

from bench import docs
from bench.report import RESULTS, Row, recorded, summary, table

# In order: usage_page builds the dataset that load serves.
BENCHMARKS = [
    "usage_page",
    "planned",
    "load",
    "ingest",
    "consumption_page",
    "consumption_peer",
    "exports",
    "response_cache",
]
# Each gets at most this long, and all together at most the budget: make bench stays within
# 20 minutes (a benchmark stopped or skipped keeps its earlier results, marked by their date).
TIMEOUT_S = 6 * 60
BUDGET_S = 19 * 60


def run(name: str, left_s: float) -> str:
    """Run one benchmark with ``left_s`` seconds of the budget left; a note on what happened."""
    if importlib.util.find_spec(f"bench.{name}") is None:
        return f"{name}: skipped (bench/{name}.py is not in this checkout)"
    timeout = min(TIMEOUT_S, left_s)
    if timeout < 30:
        return f"{name}: skipped (the {BUDGET_S // 60}-minute budget is spent)"
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", f"bench.{name}"], timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"{name}: stopped after {timeout:.0f} s"
    elapsed = time.perf_counter() - started
    if done.returncode:
        return f"{name}: FAILED (exit {done.returncode}) after {elapsed:.0f} s"
    return f"{name}: {elapsed:.0f} s"


def collected(directory: Path = RESULTS) -> list[Row]:
    """Every saved row, grouped by benchmark and marked with its date (files in another
    format, such as bench-quick's, are left out)."""
    return [
        Row(f"{run.name}: {row.what}", row.target, f"{row.result} ({run.recorded[:10]})", row.met)
        for run in recorded(directory)
        for row in run.rows
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("only", nargs="*", help="run only these benchmarks")
    names = parser.parse_args().only or BENCHMARKS
    started = time.perf_counter()
    notes = []
    for name in names:
        print(f"== bench.{name}", flush=True)
        notes.append(run(name, BUDGET_S - (time.perf_counter() - started)))
    print()
    print("\n".join(notes))
    print(f"all benchmarks: {time.perf_counter() - started:.0f} s")
    print()
    rows = collected()
    print(table(rows))
    print()
    print(f"{summary(rows)} (rows without a target are context)")
    print(docs.update())


if __name__ == "__main__":
    main()
