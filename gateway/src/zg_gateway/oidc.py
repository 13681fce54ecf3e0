"""A city identity provider in place of local logins: OpenID Connect access tokens checked
against the provider's JWKS (keys fetched and cached by PyJWT's client).

Configured by ZG_GATEWAY_OIDC_ISSUER and ZG_GATEWAY_OIDC_JWKS_URL; the provider's tokens carry
the Zongguan role (and departments, grids) in claims whose names are configurable too. A
checked token is kept until it expires (`KeptTokens`): a key the provider withdraws stops
new tokens at once, and those already checked at their expiry.
"""

from __future__ import annotations

import asyncio

import jwt

from zg_common.errors import Unauthorized
from zg_common.identity import Identity
from zg_gateway.tokens import KeptTokens

ASYMMETRIC = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]


class OidcVerifier:
    def __init__(
        self,
        *,
        issuer: str,
        jwks_url: str,
        audience: str,
        role_claim: str,
        department_claim: str,
        grid_claim: str,
        compound_claim: str = "zg_compound_ids",
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.role_claim = role_claim
        self.department_claim = department_claim
        self.grid_claim = grid_claim
        self.compound_claim = compound_claim
        self.jwks = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600, timeout=5)
        self.kept = KeptTokens()

    def issued(self, token: str) -> bool:
        """Whether the token claims to come from this provider (not verified yet)."""
        try:
            return jwt.decode(token, options={"verify_signature": False}).get("iss") == self.issuer
        except jwt.InvalidTokenError:
            return False

    async def verify(self, token: str) -> Identity:
        kept = self.kept.get(token)
        if kept is not None:
            return kept[0]
        identity, expires = await self._check(token)
        self.kept.keep(token, identity, expires)
        return identity

    async def _check(self, token: str) -> tuple[Identity, float]:
        """The token's signature (a worker thread, for the key) and claims: (identity, expiry)."""
        try:
            # fetching the JWKS is blocking I/O (urllib): off the event loop
            key = await asyncio.to_thread(self.jwks.get_signing_key_from_jwt, token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=ASYMMETRIC,
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The access token has expired", code="token_expired") from exc
        except (jwt.InvalidTokenError, jwt.PyJWKClientError) as exc:
            raise Unauthorized("The access token is not valid", code="token_invalid") from exc
        try:
            identity = Identity(
                sub=f"oidc:{claims['sub']}",
                role=claims[self.role_claim],
                name=str(claims.get("name", "")),
                department_ids=tuple(claims.get(self.department_claim, ())),
                grid_ids=tuple(claims.get(self.grid_claim, ())),
                compound_ids=tuple(claims.get(self.compound_claim, ())),
            )
            return identity, float(claims["exp"])
        except (KeyError, ValueError, TypeError) as exc:
            raise Unauthorized(
                f"The token has no valid {self.role_claim!r} claim", code="token_invalid"
            ) from exc
