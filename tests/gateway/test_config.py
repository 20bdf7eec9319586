from __future__ import annotations

import subprocess
import sys

import pytest

from gateway.config import DEV_JWT_SECRET, DEV_SERVICE_TOKEN, ConfigurationError, Settings

STRONG = "a-production-secret-of-sufficient-length-123"


def test_development_has_safe_local_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "GATEWAY_ENV",
        "GATEWAY_JWT_SECRET",
        "GATEWAY_SERVICE_TOKEN",
        "GATEWAY_DATABASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.database_url == "sqlite+aiosqlite:///./gateway.db"
    assert settings.jwt_secret == DEV_JWT_SECRET


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({}, "GATEWAY_JWT_SECRET"),
        ({"GATEWAY_JWT_SECRET": DEV_JWT_SECRET}, "GATEWAY_JWT_SECRET"),
        ({"GATEWAY_JWT_SECRET": "short"}, "GATEWAY_JWT_SECRET"),
        ({"GATEWAY_JWT_SECRET": STRONG}, "GATEWAY_SERVICE_TOKEN"),
        (
            {"GATEWAY_JWT_SECRET": STRONG, "GATEWAY_SERVICE_TOKEN": DEV_SERVICE_TOKEN},
            "GATEWAY_SERVICE_TOKEN",
        ),
    ],
)
def test_production_refuses_missing_or_default_secrets(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], variable: str
) -> None:
    for name in ("GATEWAY_JWT_SECRET", "GATEWAY_SERVICE_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GATEWAY_ENV", "production")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=variable):
        Settings()


def test_production_start_up_names_the_variable() -> None:
    env = {"GATEWAY_ENV": "production", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "GATEWAY_JWT_SECRET" in result.stderr
