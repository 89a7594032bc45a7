"""The in-year outlook through the local stack: monitoring uploads during the year -> samples -> the LRP's email
when a parameter's state worsens, exactly once per state and year; GET /facilities/{wdid}/outlook shows it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from permitclock.adapters.facilities import FacilityDirectory
from permitclock.clock import FixedClock
from permitclock.domain.members import Member

from infra.sent_mail import sent_emails
from tests.integration.conftest import Stack
from tests.unit.igp.igp_helpers import RAW_HEADER, raw_row

pytestmark = pytest.mark.stack

WDID = "4 19I000033"
LRP_EMAIL = "lrp@sonic.example"
INTAKE = "MonitoringIntakeFunction"


def on(local: Stack, day: date) -> None:
    runtime = replace(local.runner.runtime, clock=FixedClock.on(day))
    for function in (INTAKE, "NotifierFunction"):
        local.runner.use(function, runtime)


def upload(local: Stack, name: str, *rows: str) -> None:
    body = ("\n".join([RAW_HEADER, *rows]) + "\n").encode()
    local.s3.put_object(Bucket=local.bucket, Key=f"monitoring/{name}", Body=body)
    local.runner.drain(only={INTAKE})
    local.runner.drain(only={"NotifierFunction"})


def zinc(value: str, day: str, sample_id: str) -> str:
    return raw_row(wdid=WDID, result=value, sample_date=day, reporting_year="2025", sample_id=sample_id)


def lrp_mail(local: Stack) -> list[str]:
    return [m.subject for m in sent_emails() if LRP_EMAIL in m.to]


def test_the_lrp_is_told_once_per_worse_state(local: Stack) -> None:
    directory = FacilityDirectory(local.table)
    directory.put_profile(WDID, "Sonic Plating Co")
    directory.put_member(Member(wdid=WDID, user_id="lrp", role="LRP", email=LRP_EMAIL))
    directory.put_member(Member(wdid=WDID, user_id="dar", role="DAR", email="dar@sonic.example"))

    on(local, date(2025, 10, 20))
    upload(local, "q1.txt", zinc("0.1", "10/15/2025", "1"))
    assert lrp_mail(local) == []  # on track

    on(local, date(2025, 11, 20))
    upload(local, "q2.txt", zinc("0.6", "11/15/2025", "2"))  # average 0.35 > 0.26; 0.26 x 4 - 0.7 >= 0: at risk
    [at_risk] = lrp_mail(local)
    assert "Zinc, Total (Recoverable) 2025-2026: at risk" in at_risk
    upload(local, "q2-again.txt", zinc("0.6", "11/15/2025", "2"), zinc("0.2", "11/15/2025", "2b"))
    assert len(lrp_mail(local)) == 1  # still at risk: nothing new

    on(local, date(2026, 2, 20))
    upload(local, "q3.txt", zinc("0.4", "02/15/2026", "3"))  # 1.3 = 0.26 x (4 + 1): only a zero saves it
    assert len(lrp_mail(local)) == 1

    on(local, date(2026, 3, 20))
    upload(local, "q4.txt", zinc("0.5", "03/15/2026", "4"))  # the last QSE: 1.8 / 5 = 0.36 > 0.26: certain
    subjects = lrp_mail(local)
    assert len(subjects) == 2 and "exceedance certain" in subjects[1]

    on(local, date(2026, 4, 20))
    upload(local, "q5.txt", zinc("0.9", "04/15/2026", "5"))
    assert len(lrp_mail(local)) == 2  # once per state and year
    assert all("dar@sonic.example" not in m.to for m in sent_emails())
    [state] = local.items(f"FAC#{WDID}", "OUTLOOK#2025-2026#")
    assert (state["state"], state["notice_id"]) == (
        "exceedance_certain", f"outlook:{WDID}:2025-2026:Zinc, Total (Recoverable):exceedance_certain",
    )  # fmt: skip
