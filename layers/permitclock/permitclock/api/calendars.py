"""Calendar subscriptions (`services.calendar_tokens`): a feed served by its token without a JWT, and the routes
that issue a person's or a facility's token.

`GET /calendars/{token}.ics` is the template's one open route besides the OpenAPI document (calendar apps send
no Authorization header); the token is the credential, and any token that opens nothing is 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from permitclock.domain.calendar_tokens import FeedOwner
from permitclock.notices.ics import FEED_CONTENT_TYPE
from permitclock.observability import logger
from permitclock.services.calendar_tokens import FEED_PATH
from permitclock.workflow.roles import Action

from .dependencies import ApiDependencies
from .identity import caller
from .models import CalendarToken

OPEN_PATHS = frozenset({FEED_PATH})
"""The OpenAPI paths without a JWT (`routes.openapi_schema` documents them so)."""


def _feed_answer() -> dict[int, Any]:
    return {
        200: {
            "description": "the feed (iCalendar); an empty calendar before its first write",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        }
    }


def router(dependencies: Callable[[], ApiDependencies]) -> Router:
    routes = Router()

    @routes.get("/calendars/<token>.ics", responses=_feed_answer())
    def get_feed(token: str) -> Any:  # an iCalendar Response (documented by `responses`)
        body = dependencies().calendars.feed(token)
        headers = {"Cache-Control": "private, max-age=900"}
        return Response(status_code=200, content_type=FEED_CONTENT_TYPE, body=body, headers=headers)

    @routes.post("/me/calendar-token")
    def post_my_token() -> CalendarToken:
        return _issue(FeedOwner("person", caller(routes).user_id))

    @routes.post("/facilities/<wdid>/calendar-token")
    def post_facility_token(wdid: str) -> CalendarToken:
        deps = dependencies()
        deps.workflow.member(caller(routes), wdid, Action.ROTATE_CALENDAR_TOKEN)
        return _issue(FeedOwner("facility", wdid))

    def _issue(owner: FeedOwner) -> CalendarToken:
        token = dependencies().calendars.issue(owner)
        logger.info("calendar token issued", feed=owner.kind)  # never the token, nor whose
        scheme, host = _origin(cast(APIGatewayProxyEventV2, routes.current_event))
        path = FEED_PATH.format(token=token)
        return CalendarToken(token=token, url=f"{scheme}://{host}{path}", webcal=f"webcal://{host}{path}")

    return routes


def _origin(event: APIGatewayProxyEventV2) -> tuple[str, str]:
    """(scheme, host) the caller reached the API at: `X-Forwarded-Proto` (API Gateway sets it; https unless it
    says http) and the request's domain name."""
    proto = (event.headers or {}).get("x-forwarded-proto", "https").split(",")[0].strip()
    return ("http" if proto == "http" else "https"), event.request_context.domain_name
