"""The rollup behind ``totalInterviews``: how many interviews were done on each local day, by
the day each one was last done before."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel


class InterviewDoneDay(SQLModel, table=True):
    """Interviews not simulated with a COMPLETED or PARTIALLY_COMPLETED event on local day
    ``day``, counted by the previous local day with such an event (0001-01-01 for none).

    The interviews done in whole local days ``[first, end)`` are the rows with ``day`` in that
    range and ``prev_day < first``: each such interview once, on its first done day in the
    range. A read of a few rows a day, however long the history. Recounted with the other
    interview rollups (time-zone change, ``rebuild-rollups``) and compared by ``verify``.
    """

    __tablename__ = "interview_done_days"

    org_id: str = Field(primary_key=True, max_length=64)
    day: date = Field(primary_key=True)
    prev_day: date = Field(primary_key=True)
    interviews: int = Field(default=0, sa_type=BigInteger)
