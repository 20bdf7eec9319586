"""Tenant Management → Consumption: interview events, credits, the ledger and its service."""
