"""Usage & credits gateway: GraphQL over an organization's AI usage and interview credits."""
