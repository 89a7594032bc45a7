"""Who is asking: the verified JWT claims API Gateway's authorizer put on the request.

Groups come from `cognito:groups` (Cognito) or `groups` (other OIDC providers). API Gateway's HTTP API JWT
authorizer hands a list claim to the function as one string, `[a b]`; a JSON array string, a comma-separated
string and a real list are read too.
"""

from __future__ import annotations

import json
import re
from typing import Any, cast

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from permitclock.services.report_workflow import Caller

from .errors import Unauthenticated

MAX_PATH_SEGMENT_BYTES = 255
"""Longest path segment: ids are WDIDs, report ids and JWT subjects (OIDC: at most 255 ASCII characters)."""


def caller(router: Router) -> Caller:
    """The caller of the request `router` is answering; `Unauthenticated` without a usable subject."""
    event = cast(APIGatewayProxyEventV2, router.current_event)  # the resolver is an HTTP API (v2) one
    claims: Any = event.request_context.authorizer.jwt_claim
    if not isinstance(claims, dict) or not valid_subject(claims.get("sub")):
        raise Unauthenticated("no verified identity on the request")
    name = claims.get("name")
    return Caller(
        user_id=str(claims["sub"]), name=name if isinstance(name, str) and name else None, groups=groups_of(claims)
    )


GROUP_CLAIMS = ("cognito:groups", "groups")


def groups_of(claims: dict[str, Any]) -> frozenset[str]:
    """Every group the verified claims name, from each of `GROUP_CLAIMS` (empty without them)."""
    found: set[str] = set()
    for name in GROUP_CLAIMS:
        found.update(_group_names(claims.get(name)))
    return frozenset(found)


def _group_names(value: object) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if isinstance(v, str) and v.strip()]
    if not isinstance(value, str):
        return []
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            parsed = json.loads(text)
        except ValueError:  # API Gateway's own rendering of a list claim: `[a b]`
            text = text[1:-1]
        else:
            return _group_names(parsed) if isinstance(parsed, list) else []
    return [part for part in re.split(r"[\s,]+", text) if part]


def valid_subject(sub: object) -> bool:
    """A JWT `sub` the API can key on: a non-blank string of at most 255 printable characters."""
    return isinstance(sub, str) and 0 < len(sub) <= MAX_PATH_SEGMENT_BYTES and sub.strip() == sub and sub.isprintable()
