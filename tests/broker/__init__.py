"""Tests of the NATS JetStream consumer, against a private nats-server."""
