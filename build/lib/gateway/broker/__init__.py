"""The NATS JetStream consumer: usage events from a stream into the same ingest as ``/v1``."""
