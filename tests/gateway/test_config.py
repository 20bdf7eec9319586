from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from gateway.clock import system_clock
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


def test_a_moved_clock_is_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_ENV", "production")
    monkeypatch.setenv("GATEWAY_JWT_SECRET", STRONG)
    monkeypatch.setenv("GATEWAY_SERVICE_TOKEN", STRONG)
    assert Settings().clock is system_clock
    monkeypatch.setenv("GATEWAY_CLOCK_OFFSET_SECONDS", "-86400")
    with pytest.raises(ConfigurationError, match="GATEWAY_CLOCK_OFFSET_SECONDS"):
        Settings()


def test_a_moved_clock_runs_from_its_instant_in_every_process() -> None:
    target = datetime(2027, 1, 1, 0, 5, tzinfo=UTC)
    offset = (target - datetime.now(UTC)).total_seconds()
    settings = Settings(env="test", clock_offset_seconds=offset)
    assert abs(settings.clock() - target) < timedelta(seconds=5)
    # Another process given the same offset agrees: here, the token command's expiry.
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "token", "--org", "o", "--member", "m"],
        # The whole environment: under libfaketime the child must see the same real clock.
        env={**os.environ, "GATEWAY_CLOCK_OFFSET_SECONDS": repr(offset)},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    claims = jwt.decode(result.stdout.strip(), options={"verify_signature": False})
    expires = datetime.fromtimestamp(claims["exp"], UTC)
    assert abs(expires - (target + timedelta(hours=24))) < timedelta(seconds=30)
