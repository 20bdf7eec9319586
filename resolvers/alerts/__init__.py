"""Alert rules, alerts and webhook endpoints in GraphQL: the schema's first mutations."""
