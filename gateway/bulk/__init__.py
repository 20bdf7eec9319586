"""Bulk exports: an export written to a file in the background, fetched at a signed URL."""
