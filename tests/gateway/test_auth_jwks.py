"""RS256 member tokens verified against a JWKS URL (served here on loopback)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from gateway.storage.db import Database
from gateway.web.app import create_app
from tests.support import NOW, MovableClock, bearer, make_settings, put_member, put_org

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    jwk = json.loads(RSAAlgorithm.to_jwk(KEY.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/jwks.json"
    server.shutdown()


def _rs256(key: rsa.RSAPrivateKey, kid: str = "k1") -> str:
    claims = {"sub": "m1", "org": "acme", "exp": int((NOW + timedelta(hours=1)).timestamp())}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


async def test_rs256_tokens_from_a_jwks_url(db: Database, jwks_url: str) -> None:
    settings = make_settings().model_copy(update={"jwt_jwks_url": jwks_url})
    app = create_app(settings, db=db, clock=MovableClock(NOW))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        await put_org(client, "acme")
        await put_member(client, "acme", "m1")
        query = {"query": "{ organization { name } }"}
        ok = await client.post("/graphql", json=query, headers=bearer(_rs256(KEY)))
        assert ok.json()["data"] == {"organization": {"name": "Org acme"}}
        forged = await client.post("/graphql", json=query, headers=bearer(_rs256(OTHER_KEY)))
        assert forged.status_code == 401
        unknown_kid = await client.post("/graphql", json=query, headers=bearer(_rs256(KEY, "k9")))
        assert unknown_kid.status_code == 401
