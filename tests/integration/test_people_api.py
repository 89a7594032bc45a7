"""Members and preferences through the local stack: the LRP removes a member (the item and its GSI1 entry go),
never the last LRP; a person's preferences reach the member items the notices read."""

from __future__ import annotations

from permitclock.adapters.facilities import FacilityDirectory

from tests.integration.conftest import Stack
from tests.integration.test_api import OTHER_WDID, WDID, call, seed, user


def test_remove_a_member_and_set_preferences(local: Stack) -> None:
    seed(local)
    members = f"/facilities/{WDID}/members"
    status, body = call(local, "GET", members, as_user=user("LRP"))
    assert status == 200 and user("DEP") in {m["user_id"] for m in body["members"]}

    assert call(local, "DELETE", f"{members}/{user('DEP')}", as_user=user("LRP"))[0] == 200
    assert local.items(f"FAC#{WDID}", f"MEMBER#{user('DEP')}") == []
    assert WDID not in FacilityDirectory(local.table).facilities_of(user("DEP"))
    assert call(local, "DELETE", f"{members}/{user('LRP')}", as_user=user("LRP"))[1]["code"] == "last_lrp"
    assert call(local, "GET", members, as_user=user("LRP", OTHER_WDID))[0] == 404

    status, body = call(local, "PUT", "/me/preferences", as_user=user("QISP"), body={"digest": True, "cc_opt_in": True})
    assert (status, body) == (200, {"digest": True, "cc_opt_in": True})
    [qisp] = [m for m in FacilityDirectory(local.table).members(WDID) if m.user_id == user("QISP")]
    assert (qisp.digest, qisp.cc_opt_in, qisp.role) == (True, True, "QISP")
    assert call(local, "GET", "/me/preferences", as_user=user("QISP"))[1] == {"digest": True, "cc_opt_in": True}
