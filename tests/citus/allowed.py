"""Statements that touch tenant tables across organizations on purpose, and why.

Each entry is a regular expression matched against the whole statement text (whitespace
collapsed), or a file or directory holding every sender of the statement, with the reason Citus
may run it as a multi-shard statement.
"""

from __future__ import annotations

import re

CROSS_TENANT: list[tuple[str, str]] = [
    (
        r"TRUNCATE .*",
        "tests empty every table between tests (a multi-shard TRUNCATE Citus runs as such)",
    ),
    (
        r"SELECT api_keys\.org_id, .* FROM api_keys LEFT OUTER JOIN organizations "
        r"ON organizations\.id = api_keys\.org_id WHERE api_keys\.key_hash = \$\d+::VARCHAR",
        "an API key names no organization: its hash is looked up in every shard (a multi-shard "
        "read per key, once per credential cache miss). To route it, the key's text would have "
        "to carry its organization, or a reference table map hashes to organizations",
    ),
    (
        r"SELECT embed_tokens\.org_id, .* FROM embed_tokens LEFT OUTER JOIN organizations "
        r"ON organizations\.id = embed_tokens\.org_id WHERE embed_tokens\.token_hash = "
        r"\$\d+::VARCHAR",
        "an embed token names no organization either: its hash is looked up like an API key's",
    ),
    (
        r"SELECT max\(ai_calls\.occurred_at\) AS max_1 FROM ai_calls "
        r"WHERE ai_calls\.model_id = \$1::VARCHAR",
        "a new catalog price may not start before a call already priced with the old one, in "
        "any organization: an operator's rare write, a multi-shard read by model",
    ),
    (
        r"SELECT DISTINCT ai_calls\.org_id FROM ai_calls WHERE ai_calls\.model_id = \$1::VARCHAR",
        "a model's new provider or tier moves its calls in every organization that has any: "
        "an operator's rare write, a multi-shard read by model, then each organization's calls "
        "are read by its org_id",
    ),
    (
        r"SELECT DISTINCT alert_rules\.org_id FROM alert_rules WHERE alert_rules\.kind IN .*",
        "the periodic forecast check lists the organizations that have a run-out rule (a "
        "multi-shard read once a minute, then each organization's own evaluation is routed)",
    ),
    (
        r"SELECT webhook_deliveries\.org_id, webhook_deliveries\.id FROM webhook_deliveries "
        r"WHERE webhook_deliveries\.status = .* FOR UPDATE SKIP LOCKED",
        "a delivery worker claims the due deliveries of every organization (the outbox is "
        "drained across tenants; each claimed delivery is then read and written by its org_id)",
    ),
    (
        r"SELECT bulk_exports\.org_id, bulk_exports\.id FROM bulk_exports "
        r"WHERE bulk_exports\.status = .* FOR UPDATE SKIP LOCKED",
        "a bulk export worker claims the oldest waiting job of any organization (a queue "
        "drained across tenants; the claimed job is then read and written by its org_id)",
    ),
    (
        r"SELECT bulk_exports\.org_id, .* FROM bulk_exports "
        r"WHERE bulk_exports\.status = \$1::VARCHAR AND bulk_exports\.expires_at <= .*",
        "the bulk export worker finds the files past their expiry in every organization (a "
        "multi-shard read per round; each job is then marked expired by its org_id)",
    ),
    (
        r"SELECT organizations\.id FROM organizations",
        "bench.consumption_page's dataset builder lists the organizations of its own database "
        "to build the missing ones (a benchmark's set-up, never the gateway)",
    ),
    (
        r"drop schema if exists consumption_peer cascade; .*",
        "bench/consumption_peer.sql creates the peer's SQL functions (DDL: it reads no row; "
        "each function filters the tables it names by its organization argument)",
    ),
]


CROSS_TENANT_CODE: list[tuple[str, str]] = [
    (
        "gateway/maintenance/partition_queries.py",
        "ai_calls' monthly partitions hold every organization's calls of a month: the "
        "partitions command creates, splits and drops them (and the dropped calls' ids) for "
        "all organizations at once, an operator's scheduled job (on Citus, partitions of a "
        "distributed table are distributed alike and these run on every shard)",
    ),
    (
        "gateway/storage/migrations/",
        "schema migrations backfill every organization once, while the gateway is stopped",
    ),
    (
        "tests/broker/support.py",
        "the broker tests compare every organization's stored numbers with the reference",
    ),
    ("tests/broker/streams.py", "the broker tests count every stored call"),
    (
        "tests/maintenance/partition_support.py",
        "the partition tests count every row of a partition or table of their own database",
    ),
    (
        "tests/gateway/test_migration_partitions.py",
        "the migration test copies and compares whole tables of its own databases",
    ),
    (
        "tests/gateway/test_demo.py",
        "the demo's bulk checks: every organization, member and opening the demo seeded",
    ),
    (
        "tests/gateway/test_v1_ingest.py",
        "assertions read back the rows of the one organization the test created",
    ),
    (
        "tests/faults/",
        "fault injection (LOCK ... ACCESS EXCLUSIVE stalls a table) and the check that every "
        "organization's rollups still add up after the outage",
    ),
]


def reason_for(statement: str, origins: set[str]) -> str | None:
    # Every sender must be listed: a statement the gateway sends as well is not an exception.
    reasons = [
        next((reason for prefix, reason in CROSS_TENANT_CODE if origin.startswith(prefix)), None)
        for origin in origins
    ]
    if reasons and all(reasons):
        return "; ".join(sorted({r for r in reasons if r}))
    text = " ".join(statement.split())
    for pattern, reason in CROSS_TENANT:
        if re.fullmatch(pattern, text, flags=re.IGNORECASE | re.DOTALL):
            return reason
    return None
