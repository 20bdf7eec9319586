"""The web shell: pages served by the gateway itself."""
