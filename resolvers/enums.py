"""The domain's enums, exposed to GraphQL: each is defined once, in its domain, and wrapped here.

Resolvers return the domain's members as they are and receive them as arguments.
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

import strawberry
from strawberry.types.enum import StrawberryEnumDefinition

from gateway.alerts.enums import DeliveryStatus, EventType, RuleKind, ThresholdUnit
from gateway.bulk.enums import BulkExportFormat, BulkExportKind, BulkExportStatus
from gateway.consumption.enums import InterviewStatus
from gateway.core.buckets import Granularity
from gateway.core.periods import PeriodPreset
from gateway.orgs.enums import AiBillingMode, AiProvider, Role, RolloverRule
from gateway.usage.enums import TrendBasis, TrendDirection, UsageReason

E = TypeVar("E", bound=type[Enum])


def graphql_enum(
    cls: E, description: str, values: dict[Enum, str] | None = None, *, name: str | None = None
) -> E:
    """Wrap ``cls`` for GraphQL (under ``name`` when given), with a description per value."""
    wrapped = strawberry.enum(cls, name=name, description=description)
    definition: StrawberryEnumDefinition = wrapped.__strawberry_definition__  # type: ignore[attr-defined]
    described = {member.name: text for member, text in (values or {}).items()}
    for value in definition.values:
        value.description = described.get(value.name, value.description)
    return wrapped


graphql_enum(
    AiProvider,
    "Who provides an AI model.",
    {AiProvider.ANTHROPIC: "Anthropic (Claude models).", AiProvider.OPENAI: "OpenAI (GPT models)."},
)
graphql_enum(
    AiBillingMode,
    "How the organization pays for AI calls.",
    {
        AiBillingMode.CREDITS: "Calls are paid with Intervy credits.",
        AiBillingMode.BYOK: "Bring your own key: calls go to the provider on the organization's own API key.",
    },
)
graphql_enum(
    Role,
    "A member's role in the organization.",
    {
        Role.ACCOUNT_ADMIN: "Manages the account: credits:view, consumption:view, alerts:manage, keys:manage and audit:view.",
        Role.ADMIN: "Administers the workspace: credits:view and alerts:manage.",
        Role.STAFFING: "Runs hiring: credits:view.",
        Role.INTERVIEWER: "Interviews candidates: credits:view.",
    },
)
graphql_enum(
    RolloverRule,
    "What happens to unused credits at the end of a billing period.",
    {
        RolloverRule.NONE: "Unused credits expire.",
        RolloverRule.FULL: "All unused credits carry over to the next period.",
        RolloverRule.CAPPED: "Unused credits carry over up to the plan's rolloverCap.",
    },
)
graphql_enum(
    UsageReason,
    "The feature that triggered an AI call.",
    {
        UsageReason.CHAT: "The assistant chat.",
        UsageReason.GENERATE_FIELD: "Generating a field's content.",
        UsageReason.SUMMARIZE_CV: "Summarizing a candidate's CV.",
    },
)
graphql_enum(
    TrendBasis,
    "What the trend compares this month with.",
    {
        TrendBasis.PREVIOUS_MONTH: "This month so far against the whole of last month (the page's pill).",
        TrendBasis.SAME_POINT_LAST_MONTH: "This month so far against the same span of last month (day 1 to the same day and time).",
    },
)
graphql_enum(
    TrendDirection,
    "Which way the spend moved.",
    {
        TrendDirection.UP: "More than the span compared against (the percent rounds above 0).",
        TrendDirection.DOWN: "Less than the span compared against (the percent rounds below 0).",
        TrendDirection.FLAT: "The same, to the whole percent.",
    },
)
graphql_enum(
    InterviewStatus,
    "Where an interview stands.",
    {
        InterviewStatus.INVITED: "The candidate was invited (free).",
        InterviewStatus.STARTED: "The candidate started the interview (free).",
        InterviewStatus.PARTIALLY_COMPLETED: "Partly done: charges its completed fraction of a credit.",
        InterviewStatus.COMPLETED: "Done: charges one credit.",
        InterviewStatus.SIMULATION: "A practice run: the whole interview is free and not counted.",
    },
)
graphql_enum(
    PeriodPreset,
    "Named periods, resolved in the organization's time zone.",
    {
        PeriodPreset.THIS_MONTH: "The current calendar month (the only period with a trend).",
        PeriodPreset.LAST_MONTH: "The previous calendar month.",
        PeriodPreset.CURRENT_BILLING_PERIOD: "The billing period containing today (it starts on the plan's billingAnchorDay).",
        PeriodPreset.PREVIOUS_BILLING_PERIOD: "The billing period before the current one.",
    },
)
graphql_enum(
    Granularity,
    "Bucket size of a time series.",
    {
        Granularity.DAY: "One bucket per local day.",
        Granularity.WEEK: "One bucket per week, starting on Mondays.",
        Granularity.MONTH: "One bucket per calendar month.",
    },
)

graphql_enum(
    RuleKind,
    "What an alert rule watches.",
    {
        RuleKind.CREDITS_REMAINING_BELOW: "Interview credits remaining in the current billing period below each threshold (credits, or percent of the allocation). Needs consumption:view.",
        RuleKind.RUNS_OUT_BEFORE_PERIOD_END: "The forecast's run-out day falls before the billing period ends (and within withinDays of today when set). Needs consumption:view.",
        RuleKind.AI_CREDITS_ABOVE: "AI credits charged this calendar month above each threshold: the organization's, one member's or one model tier's. Needs credits:view.",
        RuleKind.OPENING_CREDITS_ABOVE: "One opening's interview credits used this billing period above each threshold. Needs consumption:view.",
    },
    name="AlertRuleKind",
)
graphql_enum(
    ThresholdUnit,
    "How an alert rule's thresholds count.",
    {
        ThresholdUnit.AMOUNT: "Credits.",
        ThresholdUnit.PERCENT: "Percent of the billing period's allocation (CREDITS_REMAINING_BELOW only).",
    },
    name="AlertThresholdUnit",
)
graphql_enum(
    EventType,
    "The versioned type of a webhook event.",
    {
        EventType.CREDITS_REMAINING_BELOW: "credits.remaining_below: a CREDITS_REMAINING_BELOW rule fired.",
        EventType.RUNS_OUT_BEFORE_PERIOD_END: "credits.runs_out_before_period_end: a RUNS_OUT_BEFORE_PERIOD_END rule fired.",
        EventType.AI_CREDITS_ABOVE: "ai_credits.above: an AI_CREDITS_ABOVE rule fired.",
        EventType.OPENING_CREDITS_ABOVE: "opening_credits.above: an OPENING_CREDITS_ABOVE rule fired.",
        EventType.WEBHOOK_TEST: "webhook.test: sent by sendTestWebhook.",
        EventType.BULK_EXPORT_FINISHED: "bulk_export.finished: a bulk export completed or failed.",
    },
    name="WebhookEventType",
)
graphql_enum(
    DeliveryStatus,
    "Where a webhook delivery stands.",
    {
        DeliveryStatus.PENDING: "Not delivered yet: its next attempt is scheduled.",
        DeliveryStatus.DELIVERED: "The endpoint answered 2xx.",
        DeliveryStatus.FAILED: "Given up: retries spent, a refused address, an answer that is not retried, or a disabled endpoint.",
    },
    name="WebhookDeliveryStatus",
)
graphql_enum(
    BulkExportKind,
    "What a bulk export holds: the rows of one of the synchronous exports.",
    {
        BulkExportKind.AI_USAGE: "The AI-usage export: one row per call, newest first (needs credits:view).",
        BulkExportKind.CONSUMPTION: "The consumption export: one row per local day and opening (needs consumption:view).",
    },
)
graphql_enum(
    BulkExportFormat,
    "The file format of a bulk export.",
    {
        BulkExportFormat.CSV: "CSV, byte for byte what GET /v1/exports/... sends for the same range.",
        BulkExportFormat.XLSX: "An Excel workbook with the same rows and cells as the synchronous export.",
        BulkExportFormat.JSONL: "JSON Lines: one JSON object per row, keys in camelCase after the columns.",
    },
)
graphql_enum(
    BulkExportStatus,
    "Where a bulk export stands.",
    {
        BulkExportStatus.QUEUED: "Waiting for a worker.",
        BulkExportStatus.RUNNING: "A worker is writing the file.",
        BulkExportStatus.COMPLETED: "The file is ready at url until expiresAt.",
        BulkExportStatus.FAILED: "The file could not be written (errorMessage says why); start another.",
        BulkExportStatus.EXPIRED: "The file was removed after expiresAt.",
    },
)

__all__ = [
    "AiBillingMode",
    "AiProvider",
    "BulkExportFormat",
    "BulkExportKind",
    "BulkExportStatus",
    "DeliveryStatus",
    "EventType",
    "Granularity",
    "InterviewStatus",
    "PeriodPreset",
    "Role",
    "RolloverRule",
    "RuleKind",
    "ThresholdUnit",
    "TrendBasis",
    "TrendDirection",
    "UsageReason",
]
