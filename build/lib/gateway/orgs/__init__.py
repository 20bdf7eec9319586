"""Organizations, members, plans, API keys and the credentials that name a caller."""
