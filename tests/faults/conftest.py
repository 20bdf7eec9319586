"""Fault tests run against private servers that they stop and start again."""

from tests.faults.servers import _postgres_cluster, private_postgres, private_redis

__all__ = ["_postgres_cluster", "private_postgres", "private_redis"]
