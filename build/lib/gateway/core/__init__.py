"""Shared pure helpers: calendars, periods, buckets, money, cursors, errors, validation."""
