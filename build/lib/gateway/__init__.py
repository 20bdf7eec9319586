"""The usage & credits gateway: an organization's AI usage and interview-credit numbers."""
