"""Leaf types of Settings → Usage: built from the usage service's figures."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import strawberry

from gateway.catalog.records import ModelRecord
from gateway.core.money import credits_from_int, usd_from_int
from gateway.orgs.records import MemberRecord
from gateway.usage import rules
from gateway.usage.records import CallRecord
from gateway.usage.service import UserShare
from resolvers.catalog import AiModel
from resolvers.context import Info
from resolvers.enums import AiBillingMode, AiProvider, TrendDirection, UsageReason
from resolvers.members import Member
from resolvers.node import Node, encode_global_id
from resolvers.pagination import PageInfo


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

    @classmethod
    def of(cls, figures: rules.TrendFigures) -> Trend:
        return cls(
            direction=figures.direction,
            percent=figures.percent,
            label=figures.label,
            previous_credits_charged=credits_from_int(figures.previous_credits_e4),
        )


@strawberry.type(description="Shown while the organization is in BYOK mode.")
class ByokNotice:
    provider: AiProvider = strawberry.field(description="The provider of the organization's key.")
    message: str = strawberry.field(description="Why usage tracking is limited.")
    provider_dashboard_url: str = strawberry.field(
        description="Anthropic Console or OpenAI Platform usage page."
    )

    @classmethod
    def of(cls, notice: rules.ByokNotice) -> ByokNotice:
        return cls(
            provider=notice.provider,
            message=notice.message,
            provider_dashboard_url=notice.provider_dashboard_url,
        )


@strawberry.type(description="Spend of one feature.")
class ReasonUsage:
    reason: UsageReason = strawberry.field(description="The feature.")
    label: str = strawberry.field(description="Chat, Generate field, Summarize CV.")
    credits_charged: Decimal = strawberry.field(description="Credits charged.")
    estimated_cost_usd: Decimal = strawberry.field(description="Estimated BYOK cost in USD.")
    calls: int = strawberry.field(description="Number of calls.")

    @classmethod
    def of(cls, figures: rules.ReasonFigures) -> ReasonUsage:
        return cls(
            reason=figures.reason,
            label=figures.reason.label,
            credits_charged=credits_from_int(figures.totals.credits_e4),
            estimated_cost_usd=usd_from_int(figures.totals.cost_micros),
            calls=figures.totals.calls,
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
        record = await info.context.loaders.members.load(self.member_id)
        return Member.from_record(record) if record is not None else None

    @classmethod
    def of(cls, row: UserShare) -> UserUsage:
        return cls(
            member_id=row.member.id if row.member is not None else None,
            display_name=row.display_name,
            credits_charged=credits_from_int(row.totals.credits_e4),
            estimated_cost_usd=usd_from_int(row.totals.cost_micros),
            calls=row.totals.calls,
            share=row.share,
        )


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

    @classmethod
    def of(cls, figures: rules.ModelFigures) -> ModelUsage:
        return cls(
            provider=figures.provider,
            tier=figures.tier,
            label=figures.label,
            credits_charged=credits_from_int(figures.totals.credits_e4),
            estimated_cost_usd=usd_from_int(figures.totals.cost_micros),
            calls=figures.totals.calls,
            relative_to_max=figures.relative_to_max,
        )


@strawberry.type(description="One bucket of the usage time series.")
class UsageBucket:
    start: date = strawberry.field(description="First local day of the bucket.")
    credits_charged: Decimal = strawberry.field(description="Credits charged.")
    estimated_cost_usd: Decimal = strawberry.field(description="Estimated BYOK cost in USD.")
    calls: int = strawberry.field(description="Number of calls.")

    @classmethod
    def of(cls, bucket: rules.Bucket) -> UsageBucket:
        return cls(
            start=bucket.start,
            credits_charged=credits_from_int(bucket.credits_e4),
            estimated_cost_usd=usd_from_int(bucket.cost_micros),
            calls=bucket.calls,
        )


@strawberry.type(description="One AI call of the activity log.")
class UsageCall(Node):
    # Plain fields, filled when the page is built: read straight off the object, not through
    # a resolver per row.
    occurred_at: datetime = strawberry.field(description="When the call happened (local time).")
    reason: UsageReason = strawberry.field(description="The feature that triggered the call.")
    reason_label: str = strawberry.field(description="Chat, Generate field, Summarize CV.")
    billing_mode: AiBillingMode = strawberry.field(description="How this call was paid for.")
    credits_charged: Decimal | None = strawberry.field(description="Null on BYOK rows.")
    total_tokens: int | None = strawberry.field(description="Set on BYOK rows only.")
    estimated_cost_usd: Decimal | None = strawberry.field(
        description="Set on BYOK rows only: tokens x the model's price when the call happened."
    )
    member: Member | None = strawberry.field(
        description="Null when the member has been removed ('Unknown user')."
    )
    model: AiModel | None = strawberry.field(
        description="Set on BYOK rows only: on credits rows the model is an internal detail and is never exposed."
    )

    @classmethod
    async def build(
        cls,
        info: Info,
        calls: list[CallRecord],
        zone: ZoneInfo,
        known: tuple[Sequence[MemberRecord], Sequence[ModelRecord]] | None = None,
    ) -> list[UsageCall]:
        """The calls of a page with their members and models: ``known``, when the page's own
        statement read them, else fetched by the loaders in one batch each (the model only for
        BYOK rows: on credits rows it is never exposed)."""
        if known is None:
            loaders = info.context.loaders
            found = await loaders.members.load_many([call.member_id for call in calls])
            byok = [call.model_id for call in calls if call.byok]
            models = dict(zip(byok, await loaders.models.load_many(byok), strict=True))
        else:
            found, models = list(known[0]), {model.id: model for model in known[1]}
        # One Member and one AiModel object each, however many of the page's calls are theirs.
        people = {m.id: Member.from_record(m) for m in found if m is not None and not m.removed}
        shown = {key: AiModel.from_record(m) for key, m in models.items() if m is not None}
        return [
            cls.of(call, zone, people.get(call.member_id), shown.get(call.model_id))
            for call in calls
        ]

    @classmethod
    def of(
        cls, call: CallRecord, zone: ZoneInfo, member: Member | None, model: AiModel | None
    ) -> UsageCall:
        byok = call.byok
        return cls(
            id=encode_global_id("UsageCall", call.org_id, call.event_id),
            member=member,
            model=model if byok else None,
            occurred_at=call.occurred_at.astimezone(zone),
            reason=call.reason,
            reason_label=call.reason.label,
            billing_mode=call.billing_mode,
            credits_charged=None if byok else credits_from_int(call.credits_e4),
            total_tokens=call.tokens if byok else None,
            estimated_cost_usd=usd_from_int(call.cost_micros) if byok else None,
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
