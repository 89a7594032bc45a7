"""Calendar subscriptions through the template's HTTP API on the local stack (infra.http_gateway: its routes, its
JWT authorizer run for real): tokens issued with a JWT, feeds fetched without one, a rotated token 404 at once, and
the links the sweep's reminders carry (the stack's public origin, `infra.local_stack.LOCAL_API_URL`)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from icalendar import Calendar
from joserfc.jwk import KeySet, RSAKey
from werkzeug.test import Client
from werkzeug.wrappers import Request

from infra.http_gateway import HttpApiGateway
from infra.local_issuer import mint
from infra.local_stack import LOCAL_API_URL
from infra.sent_mail import SentEmail, sent_emails
from tests.integration.conftest import Stack
from tests.integration.test_api import OTHER_WDID, WDID, seed, user

pytestmark = pytest.mark.stack

SWEEP = "DeadlineSweepFunctionDailySweep"


class Http:
    """The HTTP API as a client sees it: `as_user` signs the request with a JWT of the local issuer."""

    def __init__(self, local: Stack) -> None:
        self._key = RSAKey.generate_key(2048, parameters={"alg": "RS256"}, private=True, auto_kid=True)
        [self._issuer] = {r.authorizer for r in local.stack.routes if r.authorizer is not None}
        gateway = HttpApiGateway(local.stack.routes, KeySet([self._key]), local.runner.invoke)
        self.client = Client(lambda environ, start: gateway(Request(environ))(environ, start))

    def __call__(self, method: str, path: str, *, as_user: str | None = None) -> tuple[int, Any, str]:
        headers = {"Authorization": f"Bearer {mint(self._key, self._issuer, sub=as_user)}"} if as_user else {}
        response = self.client.open(path, method=method, headers=headers, base_url="https://api.example")
        body = response.get_json(silent=True) if response.mimetype == "application/json" else response.data
        return response.status_code, body, response.headers.get("Content-Type", "")


def _feed_path(url: str) -> str:
    assert url.startswith("https://api.example/calendars/") and url.endswith(".ics"), url
    return url.removeprefix("https://api.example")


def test_a_token_opens_the_feed_without_a_jwt_and_is_404_once_rotated(local: Stack) -> None:
    seed(local)
    local.runner.fire(SWEEP, {"job": "calendars", "wdids": [WDID]})
    http = Http(local)
    lrp = user("LRP")

    status, issued, _ = http("POST", f"/facilities/{WDID}/calendar-token", as_user=lrp)
    assert status == 200 and set(issued) == {"token", "url", "webcal"}
    assert issued["webcal"] == "webcal://" + issued["url"].removeprefix("https://")
    status, body, content_type = http("GET", _feed_path(issued["url"]))  # no Authorization header
    assert (status, content_type) == (200, "text/calendar; charset=utf-8")
    cal = Calendar.from_ical(body)
    assert str(cal["X-WR-CALNAME"]) == f"Facility {WDID} ({WDID}) deadlines"
    assert any("Technical Report" in str(e["SUMMARY"]) for e in cal.walk("VEVENT"))

    status, rotated, _ = http("POST", f"/facilities/{WDID}/calendar-token", as_user=lrp)
    assert status == 200 and rotated["token"] != issued["token"]
    assert http("GET", _feed_path(issued["url"]))[:2] == (404, {"code": "not_found", "message": "no such calendar"})
    assert http("GET", _feed_path(rotated["url"]))[0] == 200

    status, mine, _ = http("POST", "/me/calendar-token", as_user=user("QISP"))
    assert status == 200
    status, body, _ = http("GET", _feed_path(mine["url"]))
    assert status == 200 and str(Calendar.from_ical(body)["X-WR-CALNAME"]) == "My permit deadlines"
    assert http("GET", _feed_path(rotated["url"]))[0] == 200  # a person's token is not the facility's

    stored = local.table.scan()["Items"]
    tokens = [i for i in stored if str(i["pk"]).startswith("CALTOKEN#")]
    assert len(tokens) == 2 and not any(t in repr(stored) for t in (rotated["token"], mine["token"]))


def test_only_the_lrp_rotates_a_facility_token_and_wrong_tokens_are_404(local: Stack) -> None:
    seed(local)
    http = Http(local)
    path = f"/facilities/{WDID}/calendar-token"

    assert http("POST", path)[:2] == (401, {"message": "Unauthorized"})  # the authorizer, before the function
    status, body, _ = http("POST", path, as_user=user("DAR"))
    assert (status, body["code"]) == (403, "role_not_permitted")
    assert http("POST", path, as_user=user("LRP", OTHER_WDID))[1]["code"] == "not_found"

    status, issued, _ = http("POST", path, as_user=user("LRP"))
    assert status == 200
    status, body, _ = http("GET", _feed_path(issued["url"]))  # July 1 already wrote the feed (through the outbox)
    assert status == 200 and Calendar.from_ical(body).walk("VEVENT")
    token = issued["token"]
    for wrong in (token[:-1] + ("1" if token[-1] == "0" else "0"), token.upper(), token[:40], "0" * 64):
        assert http("GET", f"/calendars/{wrong}.ics")[:2] == (404, {"code": "not_found", "message": "no such calendar"})
    assert http("GET", f"/calendars/{token}")[0] == 404  # the feed's name ends in .ics


_LINK = re.compile(r"webcal://(?P<host>[^/\s]+)(?P<path>/calendars/[0-9a-f]{64}\.ics)")


def _links(sent: SentEmail) -> dict[str, str]:
    """The feed links of an email's text part by label (`Your deadlines`, `Facility {wdid}`): their paths, once
    the HTML part is checked to name the same ones."""
    text, html = sent.part("plain"), sent.part("html")
    found = dict(re.findall(r"^(.+): (webcal://\S+)\s*$", text, re.MULTILINE))
    for label, link in found.items():
        match = _LINK.fullmatch(link)
        assert match and match["host"] == LOCAL_API_URL.removeprefix("http://"), link
        assert f'href="{link}"' in html and f'href="{LOCAL_API_URL}{match["path"]}"' in html, label
    return {label: _LINK.fullmatch(link)["path"] for label, link in found.items()}  # type: ignore[index]


def _reminders_to(address: str, step: str) -> list[SentEmail]:
    """The reminders `address` got at `step` of the Technical Report due January 1, 2027 (one per parameter)."""
    suffix = f":Level 2 ERA Technical Report:2024-2025:2027-01-01:{step}"
    return [m for m in sent_emails() if m.to == (address,) and m.message["X-Permitclock-Notice"].endswith(suffix)]


def test_a_reminder_carries_the_recipients_feed_links_and_a_rotated_token_404s(local: Stack) -> None:
    seed(local)
    http = Http(local)
    lrp, dar = user("LRP"), user("DAR")
    status, facility_token, _ = http("POST", f"/facilities/{WDID}/calendar-token", as_user=lrp)
    assert status == 200

    local.runner.fire(SWEEP, {"on": "2026-12-25"})  # 7 days before the Technical Report's January 1, 2027
    local.runner.drain()
    to_lrp = _reminders_to(f"{lrp}@example.com", "before-7")
    links = _links(to_lrp[0])
    assert len(to_lrp) == 2 and _links(to_lrp[1]) == links  # one token made, named in each of that day's emails
    assert set(links) == {"Your deadlines", f"Facility {WDID}"}  # the LRP's own feed (made now) and the facility's
    assert links[f"Facility {WDID}"] == _feed_path(facility_token["url"])
    status, body, _ = http("GET", links["Your deadlines"])  # no Authorization header
    mine = Calendar.from_ical(body)
    assert status == 200 and str(mine["X-WR-CALNAME"]) == "My permit deadlines"
    assert any("Technical Report" in str(e["SUMMARY"]) for e in mine.walk("VEVENT"))
    to_dar = _links(_reminders_to(f"{dar}@example.com", "before-7")[0])
    assert set(to_dar) == {"Your deadlines"}  # a DAR may not see the facility's token
    assert to_dar["Your deadlines"] != links["Your deadlines"]

    status, rotated, _ = http("POST", "/me/calendar-token", as_user=lrp)
    assert status == 200
    assert http("GET", links["Your deadlines"])[:2] == (404, {"code": "not_found", "message": "no such calendar"})
    local.runner.fire(SWEEP, {"on": "2026-12-31"})  # the next step: its reminder names the new token
    local.runner.drain()
    latest = _links(_reminders_to(f"{lrp}@example.com", "before-1")[0])
    assert latest["Your deadlines"] == _feed_path(rotated["url"])
    assert http("GET", latest["Your deadlines"])[0] == 200

    stored = repr(local.table.scan()["Items"])
    assert not any(path.split("/")[-1].removesuffix(".ics") in stored for path in (*links.values(), *latest.values()))
