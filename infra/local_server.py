"""The local server's HTTP side: the template's HTTP API (`http_gateway`), the issuer's JWKS and the control
surface a deployment does not have (`/_local/...`, never in template.yaml). Every answer is JSON.

- `GET /.well-known/jwks.json`: the local issuer's public key set.
- `GET /_local/health`: `{"ok", "aws_endpoint", "region", "bucket", "table", "queues": {logical id: url},
  "today"}`.
- `POST /_local/clock` `{"today": "YYYY-MM-DD" | null}`: the date every function sees (America/Los_Angeles);
  null returns to the real date. Answers `{"today"}`.
- `POST /_local/schedules/{name}` `{"on": "YYYY-MM-DD"}` (default: today): fires that schedule with its template
  input and `on`, waits until every queue is at rest, answers the job's summary (`infra.cli_run.run_job`).
- `POST /_local/drain`: waits until every queue is at rest, answers `{"pollers": {function: {"received",
  "succeeded", "failed"}}}`: what each poller did since the last drain or schedule (or the start).

Bad input is 400 `{"code": "bad_input", "message"}`, an unknown schedule 404 `{"code": "not_found", ...}`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from permitclock.clock import today
from werkzeug.wrappers import Request, Response

from infra.cli_run import job_named, json_number, run_job
from infra.http_gateway import HttpApiGateway
from infra.local_clock import LocalClock
from infra.local_stack import REGION
from infra.pollers import Pollers
from infra.session import LocalSession

JWKS_PATH = "/.well-known/jwks.json"
CONTROL_PREFIX = "/_local/"


class _BadRequest(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, default=json_number), status=status, mimetype="application/json")


def _body(request: Request) -> dict[str, Any]:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise _BadRequest(400, "bad_input", "the body is not JSON") from None
    if not isinstance(body, dict):
        raise _BadRequest(400, "bad_input", "the body must be a JSON object")
    return body


def _date(body: dict[str, Any], field: str) -> date | None:
    """`body[field]` as a date (YYYY-MM-DD); None when absent or null."""
    value = body.get(field)
    if value is None:
        return None
    try:
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise _BadRequest(400, "bad_input", f"{field}: expected a date YYYY-MM-DD or null, got {json.dumps(value)}")


@dataclass
class LocalServer:
    """The WSGI app of `permitclock serve`'s API port."""

    session: LocalSession
    clock: LocalClock
    pollers: Pollers
    gateway: HttpApiGateway
    jwks: dict[str, Any]
    aws_endpoint: str

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        try:
            if request.path == JWKS_PATH and request.method == "GET":
                response = _json(self.jwks)
            elif request.path.startswith(CONTROL_PREFIX):
                response = self._control(request)
            else:
                response = self.gateway(request)
        except _BadRequest as refused:
            response = _json({"code": refused.code, "message": refused.message}, refused.status)
        except Exception as err:  # the console says what failed; the caller gets no traceback
            print(f"permitclock serve: {request.method} {request.path}: {err!r}", file=sys.stderr, flush=True)
            response = _json({"code": "internal", "message": "the local server failed; see its console"}, 500)
        return response(environ, start_response)

    def _control(self, request: Request) -> Response:
        name = request.path.removeprefix(CONTROL_PREFIX)
        method = request.method
        if (name, method) == ("health", "GET"):
            return _json(self.health())
        if (name, method) == ("clock", "POST"):
            body = _body(request)
            if "today" not in body:
                raise _BadRequest(400, "bad_input", 'today: required ("YYYY-MM-DD" or null)')
            self.clock.set(_date(body, "today"))
            return _json({"today": today(self.clock).isoformat()})
        if (name, method) == ("drain", "POST"):
            self.pollers.drain()
            return _json({"pollers": self.pollers.take()})
        if name.startswith("schedules/") and method == "POST":
            return _json(self.fire(name.removeprefix("schedules/"), _date(_body(request), "on")))
        if name in {"health", "clock", "drain"} or name.startswith("schedules/"):
            raise _BadRequest(405, "method_not_allowed", f"{method} is not allowed on {request.path}")
        raise _BadRequest(404, "not_found", f"no control {request.path}; see docs/cli.md (permitclock serve)")

    def health(self) -> dict[str, Any]:
        stack = self.session.stack
        queues = {
            logical: stack.physical[logical]
            for logical, resource in stack.cfn_template["Resources"].items()
            if resource["Type"] == "AWS::SQS::Queue"
        }
        return {
            "ok": True,
            "aws_endpoint": self.aws_endpoint,
            "region": REGION,
            "bucket": stack.bucket,
            "table": stack.table,
            "queues": queues,
            "today": today(self.clock).isoformat(),
        }

    def fire(self, name: str, on: date | None) -> dict[str, Any]:
        """The schedule named `name` fired for `on` (default today), every queue then run to rest."""
        try:
            job = job_named(self.session.stack, name)
        except KeyError:
            names = ", ".join(sorted(s.name for s in self.session.stack.schedules.values()))
            raise _BadRequest(404, "not_found", f"no schedule named {name!r}; the schedules: {names}") from None
        with self.pollers.paused():
            summary = run_job(self.session, job, on or today(self.clock), dry_run=False, drain=self.pollers.drain)
        self.pollers.take()
        return summary
