"""Sign-in with the template's own Cognito user pool (the default, `JwtIssuer` empty) on the local stack: the
operator's first-administrator steps of docs/operations.md, an ID token from the pool through the HTTP API's JWT
authorizer (issuer and audience as the translated template resolves them), `cognito:groups` as the admin check."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from joserfc.jwk import KeySet
from moto import mock_aws
from moto.utilities.utils import load_resource
from werkzeug.test import Client
from werkzeug.wrappers import Request

from infra.http_gateway import HttpApiGateway
from infra.local_stack import REGION, LocalStack, provision
from infra.runner import LocalRunner

pytestmark = pytest.mark.stack

PASSWORD = "Permit-clock-2026"


@dataclass
class SignIn:
    stack: LocalStack
    idp: Any
    pool: str
    client_id: str
    http: Client

    def invite(self, email: str, *, admin: bool = False) -> None:
        """The operator's steps: create the user (Cognito emails a temporary password), add them to the group."""
        self.idp.admin_create_user(
            UserPoolId=self.pool,
            Username=email,
            TemporaryPassword="Temporary-Pass-1",
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"},
                            {"Name": "name", "Value": "Ada Admin"}],
        )  # fmt: skip
        if admin:
            self.idp.admin_add_user_to_group(UserPoolId=self.pool, Username=email, GroupName="permitclock-admins")

    def sign_in(self, email: str) -> str:
        """The person's first sign-in: the temporary password, then their own; the ID token."""
        started = self.idp.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": "Temporary-Pass-1"},
        )
        assert started["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
        done = self.idp.respond_to_auth_challenge(
            ClientId=self.client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=started["Session"],
            ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": PASSWORD},
        )
        return str(done["AuthenticationResult"]["IdToken"])

    def post_facility(self, token: str) -> tuple[int, Any]:
        body = {"wdid": "5S34I025848", "name": "Harbor Plating", "lrp": {"user_id": "lrp-1",
                "email": "lrp@harbor.example", "name": "Lee Park", "title": "Plant Manager"}}  # fmt: skip
        response = self.http.post(
            "/facilities", data=json.dumps(body), headers={"Authorization": f"Bearer {token}"},
            content_type="application/json",
        )  # fmt: skip
        return response.status_code, response.get_json(silent=True)


@pytest.fixture
def own_pool() -> Iterator[SignIn]:
    with mock_aws():
        stack = provision({"JwtIssuer": "", "JwtAudience": ""})
        idp = boto3.client("cognito-idp", region_name=REGION)
        pool, client_id = stack.physical["UserPool"], stack.physical["UserPoolClient"]
        jwks = load_resource("cognitoidp/resources/jwks-public.json")  # what the pool's .well-known/jwks.json serves
        gateway = HttpApiGateway(stack.routes, KeySet.import_key_set(jwks), LocalRunner(stack).invoke)
        http = Client(lambda environ, start: gateway(Request(environ))(environ, start))
        yield SignIn(stack=stack, idp=idp, pool=pool, client_id=client_id, http=http)


def test_the_authorizer_trusts_the_stacks_user_pool_and_its_app_client(own_pool: SignIn) -> None:
    [authorizer] = {r.authorizer for r in own_pool.stack.routes if r.authorizer is not None}
    assert authorizer.issuer == f"https://cognito-idp.{REGION}.amazonaws.com/{own_pool.pool}"
    assert authorizer.audience == (own_pool.client_id,)
    [group] = own_pool.idp.list_groups(UserPoolId=own_pool.pool)["Groups"]
    assert group["GroupName"] == "permitclock-admins"
    client = own_pool.idp.describe_user_pool_client(UserPoolId=own_pool.pool, ClientId=own_pool.client_id)
    assert "ClientSecret" not in client["UserPoolClient"]
    pool = own_pool.idp.describe_user_pool(UserPoolId=own_pool.pool)["UserPool"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True


def test_the_first_administrator_signs_in_and_creates_a_facility(own_pool: SignIn) -> None:
    own_pool.invite("admin@example.org", admin=True)
    status, body = own_pool.post_facility(own_pool.sign_in("admin@example.org"))
    assert status == 201, body
    assert body["lrp"]["user_id"] == "lrp-1"


def test_a_pool_user_outside_the_group_is_403_and_no_token_is_401(own_pool: SignIn) -> None:
    own_pool.invite("someone@example.org")
    status, body = own_pool.post_facility(own_pool.sign_in("someone@example.org"))
    assert (status, body["code"]) == (403, "admin_required")
    assert own_pool.post_facility("not-a-token")[0] == 401


def test_another_app_clients_token_is_401(own_pool: SignIn) -> None:
    own_pool.invite("admin@example.org", admin=True)
    other = own_pool.idp.create_user_pool_client(
        UserPoolId=own_pool.pool, ClientName="other", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    own_pool.client_id = other
    assert own_pool.post_facility(own_pool.sign_in("admin@example.org"))[0] == 401
