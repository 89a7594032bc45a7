"""The local token issuer: one RSA key under `.permitclock-local/`, the JWTs `permitclock token` mints with it, the
JWKS the local server publishes, and the checks API Gateway's JWT authorizer makes before a function runs.

The tokens carry the claims the template's Cognito user pool puts in its ID tokens (`cognito:groups`,
`token_use: id`, `email`, `name`) and the issuer and audience of the template's JWT authorizer as the local stack
sets it up (`local_stack.LOCAL_SIGN_IN`: the template's external-issuer parameters, since moto's CloudFormation
has no Cognito), read from the translated template as the local stack reads it (`local_stack.http_routes`) and
cached beside the key per hash of template.yaml, so minting a token needs neither moto nor the SAM translator
after the first time. The key is created on first use and never leaves the folder
(gitignored); delete the folder to rotate it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc import errors, jwt
from joserfc.jwk import KeySet, RSAKey

from infra.local_stack import ROOT, TEMPLATE, JwtAuthorizer

LOCAL_DIR = ROOT / ".permitclock-local"
KEY_FILE = "jwt-signing-key.json"
AUTHORIZERS_FILE = "authorizers.json"
ALGORITHM = "RS256"
GROUPS_CLAIM = "cognito:groups"
"""Where minted tokens list the caller's groups, as Cognito's do (the admin group is `permitclock-admins`)."""
DEFAULT_TTL_SECONDS = 3600


class Unauthorized(Exception):
    """The request is refused before the function runs: 401 (no or bad token) or 403 (a scope is missing)."""

    def __init__(self, reason: str, *, status: int = 401, token_given: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.token_given = token_given


def _write_once(path: Path, text: str) -> None:
    """Create `path` with `text` (owner-only) unless it exists: atomic, so concurrent first uses agree."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)


def signing_key(folder: Path = LOCAL_DIR) -> RSAKey:
    """The local issuer's private key, created (RSA 2048) on first use."""
    path = folder / KEY_FILE
    if not path.exists():
        key = RSAKey.generate_key(2048, parameters={"alg": ALGORITHM, "use": "sig"}, private=True, auto_kid=True)
        _write_once(path, json.dumps(key.as_dict(private=True)))
    return RSAKey.import_key(json.loads(path.read_text()))


def jwks(key: RSAKey) -> dict[str, Any]:
    """The JSON Web Key Set of the public half (`GET /.well-known/jwks.json`)."""
    return {"keys": [key.as_dict(private=False)]}


def authorizer(folder: Path = LOCAL_DIR, template: Path = TEMPLATE) -> JwtAuthorizer:
    """The template's JWT authorizer (the first, by name, if it defines several), cached per template hash."""
    digest = hashlib.sha256(template.read_bytes()).hexdigest()
    path = folder / AUTHORIZERS_FILE
    cached = json.loads(path.read_text()) if path.exists() else {}
    if cached.get("template_sha256") != digest:
        from infra.local_stack import jwt_authorizers, load_template

        found = jwt_authorizers(load_template(template))
        if not found:
            raise SystemExit(f"{template}: no HTTP API route has a JWT authorizer")
        cached = {"template_sha256": digest, "authorizer": vars(found[min(found)])}
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.write_text(json.dumps(cached))
    spec = cached["authorizer"]
    return JwtAuthorizer(**{**spec, "audience": tuple(spec["audience"])})


def mint(
    key: RSAKey,
    issuer: JwtAuthorizer,
    *,
    sub: str,
    email: str | None = None,
    name: str | None = None,
    groups: list[str] | None = None,
    ttl: int = DEFAULT_TTL_SECONDS,
    now: int | None = None,
) -> str:
    """A JWT for `sub` from the local issuer, valid for `ttl` seconds from now (zero or less: already expired)."""
    issued = int(time.time()) if now is None else now
    claims: dict[str, Any] = {
        "iss": issuer.issuer,
        "aud": issuer.audience[0] if len(issuer.audience) == 1 else list(issuer.audience),
        "sub": sub,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl,
        "jti": str(uuid.uuid4()),
        "token_use": "id",
    }
    claims.update({k: v for k, v in (("email", email), ("name", name)) if v})
    if groups:
        claims[GROUPS_CLAIM] = groups
    return jwt.encode({"alg": ALGORITHM, "kid": key.kid, "typ": "JWT"}, claims, key, algorithms=[ALGORITHM])


@dataclass(frozen=True)
class Verified:
    claims: dict[str, Any]
    scopes: tuple[str, ...]


def verify(
    header_value: str | None,
    keys: KeySet,
    issuer: JwtAuthorizer,
    *,
    scopes: tuple[str, ...] = (),
    now: int | None = None,
) -> Verified:
    """API Gateway's JWT authorizer: the token of the identity source (a `Bearer ` prefix is optional), signed
    with RS256 by a key of `keys` (by `kid`), its `iss` the issuer, its `aud` (or `client_id`) one of the
    audiences, `exp` in the future, `nbf` and `iat` (when present) not; with route `scopes`, the token's
    `scope` must hold one (else 403). Raises `Unauthorized` naming why."""
    token = (header_value or "").strip()
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    if not token:
        raise Unauthorized("no token in the Authorization header", token_given=False)
    try:
        decoded = jwt.decode(token, keys, algorithms=[ALGORITHM])
    except errors.JoseError as err:
        raise Unauthorized(f"the token is not signed by the issuer's key ({err.error})") from None
    except ValueError:
        raise Unauthorized("the token is not a JWT") from None
    claims = decoded.claims
    if claims.get("iss") != issuer.issuer:
        raise Unauthorized("the token's issuer is not the authorizer's")
    audiences = claims.get("aud")
    audiences = [audiences] if isinstance(audiences, str) else audiences if isinstance(audiences, list) else []
    if not set(issuer.audience) & {*audiences, claims.get("client_id")}:
        raise Unauthorized("the token's audience is not the authorizer's")
    registry = jwt.JWTClaimsRegistry(now=now, exp={"essential": True})
    try:
        registry.validate(claims)
    except errors.ExpiredTokenError:
        raise Unauthorized("the token has expired") from None
    except errors.JoseError as err:  # nbf or iat in the future, a claim that is no NumericDate
        raise Unauthorized(f"the token is not valid yet or is malformed ({err.description or err.error})") from None
    granted = tuple(str(claims.get("scope") or claims.get("scp") or "").split())
    if scopes and not set(scopes) & set(granted):
        raise Unauthorized("the token has none of the route's scopes", status=403)
    return Verified(claims=claims, scopes=granted)


def event_claims(claims: dict[str, Any]) -> dict[str, str]:
    """The claims as API Gateway's HTTP API hands them to the function: every value a string, a list as `[a b]`."""

    def text(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list):
            return "[" + " ".join(text(v) for v in value) + "]"
        if isinstance(value, dict):
            return json.dumps(value, separators=(",", ":"))
        return str(value)

    return {name: text(value) for name, value in claims.items()}
