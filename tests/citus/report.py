"""The session's verdict: the recorded statements that do not name their organization."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path

from tests.citus.allowed import reason_for
from tests.citus.check import problems
from tests.citus.tables import distribution_columns

# sqlglot warns on every statement it keeps as a plain command (LOCK, SET...): they are judged
# by the table names they mention.
logging.getLogger("sqlglot").setLevel(logging.ERROR)


def offending(statements: Mapping[str, set[str]]) -> list[str]:
    """One paragraph per statement that fails the check and is not a listed exception."""
    tenant = distribution_columns()
    out: list[str] = []
    for statement in sorted(statements):
        found = problems(statement, tenant)
        if found and reason_for(statement, statements[statement]) is None:
            origins = ", ".join(sorted(statements[statement]))
            out.append(f"{'; '.join(found)} [from {origins}]\n    {' '.join(statement.split())}")
    return out


def dump(statements: Mapping[str, set[str]]) -> None:
    """Write the statements to ``$GATEWAY_TEST_STATEMENTS`` (to study them after a run)."""
    target = os.environ.get("GATEWAY_TEST_STATEMENTS")
    if target:
        rows = {s: sorted(o) for s, o in statements.items()}
        Path(target).write_text(json.dumps(rows, indent=1), encoding="utf-8")
