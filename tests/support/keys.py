"""The API keys the tests' gateways accept, and the headers that send them: two owners, A and B, and a
trusted proxy."""

from __future__ import annotations

KEY_A = "key-a-secret"
KEY_B = "key-b-secret"
HEADERS_A = {"X-API-Key": KEY_A}
HEADERS_B = {"X-API-Key": KEY_B}
PROXY_KEY = "proxy-key-secret"
"""A trusted proxy's key (PROXY_API_KEYS): only a request with it may name its user in a header."""
