"""Facility profiles and their members in the state table (`FAC#{wdid}` / `PROFILE`, `MEMBER#{user_id}`)."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key

from permitclock.adapters.table import query_all
from permitclock.domain.members import Member
from permitclock.notices.recipients import Member as NoticeMember


class FacilityDirectory:
    """Reads and writes facility profiles and member roles; each read is one request."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def profile(self, wdid: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": f"FAC#{wdid}", "sk": "PROFILE"}).get("Item")
        return dict(item) if item else None

    def facility_name(self, wdid: str) -> str:
        profile = self.profile(wdid) or {}
        return str(profile.get("name") or wdid)

    def put_profile(self, wdid: str, name: str, **attributes: Any) -> None:
        """Create or replace a facility's profile; it joins the planner's facility index (GSI1)."""
        self._table.put_item(
            Item={
                "pk": f"FAC#{wdid}",
                "sk": "PROFILE",
                "gsi1pk": "FACILITY",
                "gsi1sk": wdid,
                "wdid": wdid,
                "name": name,
                **attributes,
            }
        )

    def put_member(self, member: Member, *, digest: bool = False, cc_opt_in: bool = False) -> None:
        """Grant a role; GSI1 `USER#{user_id}` lists the user's facilities."""
        self._table.put_item(
            Item={
                "pk": f"FAC#{member.wdid}",
                "sk": f"MEMBER#{member.user_id}",
                "gsi1pk": f"USER#{member.user_id}",
                "gsi1sk": f"FAC#{member.wdid}",
                **member.model_dump(),
                "digest": digest,
                "cc_opt_in": cc_opt_in,
            }
        )

    def facilities_of(self, user_id: str) -> list[str]:
        """The WDIDs where a user holds a role (GSI1 `USER#{user_id}`; one query per page)."""
        condition = Key("gsi1pk").eq(f"USER#{user_id}") & Key("gsi1sk").begins_with("FAC#")
        items = query_all(self._table, condition, index="gsi1-by-facility")
        return sorted({str(i["gsi1sk"]).removeprefix("FAC#") for i in items})

    def notice_members(self, wdid: str) -> list[NoticeMember]:
        """Everyone with a role at the facility, with their notice preferences."""
        items = self._table.query(
            KeyConditionExpression=Key("pk").eq(f"FAC#{wdid}") & Key("sk").begins_with("MEMBER#")
        )["Items"]
        return [
            NoticeMember.from_domain(
                Member.model_validate(item),
                digest=bool(item.get("digest", False)),
                cc_opt_in=bool(item.get("cc_opt_in", False)),
            )
            for item in items
        ]
