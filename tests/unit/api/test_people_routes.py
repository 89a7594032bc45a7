"""Members listed and removed by the LRP (never the last LRP), and each person's own preferences, over the fakes."""

from __future__ import annotations

from permitclock.domain.members import Member

from .conftest import OTHER_WDID, WDID, Api

MEMBERS = f"/facilities/{WDID}/members"


def test_the_lrp_lists_and_removes_members_others_may_not(api: Api) -> None:
    status, body = api.call("GET", MEMBERS)
    assert status == 200
    assert {m["user_id"]: m["role"] for m in body["members"]}["user-dep"] == "DEP"
    assert all("digest" not in m for m in body["members"])
    for role in ("dar", "dep", "qisp", "viewer"):
        assert api.call("GET", MEMBERS, as_user=f"user-{role}")[1]["code"] == "role_not_permitted"
        assert api.call("DELETE", f"{MEMBERS}/user-viewer", as_user=f"user-{role}")[0] == 403

    status, removed = api.call("DELETE", f"{MEMBERS}/user-dep")
    assert (status, removed["user_id"], removed["role"]) == (200, "user-dep", "DEP")
    assert "user-dep" not in {m["user_id"] for m in api.call("GET", MEMBERS)[1]["members"]}
    assert api.call("GET", f"/facilities/{WDID}/reports", as_user="user-dep")[0] == 404
    assert api.call("DELETE", f"{MEMBERS}/user-dep")[1]["code"] == "not_found"


def test_never_the_last_lrp_and_another_facilitys_members_are_404(api: Api) -> None:
    status, body = api.call("DELETE", f"{MEMBERS}/user-lrp")
    assert (status, body["code"]) == (409, "last_lrp")
    api.store.put_member(Member(wdid=WDID, user_id="second-lrp", role="LRP"))
    assert api.call("DELETE", f"{MEMBERS}/user-lrp")[0] == 200
    assert api.call("GET", MEMBERS, as_user="user-lrp")[0] == 404
    for method in ("GET", "DELETE"):
        path = f"/facilities/{OTHER_WDID}/members" + ("/b-user-dep" if method == "DELETE" else "")
        assert api.call(method, path, as_user="second-lrp")[1]["code"] == "not_found"


def test_preferences_are_the_persons_own_at_every_facility(api: Api) -> None:
    api.store.put_member(Member(wdid=OTHER_WDID, user_id="user-qisp", role="QISP"))
    assert api.call("GET", "/me/preferences", as_user="user-qisp") == (200, {"digest": False, "cc_opt_in": False})

    status, body = api.call("PUT", "/me/preferences", as_user="user-qisp", body={"digest": True, "cc_opt_in": True})

    assert (status, body) == (200, {"digest": True, "cc_opt_in": True})
    assert api.call("GET", "/me/preferences", as_user="user-qisp")[1] == {"digest": True, "cc_opt_in": True}
    held = [api.store.get_member(w, "user-qisp") for w in (WDID, OTHER_WDID)]
    assert [(m.digest, m.cc_opt_in, m.role) for m in held if m] == [(True, True, "QISP")] * 2
    assert api.call("PUT", "/me/preferences", as_user="user-qisp", body={"digest": "sometimes"})[0] == 400
    assert api.call("PUT", "/me/preferences", as_user="user-qisp", body={"email": "x@example.com"})[0] == 400
