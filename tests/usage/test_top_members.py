"""The By user card's statement (``usage.queries.top_members``) on both engines: removed and
unknown members merged into one row, the order, the limit and the figures of all rows."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import insert

from gateway.storage.db import Database
from gateway.storage.tables import ai_daily_by_member, members, organizations
from gateway.usage.queries import top_members
from gateway.usage.records import TopMembers

ORG = "org-1"
DAY = date(2026, 11, 3)
NOW = datetime(2026, 11, 20, tzinfo=UTC)


async def _seed(
    db: Database,
    people: list[tuple[str, str, bool]],
    sums: list[tuple[str, int, int, int, int]],
) -> None:
    """``people``: (id, name, removed); ``sums``: (member id, calls, credits, cost, tokens)."""
    async with db.write() as conn:
        await conn.execute(
            insert(organizations),
            [
                {
                    "id": ORG,
                    "name": "Org",
                    "time_zone": "UTC",
                    "active_since": DAY,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            ],
        )
        if people:
            await conn.execute(
                insert(members),
                [
                    {
                        "org_id": ORG,
                        "id": ident,
                        "name": name,
                        "email": f"{ident}@example.com",
                        "role": "ADMIN",
                        "removed": removed,
                        "updated_at": NOW,
                    }
                    for ident, name, removed in people
                ],
            )
        if sums:
            await conn.execute(
                insert(ai_daily_by_member),
                [
                    {
                        "org_id": ORG,
                        "day": DAY,
                        "billing_mode": "CREDITS",
                        "member_id": ident,
                        "calls": calls,
                        "credits_e4": credits,
                        "cost_micros": cost,
                        "tokens": tokens,
                    }
                    for ident, calls, credits, cost, tokens in sums
                ],
            )


async def _top(db: Database, limit: int = 500) -> TopMembers:
    return await db.run(
        # Part of a month: read from the daily rollup, where the rows are.
        top_members,
        org_id=ORG,
        first=date(2026, 11, 1),
        end=date(2026, 11, 20),
        limit=limit,
    )


def _names(top: TopMembers) -> list[str | None]:
    return [member.name if member is not None else None for _, member in top.rows]


async def test_removed_and_unknown_members_merge_into_one_row(db: Database) -> None:
    await _seed(
        db,
        [("m1", "Zoe", False), ("m2", "Adam", True), ("m3", "Eve", True), ("m4", "Bea", False)],
        [
            ("m1", 2, 20_000, 5, 10),
            ("m2", 1, 5_000, 1, 3),
            ("m3", 3, 7_000, 2, 4),
            ("m9", 1, 1_000, 1, 1),  # no such member
            ("m4", 5, 20_000, 9, 20),
        ],
    )
    top = await _top(db)
    assert _names(top) == ["Bea", "Zoe", None]
    unknown, member = top.rows[-1]
    assert member is None
    # 5,000 + 7,000 + 1,000 credits; 1 + 3 + 1 calls; 1 + 2 + 1 cost; 3 + 4 + 1 tokens.
    assert (unknown.calls, unknown.credits_e4, unknown.cost_micros, unknown.tokens) == (
        5,
        13_000,
        4,
        8,
    )
    assert (top.total_count, top.total_credits_e4) == (3, 53_000)


async def test_the_limit_keeps_the_count_and_credits_of_every_row(db: Database) -> None:
    await _seed(
        db,
        [("m1", "Zoe", False), ("m2", "Adam", True), ("m4", "Bea", False)],
        [("m1", 2, 20_000, 0, 0), ("m2", 1, 9_000, 0, 0), ("m4", 5, 30_000, 0, 0)],
    )
    top = await _top(db, limit=1)
    assert _names(top) == ["Bea"]
    assert (top.total_count, top.total_credits_e4) == (3, 59_000)


async def test_unknown_user_sorts_among_the_others(db: Database) -> None:
    await _seed(
        db,
        [("m1", "Zoe", False), ("m2", "Adam", True)],
        [("m1", 1, 1_000, 0, 0), ("m2", 1, 9_000, 0, 0)],
    )
    assert _names(await _top(db)) == [None, "Zoe"]


async def test_no_unknown_row_without_removed_members_and_nothing_without_calls(
    db: Database,
) -> None:
    await _seed(db, [("m1", "Zoe", False), ("m2", "Ann", False)], [("m1", 1, 0, 0, 0)])
    top = await _top(db)
    assert _names(top) == ["Zoe"]
    assert top.total_count == 1


async def test_an_empty_period_has_no_rows(db: Database) -> None:
    await _seed(db, [("m1", "Zoe", False)], [])
    assert await _top(db) == TopMembers([], 0, 0)


async def test_removed_members_with_calls_but_no_credits_still_show(db: Database) -> None:
    # Under BYOK calls charge no credits; the removed member's calls still need a row.
    await _seed(
        db,
        [("m1", "Zoe", False), ("m2", "Adam", True)],
        [("m1", 1, 0, 50, 0), ("m2", 4, 0, 90, 0)],
    )
    top = await _top(db)
    assert _names(top) == [None, "Zoe"]  # no credits anywhere: 4 calls before 1 call
    assert (top.rows[0][0].calls, top.rows[0][0].cost_micros) == (4, 90)


async def test_equal_figures_sort_by_name_in_code_point_order(db: Database) -> None:
    # Code points, as Python sorts: uppercase before lowercase, "Å" after "z" (a language
    # collation would put "anna" and "Åsa" between "Anna" and "Carl").
    await _seed(
        db,
        [("m1", "Carl", False), ("m2", "Anna", False), ("m3", "anna", False), ("m4", "Åsa", False)],
        [(m, 1, 1, 0, 0) for m in ("m1", "m2", "m3", "m4")],
    )
    assert _names(await _top(db)) == sorted(["Carl", "Anna", "anna", "Åsa"])
