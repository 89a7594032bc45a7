"""`make demo`: the compliance clock end to end on the embedded local stack (template.yaml on moto, in-process).

Two years of one facility, told through the real event paths:
1. its SMARTS monitoring download (2023-2025) is uploaded: good rows become samples, bad rows are listed by line;
2. the July 1 schedules assign Levels: zinc's annual average is over its NAL in 2023-2024 (Level 1 on July 1,
   2024) and again in 2024-2025, so on July 1, 2025 zinc moves to Level 2, opening the Level 2 ERA Action Plan
   (due January 1, 2026) and the Level 2 ERA Technical Report (due January 1, 2027);
3. the consultant uploads attachments for the Technical Report: a real report is accepted, a scanned image is
   quarantined and the uploader and the LRP are emailed why;
4. the daily sweep on December 25, 2025 reminds the LRP that the Level 2 ERA Action Plan is due in 7 days, with
   a calendar entry attached. Every email is written to `out/outbox/` (.eml and .html) for a person to open.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from datetime import date
from pathlib import Path
from typing import Any

WDID = "4 19I000033"
FACILITY = "Harbor Plating Works"
CONSULTANT = "consultant@example.com"
REPORT_ID = "L2TR-2024-2025"  # report_id_for: the Technical Report July 1, 2025 opened
PNG_SCAN = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--outbox", type=Path, default=Path("out/outbox"), help="where to write the emails")
    args = parser.parse_args(argv)

    from infra.session import local_stack

    step("Provisioning template.yaml on the embedded stack (SAM translator -> CloudFormation on moto)")
    with contextlib.ExitStack() as resources:
        with contextlib.redirect_stderr(io.StringIO()):  # provisioning's own chatter
            session = resources.enter_context(local_stack())
        session.mail_folder = args.outbox
        _story(session)
    return 0


def _story(session: Any) -> None:
    from permitclock.adapters.facilities import FacilityDirectory
    from permitclock.domain.members import Member

    from infra.sample_documents import text_pdf

    kinds: dict[str, int] = {}
    for resource in session.stack.cfn_template["Resources"].values():
        kinds[resource["Type"]] = kinds.get(resource["Type"], 0) + 1
    print("   " + ", ".join(f"{n} x {kind.removeprefix('AWS::')}" for kind, n in sorted(kinds.items())))

    step(f"Registering {FACILITY} ({WDID}): its LRP, and the consultant as Data Entry Person")
    directory = FacilityDirectory(session.table)
    directory.put_profile(WDID, FACILITY)
    directory.put_member(Member(wdid=WDID, user_id="lrp-1", role="LRP", email="lrp@harbor.example", name="Pat Lee"))
    directory.put_member(Member(wdid=WDID, user_id="dep-1", role="DEP", email=CONSULTANT, name="Sam Ortiz"))

    _monitoring(session)
    _annual_run(session)

    step(f"Uploading two attachments for report {REPORT_ID}")
    file_type = "Level 2 ERA Technical Report"
    uploads = [
        ("Technical Report.pdf", text_pdf(file_type, f"{FACILITY} ({WDID})", "Zinc: Industrial Activity BMPs")),
        ("site photo scan.pdf", PNG_SCAN),
    ]
    for name, body in uploads:
        key = f"attachments/{WDID}/{REPORT_ID}/{name}"
        metadata = {"file-type": file_type, "title": name.rsplit(".", 1)[0], "uploaded-by": CONSULTANT}
        session.s3.put_object(Bucket=session.stack.bucket, Key=key, Body=body, Metadata=metadata)
        print(f"   {key}  ({len(body):,} bytes, declared {file_type!r})")
    session.runner.drain()
    _print_attachments(session.table)

    _sweep(session)


def _monitoring(session: Any) -> None:
    from infra.sample_documents import RAW_HEADER, raw_row

    step("Uploading the facility's SMARTS monitoring download (2023-2025) to monitoring/")
    rows = [
        raw_row(wdid=WDID, result="0.44", sample_date="12/06/2023", reporting_year="2023", sample_id="r1"),
        raw_row(wdid=WDID, result="0.21", sample_date="02/20/2024", reporting_year="2023", sample_id="r2"),
        raw_row(wdid=WDID, result="0.52", sample_date="11/14/2024", reporting_year="2024", sample_id="s1"),
        raw_row(wdid=WDID, result=".31", sample_date="02/03/2025", reporting_year="2024", sample_id="s2"),
        raw_row(wdid=WDID, result="0.09", sample_date="03/12/2025", reporting_year="2024", sample_id="s3"),
        raw_row(wdid=WDID, parameter="Total Suspended Solids (TSS)", result="42", sample_date="11/14/2024",
                reporting_year="2024", sample_id="s1"),
        raw_row(wdid=WDID, parameter="pH", units="SU", result="7.4", sample_date="11/14/2024",
                reporting_year="2024", sample_id="s1"),
        raw_row(wdid=WDID, result="0.2", units="furlongs", sample_date="02/03/2025", reporting_year="2024",
                sample_id="s2b"),
        raw_row(wdid=WDID, result="abc", sample_date="02/03/2025", reporting_year="2024", sample_id="s2c"),
    ]  # fmt: skip
    body = ("\n".join([RAW_HEADER, *rows]) + "\n").encode()
    key = "monitoring/harbor-2023-2025.txt"
    session.s3.put_object(Bucket=session.stack.bucket, Key=key, Body=body)
    session.runner.drain()
    from boto3.dynamodb.conditions import Key

    [record] = session.table.query(KeyConditionExpression=Key("pk").eq(f"UPLOAD#{session.stack.bucket}/{key}"))["Items"]
    print(
        f"   {int(record['rows_read'])} rows read, {int(record['stored'])} samples stored, "
        f"{int(record['rejected'])} rows rejected (listed in {record['error_report_key']}):"
    )
    report = session.s3.get_object(Bucket=session.stack.bucket, Key=record["error_report_key"])["Body"].read()
    for line in report.decode().strip().splitlines()[1:]:
        print(f"     {line}")


def _annual_run(session: Any) -> None:
    from permitclock.adapters.obligations import ObligationStore

    from infra.cli_run import JOBS, run_job

    for on in (date(2024, 7, 1), date(2025, 7, 1)):
        step(f"{on:%B %-d, %Y}: the annual Level assignment (Scheduler -> planner -> work queue -> worker)")
        summary = run_job(session, JOBS["annual"], on, dry_run=False)
        print(f"   facilities evaluated: {summary['facilities_evaluated']}, changes: {summary['changes']}")
    from boto3.dynamodb.conditions import Key

    statuses = session.table.query(
        KeyConditionExpression=Key("pk").eq(f"FAC#{WDID}") & Key("sk").begins_with("STATUS#")
    )["Items"]
    for item in statuses:
        if item["sk"].count("#") == 1:
            print(f"   {item['parameter']}: {item['level']}")
    print("   obligations open:")
    for ob in sorted(ObligationStore(session.table).for_facility(WDID), key=lambda o: (o.due or date.max, o.type)):
        print(f"     {ob.due}  {ob.type} ({ob.subject})  [{ob.section}]")
    print("   (nothing in this demo certifies the earlier reports, so the sweep below counts them overdue)")


def _sweep(session: Any) -> None:
    from infra.cli_run import JOBS, run_job

    step("December 25, 2025: the daily deadline sweep (reminders with a calendar entry)")
    summary = run_job(session, JOBS["sweep"], date(2025, 12, 25), dry_run=False)
    step(f"Every email sent, also written to {summary['outbox']}/ (.eml for a mail app, .html for a browser)")
    from infra.sent_mail import sent_emails

    for sent in sent_emails():
        attached = ", ".join(sent.attachment_names()) or "no attachment"
        print(f"   To {', '.join(sent.to)}: {sent.subject}  [{attached}]")
    reminder = next((e for e in sent_emails() if "due in" in e.subject), None)
    if reminder is not None:
        step("The reminder, as the LRP reads it")
        print("   " + "\n   ".join(reminder.part("plain").strip().splitlines()))


def _print_attachments(table: Any) -> None:
    from boto3.dynamodb.conditions import Key

    items = table.query(
        KeyConditionExpression=Key("pk").eq(f"FAC#{WDID}") & Key("sk").begins_with(f"REPORT#{REPORT_ID}#ATT#")
    )["Items"]
    for item in sorted(items, key=lambda i: str(i["file_name"])):
        if item["status"] == "accepted":
            print(f"   ACCEPTED     {item['file_name']}: {item['pages']} page(s), sha256 {str(item['sha256'])[:12]}...")
        else:
            reasons = "; ".join(f"{e['code']}: {e['message']}" for e in item.get("errors", []))
            print(f"   QUARANTINED  {item['file_name']} -> {item['quarantine_key']}\n                {reasons}")


if __name__ == "__main__":
    sys.exit(main())
