"""Core ``Table`` objects of the models, for the query functions."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table

from gateway.storage import alert_models, audit_models, bulk_models, interview_models, models


def _t(model: type[object]) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


organizations = _t(models.Organization)
plan_versions = _t(models.PlanVersion)
members = _t(models.Member)
role_permissions = _t(models.RolePermission)
api_keys = _t(models.ApiKey)
embed_tokens = _t(models.EmbedToken)
ai_models = _t(models.AiModel)
model_prices = _t(models.ModelPrice)
ai_calls = _t(models.AiCall)
ai_call_ids = _t(models.AiCallId)
raw_retention = _t(models.RawRetention)
ai_daily_by_reason = _t(models.AiDailyByReason)
ai_daily_by_member = _t(models.AiDailyByMember)
ai_daily_by_model = _t(models.AiDailyByModel)
ai_monthly_by_reason = _t(models.AiMonthlyByReason)
ai_monthly_by_member = _t(models.AiMonthlyByMember)
ai_monthly_by_model = _t(models.AiMonthlyByModel)
openings = _t(models.Opening)
interview_events = _t(models.InterviewEvent)
credit_purchases = _t(models.CreditPurchase)
interview_daily = _t(models.InterviewDaily)
interview_monthly = _t(models.InterviewMonthly)
interview_day_candidates = _t(models.InterviewDayCandidate)
data_versions = _t(models.DataVersion)
interview_periods = _t(models.InterviewPeriod)
interview_done_days = _t(interview_models.InterviewDoneDay)
alert_rules = _t(alert_models.AlertRule)
alert_states = _t(alert_models.AlertState)
alerts = _t(alert_models.Alert)
webhook_endpoints = _t(alert_models.WebhookEndpoint)
webhook_deliveries = _t(alert_models.WebhookDelivery)
audit_events = _t(audit_models.AuditEvent)
bulk_exports = _t(bulk_models.BulkExport)
