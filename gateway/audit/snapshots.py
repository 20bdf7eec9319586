"""The values before and after a change, as the audit log keeps them (pure: no I/O).

A snapshot is a flat JSON object with camelCase keys. Secrets never enter it: a field whose name
says it holds a secret (a webhook signing secret, an API key's hash, a token) is replaced by
``SECRET_MARKER`` when it is set, and so is any text that looks like one of the gateway's own
secrets (``whsec_...``, ``ugk_...``) wherever it appears. A URL keeps its scheme, host and path:
its query and any user or password (where receivers often carry a token) read as the marker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson

from gateway.core.exports import decimal_text

SECRET_MARKER = "[redacted]"
# Words that make a field a secret, wherever they appear in its name.
SECRET_WORDS = ("secret", "hash", "token", "password")
# Fields named exactly so hold a secret too (an API key's "key").
SECRET_NAMES = frozenset({"key", "api_key"})
# The prefixes of the secrets the gateway makes (webhook signing secrets, API keys).
SECRET_PREFIXES = ("whsec_", "ugk_")
# Never worth a line: the organization is the log's own, and the event has its own time.
SKIPPED = frozenset({"org_id", "updated_at"})
# Amounts kept in whole ten-thousandths (``*_e4``) are shown as decimals.
E4_SUFFIX = "_e4"
E4_PLACES = 4

Snapshot = dict[str, Any]


def is_secret_name(name: str) -> bool:
    lower = name.lower()
    return lower in SECRET_NAMES or any(word in lower for word in SECRET_WORDS)


def safe_url(url: str) -> str:
    """The URL without what may authenticate to it: its query and its user information."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return SECRET_MARKER
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    if parts.username is not None or parts.password is not None:
        host = f"{SECRET_MARKER}@{host}"
    query = SECRET_MARKER if parts.query else ""
    return urlunsplit((parts.scheme, host, parts.path, query, ""))


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _plain(value: Any) -> Any:
    """A JSON value for ``value``; text that looks like a secret becomes the marker."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return SECRET_MARKER if value.startswith(SECRET_PREFIXES) else value
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return _object(value)
    if is_dataclass(value) and not isinstance(value, type):
        return _object({f.name: getattr(value, f.name) for f in fields(value)})
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(item) for item in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return _plain(str(value))


def _object(values: Mapping[str, Any]) -> Snapshot:
    out: Snapshot = {}
    for name, value in values.items():
        if name in SKIPPED:
            continue
        if is_secret_name(name):
            out[camel(name)] = None if value is None else SECRET_MARKER
        elif (name == "url" or name.endswith("_url")) and isinstance(value, str):
            out[camel(name)] = safe_url(value)
        elif name.endswith(E4_SUFFIX) and (value is None or type(value) is int):
            shown = None if value is None else decimal_text(value, E4_PLACES)
            out[camel(name.removesuffix(E4_SUFFIX))] = shown
        else:
            out[camel(name)] = _plain(value)
    return out


def snapshot(value: object) -> Snapshot | None:
    """The snapshot of a record (a dataclass) or a mapping of its values; None stays None."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return _object(value)
    if is_dataclass(value) and not isinstance(value, type):
        return _object({f.name: getattr(value, f.name) for f in fields(value)})
    raise TypeError(f"cannot take a snapshot of {type(value).__name__}")


def to_json(values: Snapshot | None) -> str | None:
    if values is None:
        return None
    return orjson.dumps(values, option=orjson.OPT_SORT_KEYS).decode()


def from_json(text: str | None) -> Snapshot | None:
    if text is None:
        return None
    loaded: Snapshot = orjson.loads(text)
    return loaded
