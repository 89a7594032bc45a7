"""The ERA lifecycle end to end (issue 12): one facility over four July 1s on `permitclock serve`, driven as a
deployment is driven and nothing else: the HTTP API with JWTs (`permitclock token`), uploads to the documents
bucket through the AWS endpoint, and the schedules and the clock of the `/_local/` control surface. Nothing here
writes a report, an obligation or a status itself: what the steps check is what production made of the uploads
and the requests. (The monitoring rows and PDFs are built by `infra.sample_documents`, data only.)

The year: July 1, 2024 opens the Level 1 ERA Report; its certification closes it; July 1, 2025 (Level 2) opens the
Action Plan and the Technical Report; the LRP extends the Technical Report (the feeds move at once) and certifies
it; July 1, 2026 and 2027 open a Technical Report Update each. The Annual Reports and the Level 1 ERA Evaluation
close through the complete route and a SMARTS Annual Reports upload; the sweeps on every reminder step of the
closed duties send nothing for them, and every email is sent once. The reminders' calendar links name the server
itself: the LRP's opens their feed over HTTP, and is 404 once they rotate their token.
"""

from __future__ import annotations

import email
import email.policy
import re
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import quote

import pytest
from icalendar import Calendar

from infra.sample_documents import RAW_HEADER, annual_reports_download, annual_reports_row, raw_row, text_pdf
from tests.server.conftest import Server, permitclock, start_server

pytestmark = pytest.mark.slow

WDID = "5S34I025848"
BMP = "Industrial Activity BMP Demonstration (Part 2.a.iii)"
PEOPLE = {
    "lrp": ("lrp-1", "lrp@harbor.example", "Pat Lee", "LRP"),
    "dar": ("dar-1", "dar@harbor.example", "Dana Ruiz", "DAR"),
    "dep": ("dep-1", "dep@consult.example", "Devi Prep", "DEP"),
}
REGISTRY_CSV = (
    "Certificate Number,First Name,Last Name,ZIP,Licensed Engineer,License Number\n"
    "F09876,Qisp,Industrial,95814,yes,C12345\n"
)


class Facility:
    """The facility as its people and the operator reach it: HTTP with their tokens, S3, the controls."""

    def __init__(self, server: Server, tokens: dict[str, str]) -> None:
        self.server = server
        self.tokens = tokens
        _, health = server.request("GET", "/_local/health")
        self.bucket = str(health["bucket"])
        self.s3 = server.client("s3")

    def call(self, who: str, method: str, path: str, body: Any = None, *, expect: int = 200) -> Any:
        signed = {"Authorization": f"Bearer {self.tokens[who]}"}
        status, answer = self.server.request(method, path, body, headers=signed)
        assert status == expect, (method, path, status, answer)
        return answer

    def on(self, day: str) -> None:
        assert self.server.request("POST", "/_local/clock", {"today": day}) == (200, {"today": day})

    def fire(self, schedule: str, day: str) -> dict[str, Any]:
        status, summary = self.server.request("POST", f"/_local/schedules/{schedule}", {"on": day})
        assert status == 200, summary
        return dict(summary)

    def upload(self, key: str, body: bytes, metadata: dict[str, str] | None = None) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, Metadata=metadata or {})
        status, drained = self.server.request("POST", "/_local/drain")
        assert status == 200 and all(p["failed"] == 0 for p in drained["pollers"].values()), drained

    def drain(self) -> None:
        assert self.server.request("POST", "/_local/drain")[0] == 200

    def reports(self) -> dict[str, dict[str, Any]]:
        return {r["report_id"]: r for r in self.call("lrp", "GET", f"/facilities/{WDID}/reports")["reports"]}

    def obligations(self) -> dict[str, dict[str, Any]]:
        """The facility's obligations by id (the portfolio route names each)."""
        found: dict[str, dict[str, Any]] = {}
        page: dict[str, Any] = {"next": ""}
        while page.get("next") is not None:
            cursor = f"&next={quote(page['next'], safe='')}" if page["next"] else ""
            page = self.call("lrp", "GET", f"/obligations?wdid={WDID}&limit=100{cursor}")
            found.update((o["obligation_id"], o) for o in page["obligations"])
        return found

    def of_type(self, obligation_type: str, period: str | None = None) -> list[dict[str, Any]]:
        return [o for o in self.obligations().values()
                if o["type"] == obligation_type and (period is None or o["period"] == period)]  # fmt: skip

    def complete(self, who: str, obligation_id: str, on: str, *, expect: int = 200) -> Any:
        path = f"/facilities/{WDID}/obligations/{quote(obligation_id, safe='')}/complete"
        return self.call(who, "POST", path, {"completed_on": on, "reference": "done outside"}, expect=expect)

    def feed(self) -> dict[str, Any]:
        """The facility's calendar feed object, events by UID."""
        body = self.s3.get_object(Bucket=self.bucket, Key=f"calendars/facility/{WDID}.ics")["Body"].read()
        return {str(e["UID"]): e for e in Calendar.from_ical(body).walk("VEVENT")}

    def event(self, obligation_id: str) -> Any:
        return self.feed()[f"{quote(obligation_id, safe=':._-~')}@permitclock"]

    def emails(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for p in sorted(self.server.outbox.glob("[0-9][0-9][0-9][0-9].eml"))
        ]

    def upload_monitoring(self, year: int) -> None:
        """A SMARTS download of the year's two zinc results over the annual NAL (0.26 mg/L)."""
        rows = [raw_row(wdid=WDID, result="0.9", sample_date=f"11/03/{year}", reporting_year=str(year),
                        sample_id=f"z{year}{n}", location=f"DP-{n}") for n in (1, 2)]  # fmt: skip
        self.upload(f"monitoring/smarts-{year}.txt", "\n".join([RAW_HEADER, *rows, ""]).encode())

    def prepare_and_certify(self, report_id: str, file_type: str, on: str) -> dict[str, Any]:
        """The DEP prepares the report (its attachment, the QISP, demonstrations for a Technical Report) and
        sends it; the LRP certifies it on `on`."""
        path = f"/facilities/{WDID}/reports/{report_id}"
        self.on(on)
        self.upload(f"attachments/{WDID}/{report_id}/{report_id}.pdf", text_pdf(report_id, "Harbor Plating"),
                    {"file-type": file_type, "title": file_type})  # fmt: skip
        self.call("dep", "PUT", f"{path}/qisp", {"certificate_number": "F09876"})
        if file_type == "Level 2 ERA Technical Report":
            parameters = self.call("dep", "GET", path)["report"]["parameters"]
            self.call("dep", "PUT", f"{path}/demonstrations", {"demonstrations": {p: [BMP] for p in parameters}})
            self.call("dep", "PUT", f"{path}/details", {"bmps_implemented": on})
        assert self.call("dep", "POST", f"{path}/completion-check") == {"complete": True, "problems": []}
        self.call("dep", "POST", f"{path}/send-to-certifier")
        certified = self.call("lrp", "POST", f"{path}/certify", {"certification_accepted": True})
        self.drain()
        return dict(certified)


@pytest.fixture(scope="module")
def facility(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Facility]:
    running = start_server(tmp_path_factory.mktemp("lifecycle"))
    tokens = dict(running.tokens)
    for who, (sub, address, name, _) in PEOPLE.items():
        minted = permitclock("token", "--sub", sub, "--email", address, "--name", name)
        assert minted.returncode == 0, minted.stderr
        tokens[who] = minted.stdout.strip()
    try:
        yield Facility(running, tokens)
    finally:
        running.process.kill()
        running.process.wait()


def _reminded(emails: list[email.message.EmailMessage]) -> Counter[str]:
    """Reminder emails by obligation id (`reminder:{obligation id}:{due}:{step}`)."""
    ids = (str(m["X-Permitclock-Notice"]) for m in emails)
    return Counter(i.removeprefix("reminder:").rsplit(":", 2)[0] for i in ids if i.startswith("reminder:"))


def _step_days(due: str) -> list[str]:
    """Days the default policy reminds an open duty due on `due`: 30 days before, the due date, a week late."""
    d = date.fromisoformat(due)
    return [date.fromordinal(d.toordinal() + n).isoformat() for n in (-30, 0, 7)]


def test_one_facility_over_four_july_1s_through_the_deployed_paths(facility: Facility) -> None:
    f = facility
    # ---- 2024: created by an administrator, its people assigned by the LRP, the registry and monitoring uploaded
    f.on("2024-06-01")
    sub, address, name, _ = PEOPLE["lrp"]
    lrp = {"user_id": sub, "email": address, "name": name, "title": "Plant Manager", "eauthorization_on_file": True}
    created = f.call("admin", "POST", "/facilities", {"wdid": WDID, "name": "Harbor Plating", "lrp": lrp}, expect=201)
    assert created["lrp"]["user_id"] == sub
    f.call("admin", "POST", "/facilities", {"wdid": WDID, "name": "Again", "lrp": lrp}, expect=409)
    for who in ("dar", "dep"):
        sub, address, name, role = PEOPLE[who]
        body = {"role": role, "email": address, "title": "EHS", "eauthorization_on_file": role == "DAR"}
        f.call("lrp", "PUT", f"/facilities/{WDID}/members/{sub}", body)
    f.upload("qisp/registry.csv", REGISTRY_CSV.encode())
    f.upload_monitoring(2023)

    # ---- July 1, 2024: Level 1; the Level 1 ERA Report opens with its obligations
    f.on("2024-07-01")
    run = f.fire("annual", "2024-07-01")
    assert (run["reporting_year"], run["failed_attempts"]) == ("2023-2024", 0)
    assert run["changes"] == {"baseline_to_level_1": 1}
    assert sorted(f.reports()) == ["L1R-2023-2024"]
    [l1r] = f.of_type("Level 1 ERA Report")
    [evaluation] = f.of_type("Level 1 ERA Evaluation")
    [annual_2024] = f.of_type("Annual Report", "2023-2024")
    assert l1r["report_id"] == "L1R-2023-2024" and l1r["status"] == "open"
    assert evaluation["report_id"] is None and annual_2024["report_id"] is None
    assert f.reports()["L1R-2023-2024"]["obligation_ids"] == [l1r["obligation_id"]]
    assert str(f.event(l1r["obligation_id"])["STATUS"]) == "CONFIRMED"  # the feed followed the July 1 run

    # Duties done outside permitclock, recorded through the complete route.
    f.on("2024-07-20")
    f.complete("lrp", annual_2024["obligation_id"], "2024-07-12")
    f.complete("dar", annual_2024["obligation_id"], "2024-07-12", expect=409)
    f.complete("dar", evaluation["obligation_id"], "2024-07-21", expect=400)  # in the future
    f.complete("dar", evaluation["obligation_id"], "2024-07-19")

    # The Level 1 ERA Report prepared and certified: its obligation closes, its event is cancelled.
    certified = f.prepare_and_certify("L1R-2023-2024", "Level 1 ERA Report", "2024-11-15")
    assert certified["report"]["status"] == "Submitted"
    assert f.obligations()[l1r["obligation_id"]]["status"] == "closed"
    assert str(f.event(l1r["obligation_id"])["STATUS"]) == "CANCELLED"
    closed = {l1r["obligation_id"], evaluation["obligation_id"], annual_2024["obligation_id"]}
    for day in sorted({d for o in (l1r, evaluation) for d in _step_days(o["due"])}):
        f.fire("sweep", day)
    assert not set(_reminded(f.emails())) & closed  # no reminder for a closed obligation

    # ---- July 1, 2025: Level 2; the Action Plan and the Technical Report open
    f.upload_monitoring(2024)
    f.on("2025-07-01")
    assert f.fire("annual", "2025-07-01")["changes"] == {"level_1_to_level_2": 1}
    assert sorted(f.reports()) == ["L1R-2023-2024", "L2AP-2024-2025", "L2TR-2024-2025"]
    [tr] = f.of_type("Level 2 ERA Technical Report")
    assert (tr["report_id"], tr["due"]) == ("L2TR-2024-2025", "2027-01-01")
    before = f.event(tr["obligation_id"])
    assert (before.decoded("DTSTART"), int(before["SEQUENCE"])) == (date(2027, 1, 1), 0)

    # The LRP takes the automatic extension: the feed has the moved event right after the notices are handled.
    f.on("2025-09-02")
    extended = f.call("lrp", "POST", f"/facilities/{WDID}/reports/L2TR-2024-2025/extension")
    assert extended["report"]["due"] == "2027-06-30"
    f.drain()
    moved = f.event(tr["obligation_id"])
    assert (moved.decoded("DTSTART"), int(moved["SEQUENCE"])) == (date(2027, 6, 30), 1)
    assert f.obligations()[tr["obligation_id"]]["due"] == "2027-06-30"

    # The Technical Report certified before the next July 1; the Action Plan too; the Annual Report through SMARTS.
    f.prepare_and_certify("L2TR-2024-2025", "Level 2 ERA Technical Report", "2026-03-02")
    f.prepare_and_certify("L2AP-2024-2025", "Level 2 ERA Action Plan", "2026-03-03")
    [annual_2025] = f.of_type("Annual Report", "2024-2025")
    f.upload("smarts/annual-reports/harbor.txt", _annual_reports(("2024", "1295787", "10-JUL-25 09.00.00.000000 AM")))
    assert f.obligations()[annual_2025["obligation_id"]]["status"] == "closed"
    assert str(f.event(annual_2025["obligation_id"])["STATUS"]) == "CANCELLED"
    ended = f.of_type("Level 2 ERA Technical Report") + f.of_type("Level 2 ERA Action Plan")
    assert {o["status"] for o in ended} == {"closed"}
    closed |= {o["obligation_id"] for o in ended} | {annual_2025["obligation_id"]}

    # ---- July 1, 2026 and 2027: Level 2 with exceedances: each opens a Technical Report Update on the certified
    # Technical Report (era-rules "Level status")
    for year in (2025, 2026):
        f.on(f"{year + 1}-06-20")  # the year's results are in (a result dated after today is refused)
        f.upload_monitoring(year)
        f.on(f"{year + 1}-07-01")
        run = f.fire("annual", f"{year + 1}-07-01")
        assert (run["failed_attempts"], run["changes"]) == (0, {}), run
        updates = f.of_type("Level 2 ERA Technical Report Update", f"{year}-{year + 1}")
        assert [u["report_id"] for u in updates] == ["L2TR-2024-2025"], year
    assert len(f.of_type("Level 2 ERA Technical Report Update")) == 2
    assert sorted(f.reports()) == ["L1R-2023-2024", "L2AP-2024-2025", "L2TR-2024-2025"]  # an update opens none

    # The closed duties' reminder steps: nothing for any of them, ever; every email once.
    for o in ended:
        for day in _step_days(o["due"]):
            f.fire("sweep", day)
    sent = f.emails()
    assert not set(_reminded(sent)) & closed
    assert _reminded(sent), "the open duties (sampling, Annual Reports) were reminded"
    deliveries = Counter((str(m["X-Permitclock-Notice"]), str(m["To"])) for m in sent)
    assert max(deliveries.values()) == 1, [d for d, n in deliveries.items() if n > 1]
    f.fire("sweep", _step_days(ended[0]["due"])[-1])  # a sweep day run again sends nothing new
    assert len(f.emails()) == len(sent)

    # The LRP's reminders name their own feed on this server (the token made with the first of them).
    notices = [(m, str(m["X-Permitclock-Notice"])) for m in sent if str(m["To"]) == PEOPLE["lrp"][1]]
    links = {_feed_link(m) for m, notice in notices if notice.startswith("reminder:")}
    assert len(links) == 1, links
    [link] = links
    assert link.startswith(f"webcal://127.0.0.1:{f.server.port}/calendars/"), link
    feed_url = f.server.url + link.removeprefix(f"webcal://127.0.0.1:{f.server.port}")
    with urllib.request.urlopen(feed_url, timeout=60) as answer:  # no Authorization header
        mine = Calendar.from_ical(answer.read())
    assert str(mine["X-WR-CALNAME"]) == "My permit deadlines" and mine.walk("VEVENT")
    f.call("lrp", "POST", "/me/calendar-token")
    with pytest.raises(urllib.error.HTTPError) as rotated:
        urllib.request.urlopen(feed_url, timeout=60)
    assert rotated.value.code == 404


def _feed_link(message: email.message.EmailMessage) -> str:
    """The `Your deadlines` webcal:// link of an email's text part."""
    body = message.get_body(preferencelist=("plain",))
    found = re.search(r"^Your deadlines: (webcal://\S+)", str(body.get_content()) if body else "", re.MULTILINE)
    assert found, message["Subject"]
    return found[1]


def _annual_reports(*records: tuple[str, str, str]) -> bytes:
    """A SMARTS "Industrial Annual Reports" download of the facility's (report year, report id, certified)."""
    return annual_reports_download(*(annual_reports_row(WDID, i, year, c) for year, i, c in records))
