"""Who is asking: the verified JWT claims API Gateway's authorizer put on the request."""

from __future__ import annotations

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
    return Caller(user_id=str(claims["sub"]), name=name if isinstance(name, str) and name else None)


def valid_subject(sub: object) -> bool:
    """A JWT `sub` the API can key on: a non-blank string of at most 255 printable characters."""
    return isinstance(sub, str) and 0 < len(sub) <= MAX_PATH_SEGMENT_BYTES and sub.strip() == sub and sub.isprintable()
