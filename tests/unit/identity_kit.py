"""Real tokens for the identity tests: keys generated per test run, tokens signed with PyJWT, and a
JWKS served over real HTTP by a local http.server thread (what the gateway fetches in production).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

ISSUER = "https://idp.test"
AUDIENCE = "agent-stream"
SECRET = "a-test-secret-of-at-least-32-bytes!"


@dataclass
class SigningKey:
    kid: str
    alg: str
    private: object

    @staticmethod
    def rsa(kid: str) -> SigningKey:
        return SigningKey(kid, "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @staticmethod
    def ec(kid: str) -> SigningKey:
        return SigningKey(kid, "ES256", ec.generate_private_key(ec.SECP256R1()))

    def jwk(self) -> dict:
        algorithm = RSAAlgorithm if self.alg.startswith("RS") else ECAlgorithm
        public = json.loads(algorithm.to_jwk(self.private.public_key()))
        return {**public, "kid": self.kid, "use": "sig", "alg": self.alg}


def claims(sub: str = "alice", /, **overrides) -> dict:
    now = int(time.time())
    values = {"sub": sub, "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 300, "name": sub.title()}
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def hs256(sub: str = "alice", /, secret: str = SECRET, **overrides) -> str:
    return jwt.encode(claims(sub, **overrides), secret, algorithm="HS256")


def signed(key: SigningKey, sub: str = "alice", /, kid: str | None = "same", **overrides) -> str:
    headers = {"kid": key.kid if kid == "same" else kid} if kid is not None else {}
    return jwt.encode(claims(sub, **overrides), key.private, algorithm=key.alg, headers=headers)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class JwksServer:
    """Serves {"keys": [...]} at /jwks.json; `keys` can be replaced (rotation); `hits` counts fetches."""

    keys: list[SigningKey] = field(default_factory=list)
    hits: int = 0
    url: str = ""
    gate: threading.Event | None = None
    """When set, each answer waits for the gate to open (at most 10 s); `released` records whether it did."""
    released: list[bool] = field(default_factory=list)

    def body(self) -> bytes:
        return json.dumps({"keys": [k.jwk() for k in self.keys]}).encode()


@contextlib.contextmanager
def jwks_server(*keys: SigningKey) -> Iterator[JwksServer]:
    state = JwksServer(keys=list(keys))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            state.hits += 1
            if state.gate is not None:
                state.released.append(state.gate.wait(10))
            body = state.body()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/jwks.json"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
