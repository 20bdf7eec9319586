"""Operators' tools: recount an organization's rollups from its raw events, and rebuild them."""
