"""Plain-Python models of the gateway's numbers, computed from raw events, for the tests."""
