"""Settings → Usage: AI calls, their rollups, the page's rules and its service."""
