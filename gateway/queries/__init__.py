"""All SQL of the gateway: async functions with keyword-only arguments, returning plain rows."""
