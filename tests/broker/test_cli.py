"""``usage-gateway consume``: the missing setting, and ``--check``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.broker.conftest import NatsServer, free_port

REPO = Path(__file__).resolve().parents[2]


def consume(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", "consume", *args],
        cwd=REPO,
        env={**base, "PYTHONPATH": str(REPO), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_a_nats_url_the_command_names_the_variable() -> None:
    done = consume()
    assert done.returncode == 1
    assert "GATEWAY_NATS_URL" in done.stderr


def test_check_says_whether_it_can_connect(nats_server: NatsServer) -> None:
    ok = consume("--check", GATEWAY_NATS_URL=nats_server.url)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(f"connected to {nats_server.url}; JetStream is available")

    closed = f"nats://someone:hunter2@127.0.0.1:{free_port()}"
    refused = consume("--check", GATEWAY_NATS_URL=closed)
    assert refused.returncode == 1
    assert "cannot connect to nats://127.0.0.1:" in refused.stdout
    assert "hunter2" not in refused.stdout + refused.stderr
