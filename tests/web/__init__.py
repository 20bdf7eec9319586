"""The dashboard: its routes, and both pages in a real browser."""
