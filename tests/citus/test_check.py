"""The statement check fails on what Citus could not route, and passes what it can."""

from __future__ import annotations

import pytest

from tests.citus.allowed import reason_for
from tests.citus.check import problems
from tests.citus.report import offending
from tests.citus.tables import distribution_columns

TENANT = distribution_columns()

ROUTED = [
    "SELECT * FROM ai_calls WHERE org_id = $1 AND occurred_at >= $2",
    "SELECT * FROM ai_calls WHERE ai_calls.org_id = $1::VARCHAR",
    "SELECT * FROM ai_calls AS a JOIN members AS m ON m.org_id = a.org_id AND m.id = a.member_id "
    "WHERE a.org_id = $1",
    "SELECT * FROM ai_calls AS a JOIN ai_models ON ai_models.id = a.model_id WHERE a.org_id = $1",
    "UPDATE data_versions SET version = $2 WHERE org_id = ANY($1::text[])",
    "UPDATE data_versions SET version = $3 WHERE org_id IN ($1, $2)",
    "DELETE FROM members WHERE org_id = $1 AND id = $2",
    "SELECT * FROM organizations WHERE id = $1",
    "SELECT * FROM organizations AS o WHERE o.id = $1 "
    "AND EXISTS (SELECT 1 FROM members AS m WHERE m.org_id = o.id)",
    "WITH recent AS (SELECT * FROM ai_calls WHERE org_id = $1) SELECT * FROM recent",
    "SELECT d.n FROM (SELECT org_id, count(*) AS n FROM ai_calls WHERE org_id = $1 GROUP BY 1) "
    "AS d JOIN members ON members.org_id = d.org_id",
    "INSERT INTO ai_calls (org_id, event_id) SELECT * FROM unnest($1::text[], $2::text[]) "
    "ON CONFLICT (org_id, event_id) DO NOTHING",
    "INSERT INTO members VALUES ($1, $2)",
    "COPY ai_calls (org_id, event_id) FROM STDIN",
    "SELECT version FROM ai_models",
    "SELECT 1",
    "SELECT * FROM members WHERE members.org_id IN (NULL) AND (1 != 1) AND members.id = $1",
]

NOT_ROUTED = [
    ("SELECT * FROM ai_calls", "ai_calls: no org_id equality"),
    ("SELECT * FROM ai_calls WHERE org_id = $1 OR member_id = $2", "ai_calls: no org_id"),
    ("SELECT * FROM ai_calls WHERE org_id <> $1", "ai_calls: no org_id"),
    ("SELECT * FROM ai_calls WHERE org_id = member_id", "ai_calls: no org_id"),
    (
        "SELECT * FROM ai_calls AS a JOIN members AS m ON m.id = a.member_id WHERE a.org_id = $1",
        "members: no org_id",
    ),
    (
        "SELECT * FROM ai_calls WHERE org_id = $1 UNION ALL SELECT * FROM interview_events",
        "interview_events: no org_id",
    ),
    ("WITH x AS (SELECT * FROM ai_calls) SELECT * FROM x", "ai_calls: no org_id"),
    (
        "SELECT * FROM ai_calls WHERE org_id = $1 AND event_id IN "
        "(SELECT event_id FROM interview_events WHERE status = $2)",
        "interview_events: no org_id",
    ),
    ("UPDATE members SET name = $1 WHERE id = $2", "members: no org_id"),
    ("DELETE FROM api_keys WHERE key_hash = $1", "api_keys: no org_id"),
    ("SELECT * FROM organizations WHERE name = $1", "organizations: no id"),
    ("INSERT INTO ai_calls (event_id) VALUES ($1)", "ai_calls: written without org_id"),
    ("COPY ai_calls (event_id) FROM STDIN", "ai_calls: written without org_id"),
    ("LOCK TABLE ai_calls IN SHARE MODE", "LOCK on ai_calls"),
    ("TRUNCATE ai_calls, ai_models", "TRUNCATE of ai_calls"),
]


@pytest.mark.parametrize("sql", ROUTED)
def test_routed_statements_pass(sql: str) -> None:
    assert problems(sql, TENANT) == []


@pytest.mark.parametrize(("sql", "expected"), NOT_ROUTED)
def test_statements_without_their_organization_fail(sql: str, expected: str) -> None:
    found = problems(sql, TENANT)
    assert found, sql
    assert any(p.startswith(expected) for p in found), found


def test_the_session_verdict_names_the_offender_and_its_sender() -> None:
    bad = "SELECT * FROM members WHERE email = $1"
    verdict = offending({bad: {"gateway/orgs/member_queries.py"}, ROUTED[0]: {"tests/x.py"}})
    assert len(verdict) == 1
    assert "members: no org_id" in verdict[0] and "gateway/orgs/member_queries.py" in verdict[0]
    assert bad in verdict[0]


def test_exceptions_are_by_statement_or_by_every_sender() -> None:
    assert reason_for("TRUNCATE ai_calls, members", {"tests/conftest.py"})
    migration = "gateway/storage/migrations/versions/0002_data_versions.py"
    assert reason_for("SELECT id FROM organizations", {migration})
    assert reason_for("SELECT id FROM organizations", {migration, "gateway/orgs/x.py"}) is None
    assert reason_for("SELECT count(*) FROM ai_calls", {"tests/broker/streams.py"})
    assert reason_for("SELECT count(*) FROM ai_calls", set()) is None
