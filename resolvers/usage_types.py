"""Leaf types of Settings → Usage."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry

from gateway.money import credits_from_int, usd_from_int
from gateway.queries.usage import Totals
from gateway.usage import REASON_LABELS
from resolvers.catalog import AiModel, AiProvider
from resolvers.context import Info
from resolvers.members import Member
from resolvers.node import Node, encode_global_id
from resolvers.organization import AiBillingMode
from resolvers.pagination import PageInfo


@strawberry.enum(description="The feature that triggered an AI call.")
class UsageReason(Enum):
    CHAT = "CHAT"
    GENERATE_FIELD = "GENERATE_FIELD"
    SUMMARIZE_CV = "SUMMARIZE_CV"


@strawberry.enum(description="What the trend compares this month with.")
class TrendBasis(Enum):
    PREVIOUS_MONTH = strawberry.enum_value(
        "PREVIOUS_MONTH",
        description="This month so far against the whole of last month (the page's pill).",
    )
    SAME_POINT_LAST_MONTH = strawberry.enum_value(
        "SAME_POINT_LAST_MONTH",
        description="This month so far against the same span of last month (day 1 to the same day and time).",
    )


@strawberry.enum(description="Which way the spend moved.")
class TrendDirection(Enum):
    UP = "UP"
    DOWN = "DOWN"
    FLAT = "FLAT"


@strawberry.type(description="The summary tile's pill: this month against last month.")
class Trend:
    direction: TrendDirection = strawberry.field(description="Up, down or flat.")
    percent: int | None = strawberry.field(
        description="Signed whole percent; null when last month had no spend."
    )
    label: str = strawberry.field(
        description="What the pill shows, e.g. '+12% vs last month', '-3% vs last month', 'flat vs last month'."
    )
    previous_credits_charged: Decimal = strawberry.field(
        description="Credits of the span compared against."
    )


@strawberry.type(description="Shown while the organization is in BYOK mode.")
class ByokNotice:
    provider: AiProvider = strawberry.field(description="The provider of the organization's key.")
    message: str = strawberry.field(description="Why usage tracking is limited.")
    provider_dashboard_url: str = strawberry.field(
        description="Anthropic Console or OpenAI Platform usage page."
    )


@strawberry.type(description="Spend of one feature.")
class ReasonUsage:
    reason: UsageReason = strawberry.field(description="The feature.")
    label: str = strawberry.field(description="Chat, Generate field, Summarize CV.")
    credits_charged: Decimal = strawberry.field(description="Credits charged.")
    estimated_cost_usd: Decimal = strawberry.field(description="Estimated BYOK cost in USD.")
    calls: int = strawberry.field(description="Number of calls.")

    @classmethod
    def from_totals(cls, reason: str, totals: Totals) -> ReasonUsage:
        return cls(
            reason=UsageReason(reason),
            label=REASON_LABELS[reason],
            credits_charged=credits_from_int(totals.credits_e4),
            estimated_cost_usd=usd_from_int(totals.cost_micros),
            calls=totals.calls,
        )


@strawberry.type(description="One team member's share of the period.")
class UserUsage:
    member_id: strawberry.Private[str | None]
    display_name: str = strawberry.field(description="The member's name, or 'Unknown user'.")
    credits_charged: Decimal = strawberry.field(description="Credits charged.")
    estimated_cost_usd: Decimal = strawberry.field(description="Estimated BYOK cost in USD.")
    calls: int = strawberry.field(description="Number of calls.")
    share: float = strawberry.field(description="Fraction of the period's credits (0..1).")

    @strawberry.field(description="Null when the member has been removed from the organization.")
    async def member(self, info: Info) -> Member | None:
        if self.member_id is None:
            return None
        row = await info.context.loaders.members.load(self.member_id)
        return Member.from_row(row) if row is not None else None


@strawberry.type(description="Top contributors of the period.")
class UserUsageList:
    total_count: int = strawberry.field(
        description="How many rows 'Show all' would list (removed members count as one 'Unknown user' row)."
    )
    nodes: list[UserUsage] = strawberry.field(description="The rows, largest first.")


@strawberry.type(description="One bar of the By model card: a provider and tier.")
class ModelUsage:
    provider: AiProvider = strawberry.field(description="The provider.")
    tier: str = strawberry.field(description="The model tier.")
    label: str = strawberry.field(description="Provider name and tier, e.g. 'Anthropic Sonnet'.")
    credits_charged: Decimal = strawberry.field(description="Credits charged.")
    estimated_cost_usd: Decimal = strawberry.field(description="Estimated BYOK cost in USD.")
    calls: int = strawberry.field(description="Number of calls.")
    relative_to_max: float = strawberry.field(
        description="This bar's length relative to the longest (1.0 for the first)."
    )


@strawberry.type(description="One bucket of the usage time series.")
class UsageBucket:
    start: date = strawberry.field(description="First local day of the bucket.")
    credits_charged: Decimal = strawberry.field(description="Credits charged.")
    estimated_cost_usd: Decimal = strawberry.field(description="Estimated BYOK cost in USD.")
    calls: int = strawberry.field(description="Number of calls.")


@strawberry.type(description="One AI call of the activity log.")
class UsageCall(Node):
    member_object: strawberry.Private[Member | None]
    model_row: strawberry.Private[Any]
    occurred_at: datetime = strawberry.field(description="When the call happened (local time).")
    reason: UsageReason = strawberry.field(description="The feature that triggered the call.")
    reason_label: str = strawberry.field(description="Chat, Generate field, Summarize CV.")
    billing_mode: AiBillingMode = strawberry.field(description="How this call was paid for.")
    credits_charged: Decimal | None = strawberry.field(description="Null on BYOK rows.")
    total_tokens: int | None = strawberry.field(description="Set on BYOK rows only.")
    estimated_cost_usd: Decimal | None = strawberry.field(
        description="Set on BYOK rows only: tokens x the model's price when the call happened."
    )

    @strawberry.field(description="Null when the member has been removed ('Unknown user').")
    def member(self) -> Member | None:
        return self.member_object

    @strawberry.field(
        description="Set on BYOK rows only: on credits rows the model is an internal detail and is never exposed."
    )
    def model(self) -> AiModel | None:
        return AiModel.from_row(self.model_row) if self.model_row is not None else None

    @classmethod
    async def build(cls, info: Info, rows: list[Any], zone: Any) -> list[UsageCall]:
        """The calls of a page, their members and models fetched by the loaders in one batch
        each (the model only for BYOK rows: on credits rows it is never exposed)."""
        loaders = info.context.loaders
        rows_of_members = await loaders.members.load_many([row.member_id for row in rows])
        # One Member object per member, however many of the page's calls are theirs.
        people = {
            m.id: Member.from_row(m) for m in rows_of_members if m is not None and not m.removed
        }
        members = [people.get(row.member_id) for row in rows]
        byok = [row.model_id for row in rows if row.billing_mode == "BYOK"]
        models = dict(zip(byok, await loaders.models.load_many(byok), strict=True))
        return [
            cls.from_row(
                row, zone, member, models.get(row.model_id) if row.billing_mode == "BYOK" else None
            )
            for row, member in zip(rows, members, strict=True)
        ]

    @classmethod
    def from_row(cls, row: Any, zone: Any, member: Any, model: Any) -> UsageCall:
        byok = row.billing_mode == "BYOK"
        return cls(
            id=encode_global_id("UsageCall", row.org_id, row.event_id),
            member_object=member,
            model_row=model if byok else None,
            occurred_at=row.occurred_at.astimezone(zone),
            reason=UsageReason(row.reason),
            reason_label=REASON_LABELS[row.reason],
            billing_mode=AiBillingMode(row.billing_mode),
            credits_charged=None if byok else credits_from_int(row.credits_e4),
            total_tokens=row.input_tokens + row.output_tokens if byok else None,
            estimated_cost_usd=usd_from_int(row.cost_micros) if byok else None,
        )


@strawberry.type(description="An edge of the activity log.")
class UsageCallEdge:
    # Signed only when asked for: a page usually wants just its last cursor.
    make_cursor: strawberry.Private[Callable[[], str]]
    node: UsageCall = strawberry.field(description="The call.")

    @strawberry.field(description="Opaque cursor of this call.")
    def cursor(self) -> str:
        return self.make_cursor()


@strawberry.type(description="A page of the activity log, newest first.")
class UsageCallConnection:
    edges: list[UsageCallEdge] = strawberry.field(description="The calls of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")
    total_count: int = strawberry.field(description="Calls of the whole period.")
