"""Field-by-field equality of our Consumption page (the answer to consumption-page.graphql) and
the peer's JSON (bench/consumption_peer.sql, its page statement).

Credits compare as decimals, instants as instants, counts and days exactly. Opaque values are
not compared (our cursors and global ids); natural keys are: an opening by the id inside our
global id. The peer's shape is its own (PostGraphile would name its fields), so each field is
mapped here by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from resolvers.node import decode_global_id


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


def _instant(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


class Comparison:
    def __init__(self) -> None:
        self.fields = 0
        self.differences: list[str] = []

    def eq(self, what: str, ours: Any, peer: Any, conv: Callable[[Any], Any] | None = None) -> None:
        self.fields += 1
        try:
            a = ours if ours is None or conv is None else conv(ours)
            b = peer if peer is None or conv is None else conv(peer)
            same = a == b and type(a) is type(b)
        except (ValueError, TypeError, ArithmeticError):
            same = False
        if not same:
            self.differences.append(f"{what}: ours={ours!r} peer={peer!r}")

    def rows(
        self, what: str, ours: list[Any], peer: list[Any]
    ) -> list[tuple[int, tuple[Any, Any]]]:
        self.eq(f"{what} rows", len(ours), len(peer))
        return list(enumerate(zip(ours, peer, strict=False)))  # lengths compared above


def opening_id(global_id: str) -> str | None:
    decoded = decode_global_id(global_id)
    if decoded is None or decoded[0] != "Opening":
        return None
    return decoded[1][-1]


def compare(ours: dict[str, Any], peer: dict[str, Any], c: Comparison | None = None) -> Comparison:
    """Every field of the page; ``c`` accumulates over several pages."""
    c = c or Comparison()
    if ours.get("errors") or not ours.get("data"):
        c.differences.append(f"our page answered errors: {str(ours.get('errors'))[:500]}")
        return c
    org, p = ours["data"]["organization"], peer["organization"]
    c.eq("organization.name", org["name"], p["name"])
    c.eq("organization.timeZone", org["timeZone"], p["timeZone"])
    plan, pplan = org["plan"], p["plan"]
    c.eq("plan (present)", plan is not None, pplan is not None)
    if plan is not None and pplan is not None:
        for k in ("interviewCreditsPerPeriod", "rolloverCap"):
            c.eq(f"plan.{k}", plan[k], pplan[k], _dec)
        for k in ("rollover", "billingAnchorDay"):
            c.eq(f"plan.{k}", plan[k], pplan[k])

    x, y = org["consumption"], peer["consumption"]
    c.eq("preset", x["preset"], y["preset"])
    for k in ("start", "end"):
        c.eq(k, x[k], y[k], _instant)
    c.eq("totalInterviews", x["totalInterviews"], y["totalInterviews"])
    for k in ("creditsUsed", "remainingBalance"):
        c.eq(k, x[k], y[k], _dec)
    for k in ("included", "rolledOver", "purchased", "total"):
        c.eq(f"allocation.{k}", x["allocation"][k], y["allocation"][k], _dec)

    for i, (a, b) in c.rows("byStatus", x["byStatus"], y["byStatus"]):
        c.eq(f"byStatus[{i}].status", a["status"], b["status"])
        c.eq(f"byStatus[{i}].count", a["count"], b["count"])
        c.eq(f"byStatus[{i}].creditsUsed", a["creditsUsed"], b["creditsUsed"], _dec)

    table, ptable = x["byOpening"], y["byOpening"]
    c.eq("byOpening.totalCount", table["totalCount"], ptable["totalCount"])
    c.eq("byOpening.hasNextPage", table["pageInfo"]["hasNextPage"], ptable["hasNextPage"])
    for i, (edge, b) in c.rows("byOpening", table["edges"], ptable["nodes"]):
        a = edge["node"]
        c.eq(f"byOpening[{i}].opening (natural id)", opening_id(a["opening"]["id"]), b["openingId"])
        for k in ("jobTitle", "interviewsInvited", "interviewsCompleted"):
            c.eq(f"byOpening[{i}].{k}", a[k], b[k])
        c.eq(f"byOpening[{i}].creditsUsed", a["creditsUsed"], b["creditsUsed"], _dec)

    for trend in ("daily", "weekly", "monthly"):
        for i, (a, b) in c.rows(trend, x[trend], y[trend]):
            c.eq(f"{trend}[{i}].start", a["start"], b["start"])
            c.eq(
                f"{trend}[{i}].interviewsCompleted",
                a["interviewsCompleted"],
                b["interviewsCompleted"],
            )
            c.eq(f"{trend}[{i}].creditsUsed", a["creditsUsed"], b["creditsUsed"], _dec)

    year, pyear = x["previousYear"], y["previousYear"]
    for k in ("start", "end"):
        c.eq(f"previousYear.{k}", year[k], pyear[k], _instant)
    for k in ("totalInterviews", "creditsChangePercent"):
        c.eq(f"previousYear.{k}", year[k], pyear[k])
    c.eq("previousYear.creditsUsed", year["creditsUsed"], pyear["creditsUsed"], _dec)

    cast, pcast = x["forecast"], y["forecast"]
    for k in ("projectedCreditsUsed", "projectedRemainingBalance", "recommendedPurchase"):
        c.eq(f"forecast.{k}", cast[k], pcast[k], _dec)
    c.eq("forecast.runsOutOn", cast["runsOutOn"], pcast["runsOutOn"])
    return c
