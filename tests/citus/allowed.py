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
]


CROSS_TENANT_CODE: list[tuple[str, str]] = [
    (
        "gateway/storage/migrations/",
        "schema migrations backfill every organization once, while the gateway is stopped",
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
