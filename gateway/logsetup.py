"""Logging of every process (server, consumer): structured lines (JSON, or human-readable
``console``), one access line per request from :mod:`gateway.web.accesslog` in place of
uvicorn's, and no credential ever.

Every line goes through the standard library and one structlog formatter, so uvicorn's own
lines, warnings and errors come out in the same format, with the request id when they are
written during a request. ``uvicorn`` applies the configuration in every worker process.
"""

from __future__ import annotations

import logging
import logging.config
import re
from collections.abc import MutableMapping
from typing import Any, Literal
from urllib.parse import unquote_plus

import orjson
import structlog

from gateway.core import requestinfo

LogFormat = Literal["json", "console"]

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


_BEARER = re.compile(r"(?i)\b(bearer\s+)[^\s\"',]+")
_API_KEY = re.compile(r"\bugk_[A-Za-z0-9_-]+")
_WEBHOOK_SECRET = re.compile(r"\bwhsec_[A-Za-z0-9+/=]+")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# Keys uvicorn adds for its coloured console output.
_DROPPED = ("color_message",)


def redact_secrets(text: str) -> str:
    """Tokens in URLs, bearer tokens, API keys, webhook secrets and JWTs, wherever they
    appear."""
    text = redact(text)
    text = _BEARER.sub(r"\1[redacted]", text)
    text = _API_KEY.sub("ugk_[redacted]", text)
    text = _WEBHOOK_SECRET.sub("whsec_[redacted]", text)
    return _JWT.sub("[redacted]", text)


def _redact_event(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> Any:
    for key in _DROPPED:
        event_dict.pop(key, None)
    for key, value in event_dict.items():
        if isinstance(value, str):
            event_dict[key] = redact_secrets(value)
    return event_dict


def _add_request_id(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> Any:
    info = requestinfo.current()
    if info is not None and info.request_id and "request_id" not in event_dict:
        event_dict["request_id"] = info.request_id
    return event_dict


def _dumps(obj: Any, **_kwargs: Any) -> str:
    return orjson.dumps(obj, default=str).decode()


def formatter(renderer: LogFormat = "json") -> structlog.stdlib.ProcessorFormatter:
    """The one formatter of every handler (``()`` factory of the logging configuration)."""
    final: Any = (
        structlog.dev.ConsoleRenderer(colors=False)
        if renderer == "console"
        else structlog.processors.JSONRenderer(serializer=_dumps)
    )
    pre_chain: list[Any] = [
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_request_id,
    ]
    _configure_structlog(pre_chain)
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=pre_chain,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _redact_event,
            final,
        ],
    )


def _configure_structlog(pre_chain: list[Any]) -> None:
    """Loggers from ``structlog.get_logger()`` hand their events to the same formatter."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *[p for p in pre_chain if not isinstance(p, structlog.stdlib.ExtraAdder)],
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def log_config(log_format: LogFormat = "json", level: str = "info") -> dict[str, Any]:
    """The ``logging.config.dictConfig`` of ``usage-gateway serve`` (``log_config=`` of uvicorn).

    Our access lines (``gateway.access``) replace uvicorn's access log, which is switched off.
    """
    level_name = level.upper()
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "structured",
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": {"()": f"{__name__}.formatter", "renderer": log_format}},
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level_name, "propagate": False},
            "uvicorn.error": {"level": level_name},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "gateway": {"handlers": ["default"], "level": level_name, "propagate": False},
        },
        "root": {"handlers": ["default"], "level": "WARNING"},
    }


def configure_logging(log_format: LogFormat = "json", level: str = "info") -> None:
    """Apply :func:`log_config` to this process (commands that log without uvicorn)."""
    logging.config.dictConfig(log_config(log_format, level))
