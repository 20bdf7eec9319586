"""Settings → Usage in GraphQL."""
