"""`make demo`: the main job end to end on the embedded local stack (template.yaml on moto, handlers in-process).

A consultant uploads two ERA attachments for a facility in Level 2: a real Technical Report and a scanned page
saved as an image. The pipeline accepts the first, quarantines the second, and emails the uploader and the
facility's LRP. The emails are written to `out/outbox/` (.eml and .html) for a person to open.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import sys
import warnings
from pathlib import Path
from typing import Any

WDID = "4 19I000033"
FACILITY = "Harbor Plating Works"
REPORT_ID = "4501"
CONSULTANT = "consultant@example.com"
PNG_SCAN = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def _quiet() -> None:
    """The demo prints its own summary: keep moto's and powertools' logs out of the way."""
    warnings.filterwarnings("ignore")
    logging.disable(logging.CRITICAL)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    os.environ.update(AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_DEFAULT_REGION="us-west-2")


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--outbox", type=Path, default=Path("out/outbox"), help="where to write the emails")
    args = parser.parse_args(argv)
    _quiet()

    from moto import mock_aws

    with mock_aws():
        return _run(args.outbox)


def _run(outbox: Path) -> int:
    import boto3
    from permitclock.adapters.facilities import FacilityDirectory
    from permitclock.domain.members import Member

    from infra.local_stack import REGION, provision
    from infra.outbox import sent_emails, write_outbox
    from infra.runner import LocalRunner
    from infra.sample_documents import text_pdf

    step("Provisioning template.yaml on the embedded stack (SAM translator -> CloudFormation on moto)")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        stack = provision()  # moto's Lambda looks for Docker and says so; the handlers run in-process instead
    runner = LocalRunner(stack)
    kinds: dict[str, int] = {}
    for resource in stack.cfn_template["Resources"].values():
        kinds[resource["Type"]] = kinds.get(resource["Type"], 0) + 1
    for kind, count in sorted(kinds.items()):
        print(f"   {count:2d} x {kind}")

    step(f"Registering {FACILITY} ({WDID}) with its Legally Responsible Person")
    table = boto3.resource("dynamodb", region_name=REGION).Table(stack.table)
    directory = FacilityDirectory(table)
    directory.put_profile(WDID, FACILITY)
    directory.put_member(Member(wdid=WDID, user_id="lrp-1", role="LRP", email="lrp@harbor.example", name="Pat Lee"))

    step("Uploading two attachments for report 4501")
    s3 = boto3.client("s3", region_name=REGION)
    uploads: list[tuple[str, bytes, str]] = [
        (
            "Level 2 Technical Report.pdf",
            text_pdf("Level 2 ERA Technical Report", f"{FACILITY} ({WDID})", "Zinc, Total (Recoverable)"),
            "Level 2 ERA Technical Report",
        ),
        ("site photo scan.pdf", PNG_SCAN, "Level 2 ERA Technical Report"),
    ]
    for name, body, file_type in uploads:
        key = f"attachments/{WDID}/{REPORT_ID}/{name}"
        s3.put_object(
            Bucket=stack.bucket,
            Key=key,
            Body=body,
            Metadata={"file-type": file_type, "title": name.rsplit(".", 1)[0], "uploaded-by": CONSULTANT},
        )
        print(f"   s3://{stack.bucket}/{key}  ({len(body):,} bytes, declared {file_type!r})")

    step("Running the pipeline: S3 events -> SQS -> validator -> table / quarantine -> notices -> SES")
    totals = runner.drain(progress=lambda fn, r: print(f"   {fn}: {r.received} message(s), {r.failed} failed"))
    print(f"   done: {totals.received} messages, {totals.failed} failed")

    step("What was accepted and what was quarantined")
    _print_attachments(table)

    step("The notices that were emailed")
    for sent in sent_emails():
        print(f"   To: {', '.join(sent.to)}\n   Subject: {sent.subject}")
        print("   " + "\n   ".join(sent.part("plain").strip().splitlines()[:14]))
        print("   ...")
    written = write_outbox(outbox)
    print(f"\n   {len(written) // 2} email(s) written to {outbox}/ (.eml to open in a mail app, .html in a browser)")
    return 0


def _print_attachments(table: Any) -> None:
    from boto3.dynamodb.conditions import Key

    items = table.query(
        KeyConditionExpression=Key("pk").eq(f"FAC#{WDID}") & Key("sk").begins_with(f"REPORT#{REPORT_ID}#ATT#")
    )["Items"]
    for item in sorted(items, key=lambda i: str(i["file_name"])):
        if item["status"] == "accepted":
            warnings_text = ", ".join(w["code"] for w in item.get("warnings", [])) or "none"
            print(
                f"   ACCEPTED     {item['file_name']}: {item['file_type']}, {item['pages']} page(s), "
                f"sha256 {str(item['sha256'])[:12]}..., warnings: {warnings_text}"
            )
        else:
            reasons = "; ".join(f"{e['code']}: {e['message']}" for e in item.get("errors", []))
            print(f"   QUARANTINED  {item['file_name']} -> {item['quarantine_key']}\n                {reasons}")


if __name__ == "__main__":
    sys.exit(main())
