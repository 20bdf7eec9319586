"""bench/report.py and bench/docs.py: what a benchmark run saves, and the *Latest results* section
of docs/benchmarks.md written from it (which must always match bench/results)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bench import docs
from bench.all import collected
from bench.report import RESULTS, Row, commit, recorded, save, summary


def test_the_docs_section_is_the_one_the_results_give() -> None:
    page = docs.DOCS.read_text()
    assert docs.current(page) == docs.section(RESULTS), (
        "docs/benchmarks.md's results section differs from bench/results: run python -m bench.docs"
    )


def _write(path: Path, document: object) -> None:
    path.write_text(json.dumps(document, ensure_ascii=False))


@pytest.fixture
def results(tmp_path: Path) -> Path:
    directory = tmp_path / "results"
    directory.mkdir()
    # Named so that sorting matters: "b_pages" would come first in the order written.
    _write(
        directory / "b_pages.json",
        {
            "bench": "b_pages",
            "recorded": "2026-12-01T09:05:59+00:00",
            "machine": "x86_64, 2 cores, Python 3.11.7",
            "commit": "abc1234+changes",
            "rows": [
                {"what": "Page p50 | p99", "target": "", "result": "6.0 / 8.1 ms", "met": None},
                {"what": "p99 busy ÷ idle", "target": "≤ 1.2", "result": "1.10", "met": True},
            ],
        },
    )
    # Written before the commit was recorded.
    _write(
        directory / "a_ingest.json",
        {
            "bench": "a_ingest",
            "recorded": "2026-11-27T18:05:21+00:00",
            "machine": "x86_64, 2 cores, Python 3.11.7",
            "rows": [{"what": "Ingest ÷ COPY", "target": "≥ 0.25", "result": "0.15", "met": False}],
        },
    )
    # bench-quick's format: no rows, left out.
    _write(directory / "quick.json", {"usage": {"statements": 6}})
    return directory


EXPECTED = """\
<!-- Written by `python -m bench.docs` from bench/results/*.json: do not edit by hand. -->

**1 targets met, 1 not met** (2 benchmarks, 3 rows).

**`a_ingest`**: recorded 2026-11-27 18:05 UTC on x86_64, 2 cores, Python 3.11.7, commit not recorded

| What | Target | Result | Met |
|---|---|---|---|
| Ingest ÷ COPY | ≥ 0.25 | 0.15 | NOT MET |

**`b_pages`**: recorded 2026-12-01 09:05 UTC on x86_64, 2 cores, Python 3.11.7, commit `abc1234+changes`

| What | Target | Result | Met |
|---|---|---|---|
| Page p50 \\| p99 |  | 6.0 / 8.1 ms |  |
| p99 busy ÷ idle | ≤ 1.2 | 1.10 | met |

"""


def test_the_section_from_a_results_directory(results: Path) -> None:
    assert docs.section(results) == EXPECTED


def test_make_bench_table_and_counts(results: Path) -> None:
    rows = collected(results)
    assert [row.what for row in rows] == [
        "a_ingest: Ingest ÷ COPY",
        "b_pages: Page p50 | p99",
        "b_pages: p99 busy ÷ idle",
    ]
    assert rows[0].result == "0.15 (2026-11-27)"
    assert summary(rows) == "1 targets met, 1 not met"


PAGE = """\
# Benchmarks

Before.

<!-- bench-results:start -->
old, hand-edited text
<!-- bench-results:end -->

After.
"""


def test_regenerating_rewrites_only_the_marked_section_and_then_nothing(
    results: Path, tmp_path: Path
) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text(PAGE)
    assert docs.regenerate(page, results) is True
    text = page.read_text()
    assert text == PAGE.replace("old, hand-edited text\n", EXPECTED)
    assert docs.current(text) == EXPECTED
    assert docs.regenerate(page, results) is False
    assert page.read_text() == text


@pytest.mark.parametrize(
    "page",
    [
        "no markers\n",
        f"{docs.END}\n{docs.START}\n",
        f"{docs.START}\n{docs.END}\n{docs.START}\n{docs.END}\n",
    ],
)
def test_a_page_without_one_pair_of_markers_is_refused(page: str) -> None:
    with pytest.raises(ValueError):
        docs.rewrite(page, EXPECTED)


def test_save_records_the_commit_and_old_files_still_load(tmp_path: Path) -> None:
    rows = [Row("x ÷ y", "≤ 2", "1.5", met=True)]
    path = save("demo", rows, directory=tmp_path)
    document = json.loads(path.read_text())
    assert document["commit"] == commit()
    assert document["commit"]  # this checkout is a git repository
    (run,) = recorded(tmp_path)
    assert (run.name, run.commit, run.rows) == ("demo", document["commit"], rows)
    del document["commit"]
    path.write_text(json.dumps(document))
    (run,) = recorded(tmp_path)
    assert (run.commit, run.rows) == ("", rows)


def _git(repo: Path, *args: str) -> str:
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    done = subprocess.run(
        ["git", *identity, *args], cwd=repo, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_commit_marks_changes_to_tracked_files_outside_the_results(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "bench" / "results").mkdir(parents=True)
    (repo / "code.py").write_text("x = 1\n")
    (repo / "bench" / "results" / "load.json").write_text("{}\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "first")
    head = _git(repo, "rev-parse", "--short", "HEAD")
    assert len(head) >= 7

    assert commit(repo) == head
    # A benchmark's results written by the run, and untracked files: still the commit.
    (repo / "bench" / "results" / "load.json").write_text('{"rows": []}\n')
    (repo / "notes.txt").write_text("scratch\n")
    assert commit(repo) == head
    # Changed code: the figures are not the commit's.
    (repo / "code.py").write_text("x = 2\n")
    assert commit(repo) == f"{head}+changes"
    # Also when asked from a subdirectory.
    assert commit(repo / "bench") == f"{head}+changes"


def test_commit_without_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert commit(tmp_path) == ""  # not a repository
    monkeypatch.setenv("PATH", str(tmp_path))  # no git at all
    assert commit(Path(__file__).parent) == ""
