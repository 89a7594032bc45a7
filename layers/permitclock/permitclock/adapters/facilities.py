"""Facility profiles and their members in the state table (`FAC#{wdid}` / `PROFILE`, `MEMBER#{user_id}`).

The one reader and writer of member items: the report workflow's store and the notices both go through here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from permitclock.adapters.table import batch_get, plain, query_all, readable
from permitclock.domain.coverage import SmartsProfile
from permitclock.domain.members import Member
from permitclock.errors import Conflict

MEMBERS_INDEX = "gsi1-by-facility"


def batch_profiles(table: Any, wdids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Each facility's profile by WDID (`table.batch_get`); missing ones are left out."""
    keys = [{"pk": f"FAC#{w}", "sk": "PROFILE"} for w in wdids]
    return {str(item["pk"]).removeprefix("FAC#"): plain(item) for item in batch_get(table, keys)}


def member_key(wdid: str, user_id: str) -> dict[str, str]:
    return {"pk": f"FAC#{wdid}", "sk": f"MEMBER#{user_id}"}


def member_item(member: Member) -> dict[str, Any]:
    """The member item, its notice preferences and its GSI1 entry `USER#{user_id}` / `FAC#{wdid}`."""
    return {
        **member_key(member.wdid, member.user_id),
        "gsi1pk": f"USER#{member.user_id}",
        "gsi1sk": f"FAC#{member.wdid}",
        **member.model_dump(),
        "digest": member.digest,
        "cc_opt_in": member.cc_opt_in,
    }


def member_from_item(item: dict[str, Any]) -> Member:
    return Member.model_validate({k: v for k, v in item.items() if k in Member.model_fields})


class FacilityDirectory:
    """Reads and writes facility profiles and member roles; each read is one request (paged past 1 MB)."""

    def __init__(self, table: Any) -> None:
        self._table = table

    # ------------------------------------------------------------------ profiles
    def profile(self, wdid: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": f"FAC#{wdid}", "sk": "PROFILE"}).get("Item")
        return plain(item) if item else None

    def profiles(self, wdids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return batch_profiles(self._table, wdids)

    def write_smarts_profile(self, profile: SmartsProfile, *, register: bool) -> bool:
        """Set the profile's SMARTS fields (the others, e.g. a reminder policy, are kept). With `register` the
        profile may be new and joins the facility index (GSI1 `FACILITY`); without, only an existing profile is
        written (False otherwise)."""
        attributes = profile.profile_attributes()
        if register:
            attributes = {**attributes, "wdid": profile.wdid, "gsi1pk": "FACILITY", "gsi1sk": profile.wdid}
        names = {f"#a{i}": k for i, k in enumerate(attributes)}
        values = {f":a{i}": v for i, v in enumerate(attributes.values())}
        kwargs: dict[str, Any] = {} if register else {"ConditionExpression": "attribute_exists(pk)"}
        try:
            self._table.update_item(
                Key={"pk": f"FAC#{profile.wdid}", "sk": "PROFILE"},
                UpdateExpression="SET " + ", ".join(f"{n} = {v}" for n, v in zip(names, values, strict=True)),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                **kwargs,
            )
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

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

    def create_facility(self, wdid: str, name: str, attributes: dict[str, Any], lrp: Member) -> None:
        """The profile and its LRP member in one transaction, only if the facility is new (`Conflict`
        `facility_exists` otherwise)."""
        profile = {"pk": f"FAC#{wdid}", "sk": "PROFILE", "gsi1pk": "FACILITY", "gsi1sk": wdid, "wdid": wdid,
                   "name": name, **{k: v for k, v in attributes.items() if v is not None}}  # fmt: skip
        try:
            self._table.meta.client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": self._table.name, "Item": profile,
                             "ConditionExpression": "attribute_not_exists(pk)"}},
                    {"Put": {"TableName": self._table.name, "Item": member_item(lrp)}},
                ]
            )  # fmt: skip
        except ClientError as err:
            reasons = err.response.get("CancellationReasons") or []
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                raise Conflict(f"facility {wdid} already exists", code="facility_exists") from None
            raise

    # ------------------------------------------------------------------ members
    def put_member(self, member: Member) -> None:
        """Grant a role (with the person's notice preferences); GSI1 `USER#{user_id}` lists their facilities."""
        self._table.put_item(Item=member_item(member))

    def delete_member(self, wdid: str, user_id: str) -> None:
        """Take away a user's role at the facility (the item and its GSI1 entry go together)."""
        self._table.delete_item(Key=member_key(wdid, user_id))

    def get_member(self, wdid: str, user_id: str) -> Member | None:
        item = self._table.get_item(Key=member_key(wdid, user_id), ConsistentRead=True).get("Item")
        return member_from_item(item) if item else None

    def members(self, wdid: str) -> list[Member]:
        """Everyone with a role at the facility, by user id (one consistent Query)."""
        condition = Key("pk").eq(f"FAC#{wdid}") & Key("sk").begins_with("MEMBER#")
        return list(readable(query_all(self._table, condition, consistent=True), member_from_item))

    def memberships(self, user_id: str) -> list[Member]:
        """A user's roles in every facility, by WDID (GSI1 `USER#{user_id}`)."""
        condition = Key("gsi1pk").eq(f"USER#{user_id}")
        return list(readable(query_all(self._table, condition, index=MEMBERS_INDEX), member_from_item))

    def facilities_of(self, user_id: str) -> list[str]:
        """The WDIDs where a user holds a role, sorted."""
        return sorted({m.wdid for m in self.memberships(user_id)})
