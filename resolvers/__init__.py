"""Strawberry types and thin resolvers, one module per domain."""
