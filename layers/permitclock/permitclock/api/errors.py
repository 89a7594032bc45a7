"""Domain errors to HTTP in one place: 400 bad input, 401, 403 role, 404, 409; body `{code, message}`."""

from __future__ import annotations

from http import HTTPStatus

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from permitclock.errors import BadInput, Conflict, DomainError, NotAllowed, NotFound


class Unauthenticated(DomainError):
    """The request carries no verified identity (the JWT authorizer normally stops it first)."""

    code = "unauthenticated"


STATUS: dict[type[DomainError], HTTPStatus] = {
    BadInput: HTTPStatus.BAD_REQUEST,
    Unauthenticated: HTTPStatus.UNAUTHORIZED,
    NotAllowed: HTTPStatus.FORBIDDEN,
    NotFound: HTTPStatus.NOT_FOUND,
    Conflict: HTTPStatus.CONFLICT,
}


def status_of(error: DomainError) -> HTTPStatus:
    """The status of the nearest mapped class in the error's MRO (a bare `DomainError` is bad input)."""
    return next((STATUS[c] for c in type(error).__mro__ if c in STATUS), HTTPStatus.BAD_REQUEST)


def _error(status: HTTPStatus, code: str, message: str) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body={"code": code, "message": message},
    )


def register_error_handlers(app: APIGatewayHttpResolver) -> None:
    """Install the mapping on `app`: domain errors, request validation, unknown routes."""

    @app.exception_handler(DomainError)
    def _domain(error: DomainError) -> Response:
        return _error(status_of(error), error.code, error.message)

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response:
        where = sorted({".".join(str(part) for part in e["loc"]) for e in error.errors()})
        return _error(HTTPStatus.BAD_REQUEST, BadInput.code, "invalid request: " + ", ".join(where))

    @app.not_found
    def _no_route(_: NotFoundError) -> Response:
        return _error(HTTPStatus.NOT_FOUND, NotFound.code, "no such resource")
