"""Prometheus metrics of the consumer, in a registry of its own."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class BrokerMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.taken = Counter(
            "gateway_broker_messages",
            "Messages taken from the stream and acknowledged, by kind.",
            ["kind"],
            registry=self.registry,
        )
        self.duplicates = Counter(
            "gateway_broker_duplicates",
            "Messages whose event was already stored (replays and second copies), by kind.",
            ["kind"],
            registry=self.registry,
        )
        self.dead = Counter(
            "gateway_broker_dead_letters",
            "Messages moved to the dead-letter subject, by kind and reason.",
            ["kind", "reason"],
            registry=self.registry,
        )
        self.retries = Counter(
            "gateway_broker_retried_batches",
            "Batches negatively acknowledged after a transient failure, by kind.",
            ["kind"],
            registry=self.registry,
        )
        self.batch_seconds = Histogram(
            "gateway_broker_batch_seconds",
            "From a fetched batch to its acknowledgements (committed), by kind.",
            ["kind"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.pending = Gauge(
            "gateway_broker_pending",
            "Messages of the durable consumer not delivered yet (consumer lag), by kind.",
            ["kind"],
            registry=self.registry,
        )
