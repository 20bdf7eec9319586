"""One way for every benchmark to report: rows of (what, target, result, met), printed and saved.

Each benchmark module calls ``save(name, rows)`` at the end of its run; the rows land in
``bench/results/<name>.json`` with the date and the machine, and ``python -m bench.all`` prints
every saved row as one table.

    rows = [Row("Usage page ÷ raw SQL", "≤ 2", "1.8", met=True)]
    save("usage_page", rows)
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True, slots=True)
class Row:
    what: str
    target: str
    result: str
    # None: a measure recorded without a target (context for the others).
    met: bool | None = None


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def save(name: str, rows: list[Row], *, directory: Path = RESULTS) -> Path:
    """Write the rows of one benchmark run and print them."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    document = {
        "bench": name,
        "recorded": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "rows": [asdict(row) for row in rows],
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    print(table(rows))
    return path


def load(path: Path) -> list[Row]:
    document = json.loads(path.read_text())
    return [Row(**row) for row in document["rows"]]


def verdict(met: bool | None) -> str:
    return {True: "met", False: "NOT MET", None: ""}[met]


def table(rows: list[Row]) -> str:
    """A Markdown table, so it pastes straight into docs/benchmarks.md."""
    lines = ["| What | Target | Result | Met |", "|---|---|---|---|"]
    lines += [f"| {r.what} | {r.target} | {r.result} | {verdict(r.met)} |" for r in rows]
    return "\n".join(lines)
