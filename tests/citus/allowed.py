"""Statements that touch tenant tables across organizations on purpose, and why.

Each entry is a regular expression matched against the whole statement text (whitespace
collapsed), or a directory of code every sender of the statement sits in, with the reason Citus
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
        r"SELECT max\(ai_calls\.occurred_at\) AS max_1 FROM ai_calls "
        r"WHERE ai_calls\.model_id = \$1::VARCHAR",
        "a new catalog price may not start before a call already priced with the old one, in "
        "any organization: an operator's rare write, a multi-shard read by model",
    ),
    (
        r"LOCK TABLE ai_calls, interview_events IN SHARE MODE",
        "usage-gateway verify --rebuild holds both event tables while it recounts one "
        "organization; Citus propagates the lock to every shard (all tenants' ingest waits "
        "for the rebuild, as on one server today)",
    ),
]


CROSS_TENANT_CODE: list[tuple[str, str]] = [
    (
        "gateway/storage/migrations/",
        "schema migrations backfill every organization once, while the gateway is stopped",
    ),
    (
        "tests/broker/s",
        "the broker tests compare every organization's stored numbers with the reference "
        "(support.py, streams.py): assertions, not the gateway's statements",
    ),
]


def reason_for(statement: str, origins: set[str]) -> str | None:
    for directory, reason in CROSS_TENANT_CODE:
        if origins and all(origin.startswith(directory) for origin in origins):
            return reason
    text = " ".join(statement.split())
    for pattern, reason in CROSS_TENANT:
        if re.fullmatch(pattern, text, flags=re.IGNORECASE | re.DOTALL):
            return reason
    return None
