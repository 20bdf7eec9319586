"""Where an interview stands."""

from __future__ import annotations

from enum import StrEnum


class InterviewStatus(StrEnum):
    INVITED = "INVITED"
    STARTED = "STARTED"
    PARTIALLY_COMPLETED = "PARTIALLY_COMPLETED"
    COMPLETED = "COMPLETED"
    SIMULATION = "SIMULATION"


# The statuses whose events make an interview count as done.
DONE_STATUSES = (InterviewStatus.COMPLETED, InterviewStatus.PARTIALLY_COMPLETED)
