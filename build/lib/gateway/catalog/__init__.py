"""The AI model catalog and its append-only prices."""
