"""Dev tokens: HS256 JWTs signed with JWT_SECRET, for the devstack's demo user and for trying users.

    python -m backend.devtoken --sub alice --name "Alice"      # prints a token for the UI's sign-in

Uses the gateway's own settings (JWT_SECRET, JWT_ISSUER, JWT_AUDIENCE), so what it mints is what the
gateway accepts. A real deployment gets its tokens from its identity provider, never from here.
"""

from __future__ import annotations

import argparse
import sys
import time

import jwt

from backend.config import Settings, get_settings

DEMO_TOKEN_TTL_S = 12 * 3600


def mint(settings: Settings, sub: str, *, name: str | None = None, ttl_s: int = DEMO_TOKEN_TTL_S) -> str:
    if not settings.jwt_secret:
        raise ValueError("JWT_SECRET is not set")
    now = int(time.time())
    claims = {
        "sub": sub,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + ttl_s,
    }
    if name:
        claims["name"] = name
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.devtoken", description=__doc__.splitlines()[0])
    parser.add_argument("--sub", required=True)
    parser.add_argument("--name")
    parser.add_argument("--ttl", type=int, default=DEMO_TOKEN_TTL_S, help="seconds")
    args = parser.parse_args(argv)
    try:
        print(mint(get_settings(), args.sub, name=args.name, ttl_s=args.ttl))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
