"""Logging set-up for the server: access lines never carry a credential."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any
from urllib.parse import unquote_plus

from uvicorn.config import LOGGING_CONFIG

_SECRET_NAMES = frozenset({"token", "access_token", "api_key"})
# A query parameter: its name (maybe percent-encoded, e.g. ``%74oken``) and its value.
_PARAM = re.compile(r"([?&])([^=&\s?#]*)=([^&\s#]*)")


def redact(text: str) -> str:
    """``/graphql?token=eyJ...`` -> ``/graphql?token=[redacted]``, whatever the name's
    spelling: ``?TOKEN=``, ``?%74oken=`` and ``?api%5Fkey=`` are the same parameter to a server."""

    def replace(match: re.Match[str]) -> str:
        name = unquote_plus(unquote_plus(match.group(2))).strip().lower()
        if name in _SECRET_NAMES:
            return f"{match.group(1)}{match.group(2)}=[redacted]"
        return match.group(0)

    return _PARAM.sub(replace, text)


class RedactSecrets(logging.Filter):
    """GraphiQL links carry a token in the URL; keep it out of the access log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def uvicorn_log_config() -> dict[str, Any]:
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_secrets"] = {"()": "gateway.web.logs.RedactSecrets"}
    config["handlers"]["access"]["filters"] = ["redact_secrets"]
    return config
