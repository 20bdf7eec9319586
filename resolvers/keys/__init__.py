"""API keys and embed tokens in GraphQL."""
