"""Settings, read from the environment (prefix ``GATEWAY_``)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.clock import Clock, shifted_clock

DEV_JWT_SECRET = "dev-jwt-secret-change-me-0123456789abcdef"
DEV_SERVICE_TOKEN = "dev-service-token"


class ConfigurationError(RuntimeError):
    """Raised at start-up when the settings cannot run safely."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite+aiosqlite:///./gateway.db"
    # PostgreSQL streaming replicas for page reads, comma-separated (gateway/storage/replicas.py);
    # one out of rotation while it lags past the bound or fails, polled every interval.
    database_replica_urls: str = ""
    replica_max_lag_seconds: float = Field(default=5.0, gt=0)
    replica_poll_seconds: float = Field(default=1.0, gt=0)
    jwt_secret: str = DEV_JWT_SECRET
    jwt_jwks_url: str | None = None
    jwt_audience: str | None = None
    service_token: str = DEV_SERVICE_TOKEN
    redis_url: str | None = None
    # The size of each credential's bucket of cost points (0 turns the limit off), and how many
    # points a second flow back into it (default: a full bucket a minute).
    rate_limit_points: int = Field(default=50_000, ge=0)
    rate_limit_restore_per_second: float | None = Field(default=None, gt=0)
    # The exact response cache of /graphql answers: bytes per process (0 turns it and the
    # ETags off), and how long an answer stays in Redis when GATEWAY_REDIS_URL is set.
    response_cache_bytes: int = Field(default=32 << 20, ge=0)
    response_cache_ttl_s: int = Field(default=600, ge=1)
    # Member tokens may only run the registered (trusted) documents; API keys keep full GraphQL.
    trusted_documents_only: bool = False
    # A persisted-documents manifest ({"sha256:<hex>": "<document>"}, as GraphQL Code Generator's
    # client-preset writes it) whose documents are trusted too, checked at start-up.
    trusted_documents_file: str | None = None
    # Who may show /dashboard in an iframe (the CSP's frame-ancestors: space-separated origins,
    # e.g. "https://app.partner.example"); 'none' by default.
    dashboard_frame_ancestors: str = Field(default="'none'", pattern=r"^[^;,\r\n]+$")
    # The trusted documents run from plans made at start-up instead of graphql-core (0: off).
    planned_documents: bool = True
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(default=1, ge=1)
    log_level: str = "info"
    log_format: Literal["json", "console"] = "json"
    # OpenTelemetry tracing: "otlp" or "console"; unset = off (see gateway/tracing.py).
    otel_exporter: Literal["otlp", "console"] | None = None
    # Echo every SQL statement (debugging only).
    sql_echo: bool = False
    # When the database or Redis fails (gateway/storage/faults.py, gateway/web/faults.py).
    statement_timeout_ms: int = Field(default=5_000, ge=0)
    db_connect_timeout_s: float = Field(default=5.0, gt=0)
    db_pool_timeout_s: float = Field(default=5.0, gt=0)
    redis_timeout_s: float = Field(default=0.5, gt=0)
    redis_retry_s: float = Field(default=5.0, ge=0)
    retry_after_s: int = Field(default=5, ge=1)
    shutdown_grace_s: int = Field(default=30, ge=1)
    # The NATS JetStream consumer (``usage-gateway consume``).
    nats_url: str | None = None
    nats_stream: str = "USAGE"
    nats_subject_prefix: str = "usage"
    nats_durable: str = "usage-gateway"
    nats_batch: int = Field(default=1_000, ge=1, le=10_000)
    nats_ack_wait_seconds: float = Field(default=30.0, gt=0)
    nats_nak_delay_seconds: float = Field(default=5.0, ge=0)
    nats_fetch_timeout_seconds: float = Field(default=1.0, gt=0)
    nats_duplicate_window_seconds: float = Field(default=120.0, gt=0)
    # Copies of the stream (and its consumers) across a JetStream cluster, set at creation: 3
    # keeps every message and every consumer's position through the loss of one node.
    nats_stream_replicas: int = Field(default=1, ge=1, le=5)
    nats_metrics_port: int | None = Field(default=None, ge=0, le=65535)
    # Webhooks may go to loopback, private and link-local addresses (a receiver on the same
    # host or network: development and tests). Off, such URLs are refused.
    webhooks_allow_private: bool = False
    # Bulk exports (``usage-gateway bulk``): where the worker writes the files (a directory
    # every replica serving /v1/bulk-exports/.../download can read), how long a file is kept,
    # the worker's lease on a job (renewed while it writes; past it, a job whose worker died is
    # taken again), and the key that signs download URLs (default: derived from the JWT secret).
    bulk_export_dir: str = str(Path(tempfile.gettempdir()) / "usage-gateway-bulk-exports")
    bulk_export_ttl_hours: float = Field(default=168.0, gt=0)
    bulk_export_lease_s: float = Field(default=120.0, gt=0)
    bulk_export_secret: str | None = None
    # Raw AI calls are kept this many UTC months back from the current one (at least 2; unset:
    # all of them); `usage-gateway partitions` drops the older ones, rollups stay.
    raw_retention_months: int | None = Field(default=None, ge=2)
    # Moves this process's clock by so many seconds (tests and demos of another day; refused in
    # production). Every process of a deployment must be given the same value.
    clock_offset_seconds: float = 0.0

    @property
    def clock(self) -> Clock:
        """This process's "now": the system clock, moved by ``clock_offset_seconds``."""
        return shifted_clock(self.clock_offset_seconds)

    @property
    def replica_urls(self) -> list[str]:
        """``GATEWAY_DATABASE_REPLICA_URLS`` as a list (empty: every read on the primary)."""
        return [url.strip() for url in self.database_replica_urls.split(",") if url.strip()]

    @property
    def restore_per_second(self) -> float:
        return self.rate_limit_restore_per_second or max(self.rate_limit_points, 1) / 60

    @model_validator(mode="after")
    def _replicas_are_postgres(self) -> Settings:
        for url in self.replica_urls:
            if not url.startswith("postgresql") or not self.database_url.startswith("postgresql"):
                raise ConfigurationError(
                    "GATEWAY_DATABASE_REPLICA_URLS takes PostgreSQL URLs, "
                    "beside a PostgreSQL GATEWAY_DATABASE_URL"
                )
        return self

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> Settings:
        if self.env != "production":
            return self
        if self.clock_offset_seconds:
            raise ConfigurationError(
                "GATEWAY_CLOCK_OFFSET_SECONDS moves the clock for tests and demos; "
                "it is refused when GATEWAY_ENV=production"
            )
        if not self.jwt_secret or self.jwt_secret == DEV_JWT_SECRET:
            raise ConfigurationError(
                "GATEWAY_JWT_SECRET must be set to a secret of your own when GATEWAY_ENV=production"
            )
        if len(self.jwt_secret) < 32:
            raise ConfigurationError(
                "GATEWAY_JWT_SECRET must be at least 32 characters when GATEWAY_ENV=production"
            )
        if not self.service_token or self.service_token == DEV_SERVICE_TOKEN:
            raise ConfigurationError(
                "GATEWAY_SERVICE_TOKEN must be set to a secret of your own "
                "when GATEWAY_ENV=production"
            )
        return self
