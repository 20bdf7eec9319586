"""Standard Webhooks signatures (https://www.standardwebhooks.com): ``v1,`` + base64 of the
HMAC-SHA256 of ``id.timestamp.body`` keyed with the secret's bytes (pure: no I/O)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, message_id: str, timestamp: int, body: str) -> str:
    signed = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(
    secrets_now: Sequence[str], message_id: str, timestamp: int, body: str
) -> dict[str, str]:
    """The three headers; several secrets (a rotation) give several space-separated
    signatures, any of which a receiver accepts."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(secret, message_id, timestamp, body) for secret in secrets_now
        ),
    }
