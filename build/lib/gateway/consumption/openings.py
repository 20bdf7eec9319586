"""Openings ranked by the credits they used: the By opening table and the openings list (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gateway.consumption.enums import InterviewStatus
from gateway.consumption.records import OpeningRecord, StatusTotals


@dataclass(frozen=True)
class OpeningFigures:
    opening_id: str
    invited: int = 0
    completed: int = 0
    credits_e4: int = 0


def opening_figures(rows: Iterable[StatusTotals]) -> dict[str, OpeningFigures]:
    """Totals keyed ``(opening_id, status)`` folded into one figure per opening."""
    out: dict[str, OpeningFigures] = {}
    for row in rows:
        opening_id, status = row.key
        f = out.get(opening_id) or OpeningFigures(opening_id)
        out[opening_id] = OpeningFigures(
            opening_id,
            f.invited + (row.firsts if status == InterviewStatus.INVITED else 0),
            f.completed + (row.firsts if status == InterviewStatus.COMPLETED else 0),
            f.credits_e4 + row.credits_e4,
        )
    return out


# Where a row sits: (credits, job title, id), the most credits first.
Position = tuple[int, str, str]


def position(opening: OpeningRecord, figures: dict[str, OpeningFigures]) -> Position:
    f = figures.get(opening.id)
    return (f.credits_e4 if f else 0, opening.job_title, opening.id)


def _rank(pos: Position) -> tuple[int, str, str]:
    return (-pos[0], pos[1], pos[2])


@dataclass(frozen=True)
class OpeningRow:
    opening: OpeningRecord
    figures: OpeningFigures
    position: Position


@dataclass(frozen=True)
class OpeningPage:
    rows: list[OpeningRow]
    has_next: bool
    total_count: int


def page_of_openings(
    openings: Sequence[OpeningRecord],
    figures: dict[str, OpeningFigures],
    *,
    limit: int,
    after: Position | None,
) -> OpeningPage:
    """Openings by credits desc, then title and id; ``limit`` of them after ``after``."""
    ranked = sorted(openings, key=lambda o: _rank(position(o, figures)))
    rest = ranked
    if after is not None:
        rest = [o for o in ranked if _rank(position(o, figures)) > _rank(after)]
    rows = [
        OpeningRow(o, figures.get(o.id) or OpeningFigures(o.id), position(o, figures))
        for o in rest[:limit]
    ]
    return OpeningPage(rows, len(rest) > limit, len(ranked))
