"""The *Latest results* section of docs/benchmarks.md, written from ``bench/results/*.json``.

Only the lines between the two markers are rewritten; the rest of the page is left as it is. The
output depends on the result files alone (sorted by name), so running it again without new
results changes nothing. ``make bench`` runs it at its end; tests/bench checks that the page
matches the results.

    .venv/bin/python -m bench.docs            # rewrite the section
    .venv/bin/python -m bench.docs --check    # exit 1 when the section is not up to date
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from bench.report import RESULTS, ROOT, Recorded, recorded, summary, table

DOCS = ROOT / "docs" / "benchmarks.md"
START = "<!-- bench-results:start -->"
END = "<!-- bench-results:end -->"
COMMAND = "python -m bench.docs"


def when(stamp: str) -> str:
    """``2026-12-07T04:49:31+00:00`` as ``2026-12-07 04:49 UTC``; anything else as it is."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp or "date not recorded"
    if moment.utcoffset() is None or moment.utcoffset():
        return stamp
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def heading(run: Recorded) -> str:
    commit = f"commit `{run.commit}`" if run.commit else "commit not recorded"
    machine = run.machine or "machine not recorded"
    return f"**`{run.name}`**: recorded {when(run.recorded)} on {machine}, {commit}"


def section(directory: Path = RESULTS) -> str:
    """The lines between the markers (without them), ending in a blank line so that the end
    marker stays out of the last table."""
    runs = recorded(directory)
    rows = [row for run in runs for row in run.rows]
    parts = [
        f"<!-- Written by `{COMMAND}` from bench/results/*.json: do not edit by hand. -->",
        f"**{summary(rows)}** ({len(runs)} benchmarks, {len(rows)} rows).",
    ]
    for run in runs:
        parts.append(f"{heading(run)}\n\n{table(run.rows)}")
    return "\n\n".join(parts) + "\n\n"


def rewrite(page: str, body: str) -> str:
    """``page`` with the text between the markers replaced by ``body``."""
    start = page.find(START)
    end = page.find(END)
    if start < 0 or end < start or page.count(START) != 1 or page.count(END) != 1:
        raise ValueError(f"the page needs one {START} and, after it, one {END}")
    return f"{page[: start + len(START)]}\n{body}{page[end:]}"


def current(page: str) -> str:
    """The text between the markers of ``page``, as ``section`` writes it."""
    start = page.index(START) + len(START) + 1
    return page[start : page.index(END)]


def regenerate(docs: Path = DOCS, directory: Path = RESULTS) -> bool:
    """Rewrite the section of ``docs``; whether it changed."""
    page = docs.read_text()
    new = rewrite(page, section(directory))
    if new == page:
        return False
    docs.write_text(new)
    return True


def update() -> str:
    """Rewrite docs/benchmarks.md's section from bench/results; a line saying what happened."""
    changed = regenerate()
    return f"docs/benchmarks.md: results section {'rewritten' if changed else 'unchanged'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if stale")
    if parser.parse_args().check:
        if current(DOCS.read_text()) != section():
            sys.exit(f"docs/benchmarks.md: the results section is not up to date; run {COMMAND}")
        print("docs/benchmarks.md: the results section is up to date")
        return
    print(update())


if __name__ == "__main__":
    main()
