"""API Gateway's HTTP API on localhost: a WSGI app that routes every request by the template's routes
(`local_stack.HttpRoute`), runs the JWT authorizer for real (`local_issuer.verify`) and hands the function the
payload format 2.0 event the deployed one receives; the function's answer becomes the HTTP response.

What API Gateway itself answers, the gateway answers the same way, before any function runs: 404
`{"message": "Not Found"}` when no route matches, 401 `{"message": "Unauthorized"}` for a missing or bad token
(with a `WWW-Authenticate` header saying why), 403 `{"message": "Forbidden"}` for a missing scope, 413 for a
body over 10 MB, 500 `{"message": "Internal Server Error"}` when the function raises or answers nonsense.

Route selection follows API Gateway's: the most specific path wins (literal segments before `{variables}`,
a greedy `{proxy+}` last), a method route before `ANY`.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from joserfc.jwk import KeySet
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from infra.local_issuer import Unauthorized, event_claims, verify
from infra.local_stack import ACCOUNT_ID, HttpRoute

MAX_BODY_BYTES = 10 * 1024 * 1024
"""API Gateway's payload quota for HTTP APIs."""
API_ID = "local"
TEXT_TYPES = re.compile(r"^(text/|application/(json|xml|javascript|x-www-form-urlencoded)|[^;]*\+(json|xml))", re.I)
"""Request bodies handed over as text; any other (or one that is not UTF-8) is base64 with `isBase64Encoded`."""

Invoke = Callable[[str, dict[str, Any]], Any]
"""(function logical id, event) -> what the handler returned."""


@dataclass(frozen=True)
class _Match:
    route: HttpRoute
    path_parameters: dict[str, str]


def _pattern(path: str) -> tuple[re.Pattern[str], tuple[int, int, int]]:
    """A route path as a regex, and its rank (fewer greedy, more literal segments, more segments: first)."""
    parts, literal, greedy = [], 0, 0
    for segment in path.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("+}"):
            parts.append(f"(?P<{_group(segment[1:-2])}>.+)")
            greedy += 1
        elif segment.startswith("{") and segment.endswith("}"):
            parts.append(f"(?P<{_group(segment[1:-1])}>[^/]+)")
        else:
            parts.append(re.escape(segment))
            literal += 1
    # DOTALL and fullmatch: a decoded path may hold a newline (`%0A`), which API Gateway routes like any character
    return re.compile("/" + "/".join(parts), re.DOTALL), (greedy, -literal, -len(parts))


def _group(name: str) -> str:
    return "p_" + re.sub(r"\W", "_", name)


class Routes:
    """The template's routes, matched as API Gateway matches them."""

    def __init__(self, routes: Iterable[HttpRoute]) -> None:
        compiled = []
        for route in routes:
            regex, rank = _pattern(route.path)
            names = [s[1:-1].removesuffix("+") for s in route.path.strip("/").split("/") if s.startswith("{")]
            compiled.append((rank, route.method == "ANY", route, regex, names))
        self._routes = sorted(compiled, key=lambda c: (c[0], c[1]))

    def match(self, method: str, path: str) -> _Match | None:
        for _, _, route, regex, names in self._routes:
            found = regex.fullmatch(path)
            if found and route.method in (method, "ANY"):
                return _Match(route, {name: found.group(_group(name)) for name in names})
        return None


def _gateway_answer(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps({"message": message}), status=status, headers=headers, mimetype="application/json")


class HttpApiGateway:
    """The HTTP API: `routes` integrated with functions run by `invoke`, tokens checked against `keys`."""

    def __init__(self, routes: Iterable[HttpRoute], keys: KeySet, invoke: Invoke) -> None:
        self.routes = Routes(routes)
        self._keys = keys
        self._invoke = invoke

    def __call__(self, request: Request) -> Response:
        match = self.routes.match(request.method, request.path)
        if match is None:
            return _gateway_answer(404, "Not Found")
        request.max_content_length = MAX_BODY_BYTES
        try:
            body = request.get_data(cache=True)
        except RequestEntityTooLarge:
            return _gateway_answer(413, "Request Entity Too Large")
        route = match.route
        claims: dict[str, Any] | None = None
        scopes: list[str] | None = None
        if route.authorizer is not None:
            header = route.authorizer.identity_source.removeprefix("$request.header.")
            try:
                verified = verify(request.headers.get(header), self._keys, route.authorizer, scopes=route.scopes)
            except Unauthorized as refused:
                if refused.status == 403:
                    return _gateway_answer(403, "Forbidden")
                challenge = (
                    f'Bearer error="invalid_token" error_description="{refused.reason}"'
                    if refused.token_given
                    else "Bearer"
                )
                return _gateway_answer(401, "Unauthorized", {"WWW-Authenticate": challenge})
            claims = event_claims(verified.claims)
            scopes = list(verified.scopes) if route.scopes else None
        event = _event(request, body, match, claims, scopes)
        try:
            result = self._invoke(route.function, event)
            return _response(result)
        except Exception:  # the function failed: API Gateway answers 500 and logs nothing to the caller
            return _gateway_answer(500, "Internal Server Error")


def _event(
    request: Request, body: bytes, match: _Match, claims: dict[str, Any] | None, scopes: list[str] | None
) -> dict[str, Any]:
    """The payload format 2.0 event of the request."""
    now = time.time()
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        key = name.lower()
        if key == "cookie":
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    # API Gateway's own: how the caller reached it (the API builds calendar feed URLs from them)
    headers.update(
        {"x-forwarded-proto": request.scheme, "x-forwarded-port": str(request.environ.get("SERVER_PORT", ""))}
    )
    query: dict[str, str] = {}
    for name, value in request.args.items(multi=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    content_type = request.headers.get("content-type", "")
    text: str | None = None
    if body and TEXT_TYPES.match(content_type):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
    is_base64 = bool(body) and text is None
    host = request.host
    context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": host,
        "domainPrefix": host.split(".", 1)[0],
        "http": {
            "method": request.method,
            "path": request.path,
            "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "sourceIp": request.remote_addr or "127.0.0.1",
            "userAgent": request.headers.get("user-agent", ""),
        },
        "requestId": uuid.uuid4().hex[:16],
        "routeKey": match.route.key,
        "stage": "$default",
        "time": datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now * 1000),
    }
    if claims is not None:
        context["authorizer"] = {"jwt": {"claims": claims, "scopes": scopes}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": match.route.key,
        "rawPath": request.path,
        "rawQueryString": request.query_string.decode("latin-1"),
        "headers": headers,
        "requestContext": context,
        "isBase64Encoded": is_base64,
    }
    if request.cookies:
        event["cookies"] = [f"{k}={v}" for k, v in request.cookies.items(multi=True)]
    if query:
        event["queryStringParameters"] = query
    if match.path_parameters:
        event["pathParameters"] = match.path_parameters
    if body:
        event["body"] = base64.b64encode(body).decode() if is_base64 else text
    return event


def _response(result: Any) -> Response:
    """The function's answer as API Gateway reads a 2.0 response: a dict with `statusCode` as given, anything
    else as a 200 JSON body."""
    if not (isinstance(result, dict) and "statusCode" in result):
        return Response(json.dumps(result), status=200, mimetype="application/json")
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    response = Response(data, status=int(result["statusCode"]))
    response.headers.remove("Content-Type")
    for name, value in (result.get("headers") or {}).items():
        response.headers[name] = str(value)
    for name, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            response.headers.add(name, str(value))
    for cookie in result.get("cookies") or []:
        response.headers.add("Set-Cookie", cookie)
    return response
