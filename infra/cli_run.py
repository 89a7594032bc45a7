"""`permitclock run JOB --on YYYY-MM-DD [--dry-run]`: run a scheduled job on the embedded local stack.

A plugin subcommand: registered under the `permitclock.commands` entry points in pyproject.toml, so the
console script offers it where `infra` is installed (a source checkout's `make install`), and the Lambda
layer, built from layers/permitclock only, ships none of it.

The command provisions template.yaml on moto in-process (no AWS account; nothing persists after it exits),
optionally loads monitoring files, facilities and return-to-Baseline facts through the same uploads a user
would make, fires the job's schedule with the date (as EventBridge Scheduler would, with `on` added to its
input), runs the queues to rest and prints the run summary as JSON. Progress goes to stderr.
Jobs are registered in `JOBS`: one `Job` per schedule of the template.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from permitclock.adapters.table import plain
from permitclock.cli.arguments import input_file, iso_date

from infra.session import LocalSession, local_stack


@dataclass(frozen=True)
class Job:
    """A scheduled job: the template schedule to fire and how to report what it did."""

    name: str
    schedule: str
    help: str
    report: Callable[[Any, dict[str, Any]], dict[str, Any]]
    """(local stack session, the schedule target's return value) -> the run's JSON summary"""
    quiet_functions: frozenset[str] = field(default_factory=frozenset)
    prepare: Callable[[Any], dict[str, Any]] | None = None
    """(local stack session) -> what it seeded: runs before the job, e.g. demo data when nothing was loaded"""


def _annual_report(session: Any, fired: dict[str, Any]) -> dict[str, Any]:
    from permitclock.adapters.levels import RunSummaryStore
    from permitclock.services.annual_run import summary_view

    item = RunSummaryStore(session.table).get(str(fired["run_id"])) or {}
    return summary_view(item)


def _sweep_prepare(session: Any) -> dict[str, Any]:
    """Demo facilities and obligations (infra/sweep_demo.py) when the stack holds no obligations yet."""
    from permitclock.adapters.obligations import ObligationStore

    from infra import sweep_demo

    if next(iter(ObligationStore(session.table).due_through(date.max)), None) is not None:
        return {}
    _progress("no obligations loaded: seeding the demo facilities (infra/sweep_demo.py)")
    return sweep_demo.seed(session.table)


def _sweep_report(session: Any, fired: dict[str, Any]) -> dict[str, Any]:
    """The sweep's summary, with every email the notifier sent written to the mail folder (.eml and .html)."""
    from infra.sent_mail import clear_mail_folder, sent_emails, write_mail_folder

    folder = Path(session.mail_folder)
    clear_mail_folder(folder)
    written = write_mail_folder(folder)
    emails = [{"to": list(e.to), "subject": e.subject} for e in sent_emails()]
    _progress(f"sweep: {len(emails)} email(s) written to {folder}/ (.eml and .html)")
    return {**fired, "emails": emails, "outbox": str(folder), "files": len(written)}


JOBS: dict[str, Job] = {
    "annual": Job(
        name="annual",
        schedule="AnnualPlannerFunctionAnnualLevelAssignment",
        help="the July 1 Level assignment for the reporting year just ended on --on",
        report=_annual_report,
    ),
    "sweep": Job(
        name="sweep",
        schedule="DeadlineSweepFunctionDailySweep",
        help="the daily deadline sweep for --on: reminders, digests and calendar feeds; emails to --outbox",
        report=_sweep_report,
        prepare=_sweep_prepare,
    ),
}


def _progress(text: str) -> None:
    print(f"permitclock run: {text}", file=sys.stderr, flush=True)


def load_inputs(session: LocalSession, args: argparse.Namespace) -> dict[str, Any]:
    """Upload monitoring files and facts as a user would, run the intake, register facilities if asked."""
    from permitclock.adapters.facilities import FacilityDirectory

    uploads = []
    # with --facilities every facility in the data is registered below: the upload stores all their rows
    extra = {"Metadata": {"permitclock-store": "all"}} if args.facilities else None
    for path in args.monitoring or []:
        key = f"monitoring/{Path(path).name}"
        _progress(f"uploading {path} to {key}")
        with open(path, "rb") as body:
            session.s3.upload_fileobj(body, session.stack.bucket, key, ExtraArgs=extra)
        session.runner.drain(only={"MonitoringIntakeFunction"})
        uploads.append(_upload_record(session, key))
    if args.facilities:
        wdids = _sample_wdids(session.table)
        directory = FacilityDirectory(session.table)
        for wdid in wdids:
            directory.put_profile(wdid, wdid)
        _progress(f"registered {len(wdids)} facilities found in the monitoring data")
    for path in args.facts or []:
        key = f"monitoring/facts/{Path(path).name}"
        with open(path, "rb") as body:
            session.s3.upload_fileobj(body, session.stack.bucket, key)
        session.runner.drain(only={"MonitoringIntakeFunction"})
        uploads.append(_upload_record(session, key))
    return {"uploads": uploads}


def _upload_record(session: LocalSession, key: str) -> dict[str, Any]:
    from boto3.dynamodb.conditions import Key

    items = session.table.query(KeyConditionExpression=Key("pk").eq(f"UPLOAD#{session.stack.bucket}/{key}"))["Items"]
    fields = ("key", "status", "layout", "rows_read", "stored", "already_stored", "rejected", "warnings", "error")
    return {f: plain(items[-1].get(f)) for f in fields} if items else {"key": key, "status": "not processed"}


def _sample_wdids(table: Any) -> list[str]:
    from boto3.dynamodb.conditions import Attr

    wdids: set[str] = set()
    kwargs: dict[str, Any] = {"FilterExpression": Attr("item_type").eq("sample"), "ProjectionExpression": "wdid"}
    while True:
        page = table.scan(**kwargs)
        wdids.update(str(i["wdid"]) for i in page["Items"])
        if "LastEvaluatedKey" not in page:
            return sorted(wdids)
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def json_number(value: Any) -> Any:
    """A table number for `json.dumps`: an integral one as an int, any other as its exact digits."""
    number = plain(value)
    return str(number) if isinstance(number, Decimal) else number


def _fired(session: Any, fired: Any) -> dict[str, Any]:
    """A job's summary when it has no report of its own: what its schedule's target returned."""
    return dict(fired) if isinstance(fired, dict) else {"result": fired}


def job_named(stack: Any, name: str) -> Job:
    """The job of a schedule by its name (`ScheduleSpec.name`): one of `JOBS`, or the schedule's own."""
    if name in JOBS:
        return JOBS[name]
    spec = next((s for s in stack.schedules.values() if s.name == name), None)
    if spec is None:
        raise KeyError(name)
    return Job(name=name, schedule=spec.logical_id, help=spec.expression, report=_fired)


def run_job(
    session: LocalSession,
    job: Job,
    on: date,
    *,
    dry_run: bool,
    drain: Callable[..., Any] | None = None,
) -> dict[str, Any]:
    """Fire the job's schedule for `on` (its template input with `on`, and `dry_run` when set), run every queue
    to rest (`drain(progress=...)`, the runner's by default), return the job's summary."""
    fired = session.runner.fire(job.schedule, {"on": on.isoformat(), **({"dry_run": True} if dry_run else {})})
    _progress(f"{job.name} {on.isoformat()}: planned {json.dumps(fired, default=str)}")
    done = {"messages": 0}

    def progress(function: str, result: Any) -> None:
        done["messages"] += result.received
        if done["messages"] % 50 < result.received:
            _progress(f"{function}: {done['messages']} messages handled")

    (drain or session.runner.drain)(progress=progress)
    return {"job": job.name, **job.report(session, fired)}


def _run(args: argparse.Namespace) -> int:
    job = JOBS[args.job]
    with local_stack() as session:
        out: dict[str, Any] = load_inputs(session, args)
        session.mail_folder = args.outbox
        if job.prepare is not None:
            out.update(job.prepare(session))
        out["runs"] = [run_job(session, job, on, dry_run=args.dry_run) for on in sorted(args.on)]
    failed = any(run.get("failed_attempts") for run in out["runs"])
    sys.stdout.write(json.dumps(out, indent=2, default=json_number) + "\n")
    return 1 if failed else 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run a scheduled job (annual, ...) for a date on the embedded local stack (JSON on stdout)",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("job", choices=sorted(JOBS), help="; ".join(f"{j.name}: {j.help}" for j in JOBS.values()))
    parser.add_argument(
        "--on", type=iso_date, action="append", required=True, metavar="YYYY-MM-DD",
        help="the run date (repeat to run several dates in order, e.g. every July 1 from 2016)",
    )  # fmt: skip
    parser.add_argument("--dry-run", action="store_true", help="compute and report, write no statuses")
    parser.add_argument(
        "--monitoring", nargs="+", type=input_file, metavar="FILE", help="SMARTS monitoring files to upload first"
    )
    parser.add_argument(
        "--facilities", action="store_true", help="register every WDID found in the monitoring data as a facility"
    )
    parser.add_argument(
        "--outbox", type=Path, default=Path("out/outbox"), help="sweep: the mail folder the emails are written to"
    )
    parser.add_argument(
        "--facts", nargs="+", type=input_file, metavar="FILE", help="return-to-Baseline facts JSON files to upload"
    )
    parser.set_defaults(func=_run)
