"""A local session: template.yaml provisioned on moto in-process, its runner and clients (nothing persists).

Used by `permitclock run` (infra/cli_run.py), `make demo` (infra/demo.py) and `permitclock serve`
(infra/cli_serve.py, which also serves it over HTTP while it lasts). Needs the source checkout (the
template, the handlers under functions/) and the dev dependencies (moto, the SAM translator).
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class LocalSession:
    """The provisioned local stack with its runner and clients."""

    stack: Any
    runner: Any
    s3: Any
    table: Any
    mail_folder: Path = Path("out/outbox")
    """Where the emails SES sent are written (`--outbox`)."""


@contextmanager
def local_stack(clock: Any = None, parameters: dict[str, str] | None = None) -> Iterator[LocalSession]:
    """template.yaml on moto, in-process, quiet while it lasts (warnings and logs below ERROR off), with local
    credentials; every function tells the time by `clock` (a `permitclock.clock.Clock`; the real one by
    default); `parameters` are template parameters (`infra.local_stack.provision`)."""
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    for name, value in (("AWS_ACCESS_KEY_ID", "local"), ("AWS_SECRET_ACCESS_KEY", "local")):
        os.environ.setdefault(name, value)
    os.environ["AWS_DEFAULT_REGION"] = "us-west-2"
    try:
        import boto3
        from moto import mock_aws
    except ImportError as err:  # an install without the dev dependencies
        raise SystemExit(f"the local stack needs the dev dependencies (make install): {err}") from None

    from permitclock.bootstrap import Aws, Runtime

    from infra.local_stack import REGION, provision
    from infra.runner import LocalRunner

    with warnings.catch_warnings(), mock_aws():
        warnings.simplefilter("ignore")
        logging.disable(logging.WARNING)
        try:
            with redirect_stdout(sys.stderr):  # moto's Lambda looks for Docker and prints that it found none
                stack = provision(parameters)
            yield LocalSession(
                stack=stack,
                runner=LocalRunner(stack, Runtime(aws=Aws(region=REGION), **({"clock": clock} if clock else {}))),
                s3=boto3.client("s3", region_name=REGION),
                table=boto3.resource("dynamodb", region_name=REGION).Table(stack.table),
            )
        finally:
            logging.disable(logging.NOTSET)
