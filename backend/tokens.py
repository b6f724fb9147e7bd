"""Bearer tokens (JWT) → the claims of a verified user, or the reason a token is refused.

Verification is PyJWT's; this module only decides which key and which checks:
- `alg` must be in JWT_ALGORITHMS before any key is looked up (`none` never is: PyJWT refuses it
  whatever the list says, and it is refused here first so a made-up token costs no JWKS fetch).
- HS* tokens are checked with JWT_SECRET; RS*/ES*/PS* tokens with the JWKS key named by `kid`. A
  PyJWK is bound to its own algorithm, so an RSA public key can never be used as an HMAC secret.
- `iss`, `aud`, `exp` and the owner claim are required; exp / nbf / iat get JWT_LEEWAY_S of skew.
A refusal carries a short reason for the 401 (`error_description`); it never quotes the token.
"""

from __future__ import annotations

from dataclasses import dataclass

import jwt
from jwt import exceptions as jwt_errors

from backend.config import Settings
from backend.errors import ConfigError, TokenRejected, UnknownKeyId
from backend.jwks import JwksCache

_REASONS: list[tuple[type[Exception], str]] = [  # most specific first
    (jwt_errors.ExpiredSignatureError, "token expired"),
    (jwt_errors.ImmatureSignatureError, "token not yet valid"),
    (jwt_errors.InvalidAudienceError, "wrong audience"),
    (jwt_errors.InvalidIssuerError, "wrong issuer"),
    (jwt_errors.InvalidIssuedAtError, "issued in the future"),
    (jwt_errors.InvalidAlgorithmError, "algorithm not allowed"),
    (jwt_errors.InvalidSignatureError, "bad signature"),
    (jwt_errors.InvalidSubjectError, "subject is not a string"),
    (jwt_errors.DecodeError, "malformed token"),
]
MIN_SECRET_BYTES = 32


@dataclass(frozen=True)
class VerifiedUser:
    issuer: str
    subject: str
    name: str | None


class TokenVerifier:
    def __init__(self, settings: Settings) -> None:
        """Raises ConfigError for settings that cannot verify tokens safely."""
        if not (settings.jwt_issuer and settings.jwt_audience):
            raise ConfigError("JWT_ISSUER and JWT_AUDIENCE must be set when bearer tokens are on")
        if settings.jwt_secret and len(settings.jwt_secret.encode()) < MIN_SECRET_BYTES:
            raise ConfigError(f"JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")
        default = ["HS256"] * bool(settings.jwt_secret) + ["RS256", "ES256"] * bool(settings.jwt_jwks_url)
        self.algorithms = [a.strip() for a in settings.jwt_algorithms.split(",") if a.strip()] or default
        if "none" in (a.lower() for a in self.algorithms):
            raise ConfigError("JWT_ALGORITHMS must not contain 'none'")
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self.leeway_s = settings.jwt_leeway_s
        self.owner_claim = settings.jwt_owner_claim
        self.name_claims = [c.strip() for c in settings.jwt_name_claims.split(",") if c.strip()]
        self._secret = settings.jwt_secret
        self.jwks = (
            JwksCache(
                settings.jwt_jwks_url,
                cache_s=settings.jwks_cache_s,
                min_refresh_s=settings.jwks_min_refresh_s,
                timeout_s=settings.jwks_timeout_s,
            )
            if settings.jwt_jwks_url
            else None
        )

    async def aclose(self) -> None:
        if self.jwks is not None:
            await self.jwks.aclose()

    async def verify(self, token: str) -> VerifiedUser:
        """Raises TokenRejected (a 401) or JwksUnavailable (a 503)."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt_errors.PyJWTError:
            raise TokenRejected("malformed token") from None
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self.algorithms:
            raise TokenRejected("algorithm not allowed")
        key = await self._key(alg, header.get("kid"))
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_s,
                options={"require": ["exp", "iss", "aud", self.owner_claim]},
            )
        except jwt_errors.MissingRequiredClaimError as exc:
            raise TokenRejected(f"missing claim: {exc.claim}") from None
        except jwt_errors.PyJWTError as exc:
            raise TokenRejected(_reason(exc)) from None
        subject = claims[self.owner_claim]
        if not isinstance(subject, str) or not subject:
            raise TokenRejected(f"claim {self.owner_claim} is not a non-empty string")
        name = next(
            (claims[c] for c in self.name_claims if isinstance(claims.get(c), str) and claims[c]), None
        )
        return VerifiedUser(issuer=self.issuer, subject=subject, name=name)

    async def _key(self, alg: str, kid: object) -> jwt.PyJWK | str:
        if alg.startswith("HS"):
            if not self._secret:
                raise TokenRejected("algorithm not allowed")
            return self._secret
        if self.jwks is None:
            raise TokenRejected("algorithm not allowed")
        if kid is not None and not isinstance(kid, str):
            raise TokenRejected("malformed token")
        try:
            return await self.jwks.key(kid)
        except UnknownKeyId:
            raise TokenRejected("unknown key id") from None


def _reason(exc: Exception) -> str:
    return next((reason for kind, reason in _REASONS if isinstance(exc, kind)), "invalid token")
