"""ASGI entry point for servers: ``uvicorn --factory gateway.web.asgi:app_from_env``."""

from __future__ import annotations

from starlette.applications import Starlette

from gateway.config import Settings
from gateway.web.app import create_app


def app_from_env() -> Starlette:
    settings = Settings()
    return create_app(settings, clock=settings.clock)
