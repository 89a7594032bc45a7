"""`permitclock serve [--host 127.0.0.1] [--port 3000] [--aws-port 4566] [--outbox out/outbox]`: the whole stack
on localhost, driven like a deployment, until Ctrl-C.

template.yaml is provisioned on moto in-process exactly as `permitclock run` and `make demo` do
(`infra.session.local_stack`); moto's threaded server (`moto.server.ThreadedMotoServer`) then serves that same
stack on `--aws-port` for boto3, the AWS CLI or any SDK; every event-source mapping's poller runs in a background
thread (`infra.pollers`); `--port` serves the template's HTTP API with its JWT authorizer, the local issuer's
JWKS and the `/_local/` control surface (`infra.local_server`). Emails the stack sends are written to
`--outbox` as they are sent. SIGINT and SIGTERM stop it (exit 0). A plugin subcommand, like `run`.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from permitclock.cli.arguments import bounded_int

STOP_SECONDS = 2.0
"""How long the pollers get, in all, to finish a batch in flight on stop (the whole stop stays under 5 s)."""


def _progress(text: str) -> None:
    print(f"permitclock serve: {text}", file=sys.stderr, flush=True)


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


class _MailFolder:
    """Writes the outbox again whenever the stack has sent more email than it holds."""

    def __init__(self, folder: Path) -> None:
        from infra.sent_mail import clear_mail_folder

        self.folder = folder
        self._written = 0
        self._lock = threading.Lock()
        clear_mail_folder(folder)

    def update(self) -> None:
        from infra.sent_mail import sent_emails, write_mail_folder

        with self._lock:
            sent = len(sent_emails())
            if sent != self._written:
                write_mail_folder(self.folder)
                self._written = sent


def _serve(args: argparse.Namespace) -> int:
    for option, port in (("--port", args.port), ("--aws-port", args.aws_port)):
        if not _port_free(args.host, port):
            print(f"permitclock serve: {args.host}:{port} ({option}) is in use", file=sys.stderr)
            return 2
    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)

    from joserfc.jwk import KeySet
    from moto.server import ThreadedMotoServer
    from permitclock.bootstrap import Aws
    from werkzeug.serving import make_server

    from infra import local_issuer
    from infra.http_gateway import HttpApiGateway
    from infra.local_clock import LocalClock
    from infra.local_server import LocalServer
    from infra.local_stack import REGION
    from infra.pollers import Pollers
    from infra.session import local_stack

    aws_endpoint = f"http://{args.host}:{args.aws_port}"
    clock = LocalClock()
    _progress("provisioning template.yaml on moto")
    # Emails' calendar links name this server's HTTP API (the template's PublicApiUrl).
    with local_stack(clock, {"PublicApiUrl": f"http://{args.host}:{args.port}"}) as session:
        session.mail_folder = args.outbox
        mail = _MailFolder(args.outbox)
        key = local_issuer.signing_key()
        # Presigned upload and download links must name this endpoint, the one a client outside can reach.
        session.runner.use("ApiFunction", replace(session.runner.runtime, aws=Aws(region=REGION,
                                                                                   s3_public_endpoint=aws_endpoint)))
        moto_server = ThreadedMotoServer(ip_address=args.host, port=args.aws_port, verbose=False)
        moto_server.start()
        pollers = Pollers(session.runner, after_work=mail.update)
        pollers.start()
        app = LocalServer(
            session=session,
            clock=clock,
            pollers=pollers,
            gateway=HttpApiGateway(session.stack.routes, KeySet([key]), session.runner.invoke),
            jwks=local_issuer.jwks(key),
            aws_endpoint=aws_endpoint,
        )
        api = make_server(args.host, args.port, app, threaded=True)
        api_thread = threading.Thread(target=api.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        api_thread.start()
        routes = ", ".join(r.key for r in session.stack.routes)
        _progress(f"HTTP API on http://{args.host}:{args.port} ({routes}); control surface under /_local/")
        _progress(f"AWS endpoint {aws_endpoint} (region {REGION}, any credentials)")
        _progress(f"bucket {session.stack.bucket}, table {session.stack.table}; emails to {args.outbox}/")
        _progress("ready; Ctrl-C stops")
        while not stop.wait(0.5):
            pass
        _progress("stopping")
        api.shutdown()
        api.server_close()
        pollers.stop(STOP_SECONDS)
        moto_server.stop()
    _progress("stopped")
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip the interpreter's teardown: unwinding moto's backends and the worker threads libraries leave took
    # longer than the 5 s a stop may take, and nothing is left to write.
    os._exit(0)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve the whole stack on localhost: AWS endpoint, HTTP API with JWTs, pollers (until Ctrl-C)",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("--host", default="127.0.0.1", help="the address both ports bind (default 127.0.0.1)")
    port = bounded_int(0, 65535)
    parser.add_argument("--port", type=port, default=3000, help="the HTTP API's port (default 3000)")
    parser.add_argument("--aws-port", type=port, default=4566, help="the AWS endpoint's port (default 4566)")
    parser.add_argument(
        "--outbox", type=Path, default=Path("out/outbox"), help="where sent emails are written (.eml and .html)"
    )
    parser.set_defaults(func=_serve)
