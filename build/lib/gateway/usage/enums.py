"""What the Usage page names: reasons of AI calls and the trend's terms."""

from __future__ import annotations

from enum import StrEnum


class UsageReason(StrEnum):
    CHAT = "CHAT"
    GENERATE_FIELD = "GENERATE_FIELD"
    SUMMARIZE_CV = "SUMMARIZE_CV"

    @property
    def label(self) -> str:
        return REASON_LABELS[self]


REASON_LABELS = {
    UsageReason.CHAT: "Chat",
    UsageReason.GENERATE_FIELD: "Generate field",
    UsageReason.SUMMARIZE_CV: "Summarize CV",
}


class TrendBasis(StrEnum):
    PREVIOUS_MONTH = "PREVIOUS_MONTH"
    SAME_POINT_LAST_MONTH = "SAME_POINT_LAST_MONTH"


class TrendDirection(StrEnum):
    UP = "UP"
    DOWN = "DOWN"
    FLAT = "FLAT"
