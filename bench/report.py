"""One way for every benchmark to report: rows of (what, target, result, met), printed and saved.

Each benchmark module calls ``save(name, rows)`` at the end of its run; the rows land in
``bench/results/<name>.json`` with the date, the machine and the commit, and ``python -m
bench.all`` prints every saved row as one table (``python -m bench.docs`` writes them into
docs/benchmarks.md).

    rows = [Row("Usage page ÷ raw SQL", "≤ 2", "1.8", met=True)]
    save("usage_page", rows)
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
# Left out when telling whether the checkout differs from its commit (pathspec from the top).
NOT_CODE = ":(exclude,top)bench/results"


@dataclass(frozen=True, slots=True)
class Row:
    what: str
    target: str
    result: str
    # None: a measure recorded without a target (context for the others).
    met: bool | None = None


@dataclass(frozen=True, slots=True)
class Recorded:
    """One benchmark's saved run; files written before a field was recorded leave it ``""``."""

    name: str
    recorded: str
    machine: str
    commit: str
    rows: list[Row]


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def _git(cwd: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def commit(cwd: Path = ROOT) -> str:
    """The checkout's short commit, ``+changes`` when tracked files differ from it; ``""``
    without git. Changes under bench/results do not count: ``make bench`` writes them as it goes."""
    head = _git(cwd, "rev-parse", "--short", "HEAD")
    if not head:
        return ""
    changed = _git(cwd, "status", "--porcelain", "--untracked-files=no", "--", ":/", NOT_CODE)
    return head if changed == "" else f"{head}+changes"


def save(name: str, rows: list[Row], *, directory: Path = RESULTS) -> Path:
    """Write the rows of one benchmark run and print them."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    document = {
        "bench": name,
        "recorded": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "commit": commit(),
        "rows": [asdict(row) for row in rows],
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    print(table(rows))
    return path


def load(path: Path) -> list[Row]:
    document = json.loads(path.read_text())
    return [Row(**row) for row in document["rows"]]


def recorded(directory: Path = RESULTS) -> list[Recorded]:
    """Every saved run in ``directory``, by file name; files in another format (no ``rows``,
    such as bench-quick's) are left out."""
    runs = []
    for path in sorted(directory.glob("*.json")):
        document = json.loads(path.read_text())
        if not isinstance(document, dict) or "rows" not in document:
            continue
        runs.append(
            Recorded(
                name=path.stem,
                recorded=str(document.get("recorded", "")),
                machine=str(document.get("machine", "")),
                commit=str(document.get("commit", "")),
                rows=[Row(**row) for row in document["rows"]],
            )
        )
    return runs


def verdict(met: bool | None) -> str:
    return {True: "met", False: "NOT MET", None: ""}[met]


def table(rows: list[Row]) -> str:
    """A Markdown table, so it pastes straight into docs/benchmarks.md."""
    lines = ["| What | Target | Result | Met |", "|---|---|---|---|"]
    lines += [
        f"| {cell(r.what)} | {cell(r.target)} | {cell(r.result)} | {verdict(r.met)} |" for r in rows
    ]
    return "\n".join(lines)


def cell(text: str) -> str:
    """Text that stays inside one cell of a Markdown table."""
    return text.replace("\r\n", " ").replace("\n", " ").replace("|", "\\|")


def summary(rows: list[Row]) -> str:
    """How many targets were met and how many not (rows without a target are not counted)."""
    met = sum(row.met is True for row in rows)
    missed = sum(row.met is False for row in rows)
    return f"{met} targets met, {missed} not met"
