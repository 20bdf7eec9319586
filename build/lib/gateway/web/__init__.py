"""The web shell: app factory, middleware, the GraphQL view, GraphiQL, the dashboard, /v1."""
