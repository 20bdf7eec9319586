"""Roles, permissions and how an organization pays: each defined once, here."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ACCOUNT_ADMIN = "ACCOUNT_ADMIN"
    ADMIN = "ADMIN"
    STAFFING = "STAFFING"
    INTERVIEWER = "INTERVIEWER"


class Permission(StrEnum):
    CREDITS_VIEW = "credits:view"
    CONSUMPTION_VIEW = "consumption:view"
    ALERTS_MANAGE = "alerts:manage"
    KEYS_MANAGE = "keys:manage"
    AUDIT_VIEW = "audit:view"


class AiBillingMode(StrEnum):
    CREDITS = "CREDITS"
    BYOK = "BYOK"


class AiProvider(StrEnum):
    ANTHROPIC = "ANTHROPIC"
    OPENAI = "OPENAI"


class RolloverRule(StrEnum):
    NONE = "NONE"
    FULL = "FULL"
    CAPPED = "CAPPED"


PROVIDER_NAMES = {AiProvider.ANTHROPIC: "Anthropic", AiProvider.OPENAI: "OpenAI"}
