from __future__ import annotations

import logging

from gateway.logsetup import RedactSecrets, redact


def test_tokens_never_reach_the_access_log() -> None:
    assert redact("/graphql?token=eyJhbGciOi.x.y") == "/graphql?token=[redacted]"
    assert redact("/graphql?a=1&TOKEN=abc&b=2") == "/graphql?a=1&TOKEN=[redacted]&b=2"
    assert redact("/healthz") == "/healthz"
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s"',
        ("1.2.3.4", "GET", "/graphql?token=secret"),
        None,
    )
    assert RedactSecrets().filter(record)
    assert "secret" not in record.getMessage()
