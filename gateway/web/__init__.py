"""The web shell: app factory, middleware, the GraphQL view, GraphiQL, metrics, files."""
