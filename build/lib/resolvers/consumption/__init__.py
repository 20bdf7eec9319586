"""Tenant Management → Consumption in GraphQL."""
