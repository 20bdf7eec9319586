"""Opaque, signed cursors bound to an organization and a period."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Any

import orjson


class CursorError(ValueError):
    """A cursor that is not ours, was altered, or belongs elsewhere."""


class CursorCodec:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"cursor:" + secret.encode()).digest()

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:16]

    def encode(self, *, scope: list[Any], position: list[Any]) -> str:
        payload = orjson.dumps([scope, position])
        token = payload + self._sign(payload)
        return base64.urlsafe_b64encode(token).decode().rstrip("=")

    def decode(self, cursor: str, *, scope: list[Any]) -> list[Any]:
        """The position stored in ``cursor``; it must have been made for ``scope``."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            raise CursorError("the cursor is not valid") from None
        payload, signature = raw[:-16], raw[-16:]
        if len(raw) <= 16 or not hmac.compare_digest(signature, self._sign(payload)):
            raise CursorError("the cursor is not valid")
        stored_scope, position = orjson.loads(payload)
        if stored_scope != orjson.loads(orjson.dumps(scope)):
            raise CursorError("the cursor belongs to another organization, period or list")
        if not isinstance(position, list):
            raise CursorError("the cursor is not valid")
        return position
