"""Every relative link of README.md and docs/*.md leads somewhere: the file exists, and an
``#anchor`` names a heading of the page it points into, slugged as GitHub does."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
CODE = re.compile(r"`[^`\n]*`")
# [text](target) and ![alt](target); the text may hold one level of brackets.
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def _prose(text: str) -> str:
    """The page without its code: links in code blocks and spans are not links."""
    return CODE.sub("", FENCE.sub("", text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, markup and punctuation dropped except ``-`` and
    ``_``, each space a ``-``."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = text.replace("`", "").replace("*", "")
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every anchor of the page, repeated headings numbered ``-1``, ``-2``… as GitHub does."""
    seen: dict[str, int] = {}
    result = set()
    for heading in HEADING.findall(FENCE.sub("", page.read_text())):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def links(page: Path) -> list[str]:
    return LINK.findall(_prose(page.read_text()))


def broken(page: Path) -> list[str]:
    problems = []
    for target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto:, …
            continue
        path, _, anchor = target.partition("#")
        into = (page.parent / unquote(path)).resolve() if path else page
        if not into.exists():
            problems.append(f"{target}: no file {os.path.relpath(into, ROOT)}")
            continue
        if anchor:
            if into.suffix != ".md":
                problems.append(f"{target}: an anchor into a file that is not a page")
            elif unquote(anchor) not in anchors(into):
                problems.append(f"{target}: no heading of {into.name} has this anchor")
    return problems


def test_the_slug_follows_github() -> None:
    assert slug("Dates, amounts and exports") == "dates-amounts-and-exports"
    assert slug("Recorded 2026-11-27, quiet machine") == "recorded-2026-11-27-quiet-machine"
    assert slug("Feeding data (service token)") == "feeding-data-service-token"
    assert slug("The `/v1` routes & snake_case") == "the-v1-routes--snake_case"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_resolves(page: Path) -> None:
    assert links(page) or page.name != "README.md", "the README links to nothing"
    assert broken(page) == []


def test_every_docs_page_is_linked_from_the_readme() -> None:
    readme = ROOT / "README.md"
    linked = {(readme.parent / t.partition("#")[0]).resolve() for t in links(readme)}
    assert [p.name for p in PAGES[1:] if p.resolve() not in linked] == []


def test_a_broken_link_is_found(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other\n\n## A section\n")
    (tmp_path / "shot.png").write_bytes(b"")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n## Here\n\n"
        "[ok](other.md#a-section) [ok](#here) ![ok](shot.png) [web](https://example.com)\n"
        "`[in code](missing.md)`\n\n```\n[in a block](missing.md)\n```\n"
        "[gone](missing.md) [bad](other.md#nowhere) [bad](#there) ![gone](nope.png)\n"
    )
    assert [problem.split(":")[0] for problem in broken(page)] == [
        "missing.md",
        "other.md#nowhere",
        "#there",
        "nope.png",
    ]
