"""HTTP API: API Gateway HTTP API (JWT authorizer) events -> the `permitclock.api` resolver.

Thin handler: the resolver parses, authorises and answers; its dependencies (store, notice publisher, clock)
come from `bootstrap.api`, built on the first request, not at import, so tests and cold starts without AWS
never touch boto3.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from permitclock import bootstrap
from permitclock.api.routes import create_app
from permitclock.observability import observed
from permitclock.settings import ApiSettings

settings = ApiSettings()  # type: ignore[call-arg]  # filled from the environment (TABLE_NAME, ...)
wiring = bootstrap.Wiring(lambda runtime: bootstrap.api(settings, runtime))
app = create_app(lambda: wiring.service)


@observed(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
