"""Who may act for a facility: one role per user per facility (SMARTS account roles, seed 000 steps 9-10)."""

from __future__ import annotations

import re
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

Role = Literal["LRP", "DAR", "DEP", "QISP", "viewer"]
ROLES: tuple[Role, ...] = get_args(Role)
SIGNATORY_ROLES: frozenset[Role] = frozenset({"LRP", "DAR"})
"""Who signs for the facility: they certify, sign an eAuthorization, and always receive its notices."""
COPY_ROLES: frozenset[Role] = frozenset({"QISP", "DEP"})
"""Who may opt in (`cc_opt_in`) to a copy of the facility's notices."""


_EMAIL = re.compile(
    r"(?!\.)(?!.*\.\.)[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}(?<!\.)"  # the local part: RFC 5322 dot-atoms, ASCII
    r"@(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"  # DNS labels, a TLD
)


def is_email_address(value: str) -> bool:
    """An address SES can send to: a 7-bit ASCII dot-atom `local@domain` (no spaces, quotes, control characters
    or line breaks: nothing that could become a second header or recipient), a dotted domain of DNS labels."""
    return len(value) <= 320 and _EMAIL.fullmatch(value) is not None


def _email(value: str) -> str:
    if not is_email_address(value):
        raise ValueError("not an email address (local@example.com)")
    return value


EmailAddress = Annotated[str, Field(max_length=320), AfterValidator(_email)]
"""An email address as the API accepts one (a member's, a facility's LRP)."""


class Member(BaseModel):
    """A user's role at one facility (item `FAC#{wdid}` / `MEMBER#{user_id}`).

    `LRP` is the Legally Responsible Person, `DAR` a Duly Authorized Representative or Approved Signatory,
    `DEP` a Data Entry Person, `QISP` the Qualified Industrial Stormwater Practitioner; `viewer` only reads.
    `eauthorization_on_file` records the signed SMARTS eAuthorization form an LRP or DAR needs to certify
    (SMARTS Level 2 ERA Technical Report guide, step 10).
    """

    model_config = ConfigDict(frozen=True)

    wdid: str = Field(min_length=1)
    user_id: str = Field(min_length=1)
    role: Role
    email: str = ""
    name: str = ""
    title: str = ""
    eauthorization_on_file: bool = False
    # The person's notice preferences: a daily digest instead of single reminders; a QISP's or DEP's copy of the
    # facility's notices. Stored on the item, kept when a role is reassigned, never part of the API's answers.
    digest: bool = Field(default=False, exclude=True)
    cc_opt_in: bool = Field(default=False, exclude=True)
