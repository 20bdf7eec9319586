"""Operational metrics beyond requests by route: GraphQL operations and errors, ingest
outcomes, rate-limit refusals, the database pool, statement timeouts and read replicas.

They live in the app's registry (:class:`gateway.metrics.Metrics`), so they add up across
workers the same way (``PROMETHEUS_MULTIPROC_DIR``). Label values are bounded: operation names
are truncated and capped, error codes and ingest kinds are fixed sets.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from gateway.core.errors import ErrorCode
from gateway.core.requestinfo import RequestInfo
from gateway.storage.db import Database
from gateway.storage.replicas import Replica, ReplicaSet
from gateway.storage.routing import PRIMARY

MAX_OPERATION_LENGTH = 64
MAX_OPERATIONS = 100
ANONYMOUS = "anonymous"
OTHER = "other"
_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")
_KNOWN_CODES = {code.value for code in ErrorCode}

# Ingest routes and the kind of data they take.
INGEST_KINDS = {
    "/v1/ingest/ai-calls": "ai_call",
    "/v1/ingest/interview-events": "interview_event",
    "/v1/orgs/{orgId}/credit-purchases": "credit_purchase",
}
# Answers of an ingest route that refuse the data itself (not the credential).
_REJECTED = {400, 409, 413, 422}


class OperationNames:
    """Bounded label values: the first ``limit`` distinct names (truncated), then "other"."""

    def __init__(self, limit: int = MAX_OPERATIONS, length: int = MAX_OPERATION_LENGTH) -> None:
        self.limit = limit
        self.length = length
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def label(self, name: str | None) -> str:
        if not name:
            return ANONYMOUS
        if not _NAME.match(name):
            return OTHER
        name = name[: self.length]
        if name in self._seen:
            return name
        with self._lock:
            if len(self._seen) < self.limit:
                self._seen.add(name)
                return name
        return OTHER


class OpsMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.operations = OperationNames()
        self.graphql_latency = Histogram(
            "gateway_graphql_request_seconds",
            "GraphQL request latency by operation name (anonymous, or other past the cap).",
            ["operation"],
            buckets=(0.005, 0.01, 0.02, 0.04, 0.06, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5),
            registry=registry,
        )
        self.graphql_errors = Counter(
            "gateway_graphql_errors",
            "Errors of GraphQL responses by extensions.code.",
            ["code"],
            registry=registry,
        )
        self.ingest_events = Counter(
            "gateway_ingest_events",
            "Ingested events by kind and outcome (accepted, duplicate).",
            ["kind", "outcome"],
            registry=registry,
        )
        self.ingest_rejected = Counter(
            "gateway_ingest_rejected_batches",
            "Ingest batches refused as a whole (400, 409, 413, 422) by kind.",
            ["kind"],
            registry=registry,
        )
        self.rate_limited = Counter(
            "gateway_rate_limited",
            "GraphQL requests refused by the per-credential rate limit.",
            registry=registry,
        )
        self.pool_in_use = Gauge(
            "gateway_db_pool_in_use",
            "Database connections checked out of the pool.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.statement_timeouts = Counter(
            "gateway_db_statement_timeouts",
            "Database statements cancelled by the statement timeout.",
            registry=registry,
        )

    def watch_pool(self, db: Database) -> None:
        """Follow the database pool's checkouts and checkins."""
        gauge = self.pool_in_use
        gauge.set(db.on_pool_change(gauge.inc, gauge.dec))

    def observe(
        self,
        info: RequestInfo,
        *,
        route: str,
        status: int,
        seconds: float,
        ingest: dict[str, Any] | None,
    ) -> str | None:
        """Record one finished request; returns its bounded operation label (GraphQL only)."""
        label: str | None = None
        if info.graphql:
            label = self.operations.label(info.operation)
            self.graphql_latency.labels(label).observe(seconds)
        codes = list(info.error_codes)
        if route == "/graphql" and not codes:
            if status == 401:
                codes.append(ErrorCode.UNAUTHENTICATED.value)
            elif status == 413:
                codes.append(ErrorCode.PAYLOAD_TOO_LARGE.value)
        for code in codes:
            self.graphql_errors.labels(code if code in _KNOWN_CODES else OTHER).inc()
            if code == ErrorCode.RATE_LIMITED.value:
                self.rate_limited.inc()
        kind = INGEST_KINDS.get(route)
        if kind is not None:
            if ingest is not None:
                self.ingest_events.labels(kind, "accepted").inc(int(ingest.get("accepted", 0)))
                self.ingest_events.labels(kind, "duplicate").inc(int(ingest.get("duplicates", 0)))
            elif status in _REJECTED:
                self.ingest_rejected.labels(kind).inc()
        if info.statement_timeouts:
            self.statement_timeouts.inc(info.statement_timeouts)
        return label


class ReplicaMetrics:
    """Read replicas: each one's lag and whether it takes reads (updated by every health poll),
    and where the reads of GraphQL requests ran. Labels name servers by host:port only."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.lag = Gauge(
            "gateway_db_replica_lag_seconds",
            "Replay lag of each read replica (host:port); NaN while it cannot be polled.",
            ["replica"],
            registry=registry,
            multiprocess_mode="max",
        )
        self.in_rotation = Gauge(
            "gateway_db_replica_in_rotation",
            "1 while the read replica (host:port) may take page reads, else 0.",
            ["replica"],
            registry=registry,
            multiprocess_mode="max",
        )
        self.reads = Counter(
            "gateway_db_reads",
            "Read sessions of GraphQL requests (one per query function or loader batch) by "
            "where they ran: primary, or a replica's host:port. Counted only with replicas.",
            ["database"],
            registry=registry,
        )

    def watch(self, replicas: ReplicaSet) -> None:
        for replica in replicas.replicas:
            self.in_rotation.labels(replica.name).set(0)
            self.reads.labels(replica.name)
        self.reads.labels(PRIMARY)
        replicas.listeners.append(self._polled)

    def _polled(self, replicas: Sequence[Replica]) -> None:
        for replica in replicas:
            lag = replica.lag_s if replica.lag_s is not None else math.nan
            self.lag.labels(replica.name).set(lag)
            self.in_rotation.labels(replica.name).set(int(replica.in_rotation))

    def read(self, database: str) -> None:
        self.reads.labels(database).inc()
