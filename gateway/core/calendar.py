"""Local days, months and billing periods in an organization's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Every date and date-time the API takes lies in these years: far from the ends of Python's
# and the databases' calendars, so shifting a period by a year or a zone never overflows.
FIRST_SUPPORTED_DAY = date(1900, 1, 1)
LAST_SUPPORTED_DAY = date(2999, 12, 31)
SUPPORTED_RANGE = f"{FIRST_SUPPORTED_DAY.isoformat()} to {LAST_SUPPORTED_DAY.isoformat()}"


def unsupported_date(value: date | datetime) -> str | None:
    """Why ``value`` is outside the supported years (checked in its own offset and in UTC)."""
    days = [value.date() if isinstance(value, datetime) else value]
    if isinstance(value, datetime) and value.tzinfo is not None:
        try:
            days.append(value.astimezone(UTC).date())
        except OverflowError:
            return f"{value.isoformat()} is outside the supported range ({SUPPORTED_RANGE})"
    if all(FIRST_SUPPORTED_DAY <= day <= LAST_SUPPORTED_DAY for day in days):
        return None
    return f"{value.isoformat()} is outside the supported range ({SUPPORTED_RANGE})"


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The local date of an instant, from the offset ``zone`` has at that very instant.

    No shortcut by UTC hour or quarter hour: offsets before standard time (local mean time,
    until 1900-1970 in many zones) are whole seconds, so a local midnight can fall anywhere.
    """
    return moment.astimezone(zone).date()


def month_start(day: date) -> date:
    return day.replace(day=1)


class DayBuckets(dict[date, tuple[date, date]]):
    """``buckets[day]`` is ``(day, month_start(day))``, made once per local day.

    Keyed by the local day itself (never by an instant), so sharing it between calls, zones
    and organizations is always exact; the rollup keys of a batch then share their dates.
    """

    __slots__ = ()

    def __missing__(self, day: date) -> tuple[date, date]:
        bucket = self[day] = (day, day.replace(day=1))
        return bucket


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant a local day starts (aware, in ``zone``)."""
    return datetime.combine(day, time(0), tzinfo=zone)


def billing_period_start(day: date, anchor_day: int) -> date:
    """First day of the billing period containing ``day`` (periods start on ``anchor_day``)."""
    if day.day >= anchor_day:
        return day.replace(day=anchor_day)
    return add_months(day.replace(day=anchor_day), -1)


def shift_year(day: date, years: int) -> date:
    """The same local day ``years`` earlier or later; 29 February maps to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
