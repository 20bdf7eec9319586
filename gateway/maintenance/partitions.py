"""``usage-gateway partitions``: ``ai_calls``' monthly partitions made ahead, and the raw calls
past retention dropped (rollups are never touched: every past card stays exact).

On PostgreSQL ``ai_calls`` is partitioned by UTC month of ``occurred_at`` (migration 0008): the
command creates the partitions of the current month and of ``ahead`` months after it, splits
off the default partition any month whose calls landed there, and, with a retention of N
months, drops the partitions of the months before the Nth month back (and the default
partition's calls of those months) with their ids. SQLite keeps one plain table: retention
deletes its old calls. Either way the instant the raw calls are kept from is recorded, so the
activity log can say it and the ingest can refuse calls older than that.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from gateway.core.calendar import add_months
from gateway.maintenance import partition_queries as q
from gateway.storage.db import Database
from gateway.storage.versions import move_catalog_version
from gateway.usage import queries as usage_queries

# Retention keeps at least last month whole: the trend card reads raw calls of last month's
# partial day, in any time zone (UTC months are what partitions split on).
MIN_RETENTION_MONTHS = 2


@dataclass
class PartitionReport:
    """What one run did."""

    partitioned: bool
    created: list[date] = field(default_factory=list)
    dropped: list[date] = field(default_factory=list)
    deleted_calls: int = 0
    kept_since: datetime | None = None


def _utc_month(moment: datetime) -> date:
    moment = moment.astimezone(UTC)
    return date(moment.year, moment.month, 1)


async def maintain(
    db: Database, *, now: datetime, ahead: int, retention_months: int | None
) -> PartitionReport:
    """Create partitions ahead and apply retention, in one transaction."""
    if retention_months is not None and retention_months < MIN_RETENTION_MONTHS:
        raise ValueError(f"a retention of at least {MIN_RETENTION_MONTHS} months is needed")
    current = _utc_month(now)
    async with db.write() as conn:
        report = PartitionReport(partitioned=await q.is_partitioned(conn))
        if retention_months is not None:
            cutoff = add_months(current, -retention_months)
            kept_since = q.month_instant(cutoff)
            before = await usage_queries.raw_kept_since(conn)
            # Retention only ever moves forward: a longer setting cannot bring calls back.
            report.kept_since = max(kept_since, before) if before is not None else kept_since
            if report.partitioned:
                for month in await q.monthly_partitions(conn):
                    if month < cutoff:
                        report.deleted_calls += await q.drop_partition(conn, month)
                        report.dropped.append(month)
                report.deleted_calls += await q.delete_default_before(conn, cutoff)
            else:
                report.deleted_calls += await q.delete_calls_before(conn, kept_since)
            if report.kept_since != before:
                await q.set_kept_since(conn, report.kept_since)
            if report.deleted_calls or report.dropped or report.kept_since != before:
                # The activity log of every organization may have changed: no cached answer
                # may outlive it.
                await move_catalog_version(conn)
        else:
            report.kept_since = await usage_queries.raw_kept_since(conn)
        if report.partitioned:
            have = set(await q.monthly_partitions(conn))
            wanted = {add_months(current, n) for n in range(ahead + 1)}
            wanted |= set(await q.months_in_default(conn))
            for month in sorted(wanted - have):
                await q.create_partition(conn, month)
                report.created.append(month)
    return report


def describe(report: PartitionReport) -> list[str]:
    """The lines the command prints."""
    if not report.partitioned:
        lines = ["ai_calls is one plain table here (SQLite): no partitions to make"]
    else:
        made = ", ".join(q.partition_name(m) for m in report.created) or "none (all there)"
        lines = [f"partitions created: {made}"]
        if report.dropped:
            lines.append(f"partitions dropped: {', '.join(map(q.partition_name, report.dropped))}")
    if report.deleted_calls:
        lines.append(f"raw calls dropped: {report.deleted_calls:,} (rollups kept)")
    if report.kept_since is not None:
        lines.append(f"raw calls kept since {report.kept_since.isoformat()}")
    else:
        lines.append("raw calls: all kept (GATEWAY_RAW_RETENTION_MONTHS unset)")
    return lines


async def partitions_command(
    url: str, *, now: datetime, ahead: int, retention_months: int | None
) -> int:
    """``usage-gateway partitions``: 0 when done, 2 on a bad argument."""
    if ahead < 0:
        print("usage-gateway: --ahead must be 0 or more", file=sys.stderr)
        return 2
    db = Database.from_url(url)
    try:
        report = await maintain(db, now=now, ahead=ahead, retention_months=retention_months)
    except ValueError as exc:
        print(f"usage-gateway: {exc}", file=sys.stderr)
        return 2
    finally:
        await db.dispose()
    for line in describe(report):
        print(line)
    return 0
