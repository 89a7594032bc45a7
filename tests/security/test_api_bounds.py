"""API inputs are bounded (models cap every string; oversize bodies get 413) and JWT claims are validated."""

from __future__ import annotations

import base64
import json
import typing
from typing import Any

import pytest
from permitclock.api import models
from permitclock.api.routes import MAX_BODY_BYTES
from pydantic import BaseModel

from tests.unit.api.conftest import REPORT_ID, WDID, Api, api, event  # noqa: F401  (the `api` fixture)

REPORT = f"/facilities/{WDID}/reports/{REPORT_ID}"


def _request_models() -> list[type[BaseModel]]:
    return [m for m in vars(models).values() if isinstance(m, type) and issubclass(m, models._Request)
            and m is not models._Request]  # fmt: skip


@pytest.mark.parametrize("model", _request_models(), ids=lambda m: m.__name__)
def test_every_request_string_has_a_max_length(model: type[BaseModel]) -> None:
    for name, field in model.model_fields.items():
        if field.annotation is str:
            assert any(getattr(m, "max_length", None) for m in field.metadata), f"{model.__name__}.{name}"
        assert field.annotation not in (bytes, typing.Any), f"{model.__name__}.{name}"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ('{"reason": "' + "x" * (MAX_BODY_BYTES + 1) + '", "attachment_id": "1"}', 413),
        ("[" * 60_000, 400),  # deeper than json.loads' recursion limit: was a 500 (RecursionError)
        ('{"reason": "r", "attachment_id": ' + "9" * 5000 + "}", 400),  # int over 4,300 digits: was a 500
        ('{"reason": "' + "é" * (MAX_BODY_BYTES // 2 + 1) + '", "attachment_id": "1"}', 413),  # bytes, not chars
    ],
    ids=["oversize", "deep-nesting", "huge-integer", "multibyte-oversize"],
)
def test_hostile_bodies_get_4xx(api: Api, body: str, status: int) -> None:  # noqa: F811
    code, answer = api.call("POST", f"{REPORT}/updates", raw_body=body)
    assert code == status and set(answer) == {"code", "message"}


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data",
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded",
        "text/plain",
        "Application/JSON",
    ],
)
def test_a_body_that_is_not_json_gets_415(api: Api, content_type: str) -> None:  # noqa: F811
    """Multipart without a boundary was a 500 (powertools raised ValueError); forms were parsed as if JSON."""
    raw = event("PUT", f"/facilities/{WDID}/members/user-x", as_user="user-lrp", raw_body='{"role": "DEP"}')
    raw["headers"] = {"content-type": content_type}
    answer = api.app.resolve(raw, {})
    assert answer["statusCode"] == 415 and json.loads(answer["body"])["code"] == "unsupported_media_type"


def test_json_with_a_charset_is_json(api: Api) -> None:  # noqa: F811
    raw = event("PUT", f"/facilities/{WDID}/members/user-x", as_user="user-lrp", raw_body='{"role": "DEP"}')
    raw["headers"] = {"content-type": "application/json; charset=utf-8"}
    assert api.app.resolve(raw, {})["statusCode"] == 200


def test_oversize_base64_body_gets_413(api: Api) -> None:  # noqa: F811
    raw = event("POST", f"{REPORT}/updates", as_user="user-lrp", raw_body=base64.b64encode(b"{" * 70_000).decode())
    raw["isBase64Encoded"] = True
    assert api.app.resolve(raw, {})["statusCode"] == 413


def test_oversize_path_segment_gets_400(api: Api) -> None:  # noqa: F811
    code, _ = api.call("PUT", f"/facilities/{WDID}/members/{'u' * 300}", body={"role": "DEP"})
    assert code == 400
    assert all(len(m.user_id) < 300 for m in api.store.facilities.roles.values())


def _with_claims(claims: Any) -> dict[str, Any]:
    raw = event("GET", "/facilities", as_user="user-lrp")
    raw["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    return raw


@pytest.mark.parametrize(
    "claims",
    [
        {},
        {"sub": ""},
        {"sub": " "},
        {"sub": None},
        {"sub": 5},
        {"sub": ["user-lrp"]},
        {"sub": {"id": "x"}},
        {"sub": "user-lrp\n"},
        {"sub": "x" * 256},
        {"email": "a@b.example"},
        None,
        "sub",
    ],
    ids=repr,
)
def test_bad_subject_claims_get_401(api: Api, claims: Any) -> None:  # noqa: F811
    response = api.app.resolve(_with_claims(claims), {})
    assert response["statusCode"] == 401
    assert json.loads(response["body"])["code"] == "unauthenticated"


def test_missing_authorizer_gets_401(api: Api) -> None:  # noqa: F811
    raw = event("GET", "/facilities", as_user="user-lrp")
    del raw["requestContext"]["authorizer"]
    assert api.app.resolve(raw, {})["statusCode"] == 401


def test_good_subject_is_accepted(api: Api) -> None:  # noqa: F811
    assert api.app.resolve(_with_claims({"sub": "user-lrp"}), {})["statusCode"] == 200
