"""The append-only audit log of an organization's changes."""
