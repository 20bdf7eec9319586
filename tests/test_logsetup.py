from __future__ import annotations

import logging

from gateway.logsetup import RedactSecrets, redact


def test_tokens_never_reach_the_access_log() -> None:
    assert redact("/graphql?token=eyJhbGciOi.x.y") == "/graphql?token=[redacted]"
    assert redact("/graphql?a=1&TOKEN=abc&b=2") == "/graphql?a=1&TOKEN=[redacted]&b=2"
    assert redact("/healthz") == "/healthz"
    # A server decodes parameter names: their encoded spellings are the same parameter.
    assert redact("/graphql?%74oken=abc") == "/graphql?%74oken=[redacted]"
    assert redact("/graphql?x=1&%54%4F%4B%45%4E=abc") == "/graphql?x=1&%54%4F%4B%45%4E=[redacted]"
    assert redact("/graphql?api%5Fkey=abc&a=b") == "/graphql?api%5Fkey=[redacted]&a=b"
    assert redact("/graphql?access_token=abc#x") == "/graphql?access_token=[redacted]#x"
    assert redact("/graphql?tokens=abc") == "/graphql?tokens=abc"
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
