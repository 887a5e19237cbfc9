"""/api/v1/tokens and what a token may do: people make, list and revoke their own tokens;
a read token only reads; a revoked token stops working; administrators see and revoke
everyone's."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from stretch.org import tokens
from stretch.org.models import ApiToken
from tests.conftest import Api


def bearer(raw: str) -> Api:
    client = Api()
    client.headers["Authorization"] = f"Bearer {raw}"
    return client


def make(api_as, user, name="script", scope="write") -> dict:
    answer = api_as(user).post("/tokens", {"name": name, "scope": scope})
    assert answer.status_code == 201, answer.json_body
    return answer.json_body


def test_a_person_makes_a_token_and_it_works_as_a_bearer(company, api_as):
    made = make(api_as, company.alice, name="  weekly report  ", scope="write")
    assert made["name"] == "weekly report"
    assert made["scope"] == "write"
    assert made["token"].startswith("stk_")
    assert set(made) == {"id", "name", "scope", "created_at", "token"}
    me = bearer(made["token"]).get("/me")
    assert me.status_code == 200
    assert me.json_body["id"] == company.alice.pk


def test_the_database_holds_only_the_hash_never_the_token(company, api_as):
    raw = make(api_as, company.alice)["token"]
    row = ApiToken.objects.get(name="script")
    assert row.key_hash == ApiToken.hash(raw) != raw
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")
        cells = [str(cell) for line in cursor.fetchall() for cell in line]
    assert not any(raw in cell or raw[4:] in cell for cell in cells)


def test_the_list_shows_own_tokens_without_hash_or_token(company, api_as):
    made = make(api_as, company.alice, name="ci")
    make(api_as, company.dave, name="daves")
    listing = api_as(company.alice).get("/tokens").json_body
    names = [item["name"] for item in listing["items"]]
    assert "ci" in names and "daves" not in names
    item = next(i for i in listing["items"] if i["id"] == made["id"])
    assert item["owner"] == {"id": company.alice.pk, "name": "Alice"}
    assert item["revoked_at"] is None and item["revoked_by"] is None
    assert "token" not in item and "key_hash" not in item
    text = str(listing)
    assert made["token"] not in text
    assert ApiToken.objects.get(pk=made["id"]).key_hash not in text


def test_a_read_token_reads_but_every_unsafe_method_is_403_with_the_reason(company, api_as):
    client = bearer(make(api_as, company.alice, scope="read")["token"])
    assert client.get("/me").status_code == 200
    assert client.get("/tokens").status_code == 200
    for answer in (
        client.post("/tokens", {"name": "escalate", "scope": "write"}),
        client.patch(f"/teams/{company.platform.pk}", {"check_in_cadence": "monthly"}),
        client.delete("/tokens/1"),
        client.request("put", "/conversations/1/meetings/1/private-note", {"body": "x"}),
    ):
        assert answer.status_code == 403, answer.content
        assert answer.json_body["detail"] == "This token may only read (scope: read)."
    assert not ApiToken.objects.filter(name="escalate").exists()


def test_a_write_token_writes(company, api_as):
    client = bearer(make(api_as, company.bob, scope="write")["token"])
    answer = client.patch(
        f"/teams/{company.platform.pk}", {"check_in_cadence": "monthly", "check_in_weekday": 0}
    )
    assert answer.status_code == 200, answer.json_body
    company.platform.refresh_from_db()
    assert company.platform.check_in_cadence == "monthly"


def test_a_session_user_is_not_limited_by_scopes(company, client):
    client.force_login(company.alice)
    answer = client.post(
        "/api/v1/tokens", {"name": "from browser", "scope": "read"}, content_type="application/json"
    )
    assert answer.status_code == 201


def test_a_revoked_token_answers_401_afterwards(company, api_as):
    made = make(api_as, company.alice)
    client = bearer(made["token"])
    assert client.get("/me").status_code == 200
    assert client.delete(f"/tokens/{made['id']}").status_code == 204
    assert client.get("/me").status_code == 401
    listed = api_as(company.alice).get("/tokens").json_body["items"]
    row = next(i for i in listed if i["id"] == made["id"])
    assert row["revoked_at"] is not None
    assert row["revoked_by"] == {"id": company.alice.pk, "name": "Alice"}


def test_use_sets_last_used_at_at_most_once_a_minute(company, api_as):
    made = make(api_as, company.alice)
    assert ApiToken.objects.get(pk=made["id"]).last_used_at is None
    client = bearer(made["token"])
    client.get("/me")
    first = ApiToken.objects.get(pk=made["id"]).last_used_at
    assert first is not None
    client.get("/me")
    assert ApiToken.objects.get(pk=made["id"]).last_used_at == first
    ApiToken.objects.filter(pk=made["id"]).update(last_used_at=first - timedelta(minutes=2))
    client.get("/me")
    assert ApiToken.objects.get(pk=made["id"]).last_used_at > first - timedelta(seconds=1)
    item = next(i for i in api_as(company.alice).get("/tokens").json_body["items"])
    assert item["last_used_at"] is not None


def test_someone_elses_token_is_404_for_a_member_and_revocable_by_an_admin(company, api_as):
    made = make(api_as, company.alice)
    answer = api_as(company.dave).delete(f"/tokens/{made['id']}")
    assert answer.status_code == 404
    assert ApiToken.objects.get(pk=made["id"]).revoked_at is None
    assert bearer(made["token"]).get("/me").status_code == 200
    assert api_as(company.admin).delete(f"/tokens/{made['id']}").status_code == 204
    row = ApiToken.objects.get(pk=made["id"])
    assert row.revoked_by == company.admin and row.revoked_at is not None
    assert bearer(made["token"]).get("/me").status_code == 401


def test_revoking_twice_keeps_the_first_record(company, api_as):
    made = make(api_as, company.alice)
    api_as(company.alice).delete(f"/tokens/{made['id']}")
    first = ApiToken.objects.get(pk=made["id"]).revoked_at
    assert api_as(company.admin).delete(f"/tokens/{made['id']}").status_code == 204
    row = ApiToken.objects.get(pk=made["id"])
    assert (row.revoked_at, row.revoked_by) == (first, company.alice)


@pytest.mark.parametrize("token_id", ["999999", str(2**70), "-1"])
def test_an_unknown_token_is_404(company, api_as, token_id):
    assert api_as(company.alice).delete(f"/tokens/{token_id}").status_code == 404


def test_an_admin_lists_everyones_tokens_with_their_owners(company, api_as):
    make(api_as, company.alice, name="alices")
    make(api_as, company.dave, name="daves")
    listing = api_as(company.admin).get("/tokens?all=true").json_body
    owners = {i["name"]: i["owner"]["id"] for i in listing["items"]}
    assert owners["alices"] == company.alice.pk and owners["daves"] == company.dave.pk
    assert "daves" not in str(api_as(company.admin).get("/tokens").json_body)


def test_everyones_tokens_are_refused_to_a_member(company, api_as):
    answer = api_as(company.alice).get("/tokens?all=true")
    assert answer.status_code == 403


def test_the_active_filter(company, api_as):
    keep = make(api_as, company.alice, name="keep")
    gone = make(api_as, company.alice, name="gone")
    api_as(company.alice).delete(f"/tokens/{gone['id']}")
    active = api_as(company.alice).get("/tokens?active=true").json_body["items"]
    revoked = api_as(company.alice).get("/tokens?active=false").json_body["items"]
    assert keep["id"] in [i["id"] for i in active] and gone["id"] not in [i["id"] for i in active]
    assert [i["id"] for i in revoked] == [gone["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "scope": "admin"}, "scope"),
        ({"name": "x", "scope": ""}, "scope"),
        ({"name": "x" * 101, "scope": "read"}, "name"),
    ],
)
def test_bad_input_is_400_naming_the_field(company, api_as, body, field):
    answer = api_as(company.alice).post("/tokens", body)
    assert answer.status_code == 400
    assert answer.json_body["field"] == field
    assert not ApiToken.objects.filter(user=company.alice, name__startswith="x").exists()


@pytest.mark.parametrize(("body", "field"), [({"name": "x"}, "scope"), ({"scope": 3}, "scope")])
def test_a_missing_or_mistyped_field_is_422_naming_it(company, api_as, body, field):
    answer = api_as(company.alice).post("/tokens", body)
    assert answer.status_code == 422
    assert answer.json_body["detail"][0]["loc"][-1] == field


def test_a_blank_name_is_allowed(company, api_as):
    made = make(api_as, company.alice, name="   ")
    assert made["name"] == ""


def test_anonymous_is_401(company, api_as):
    assert api_as(None).get("/tokens").status_code == 401
    assert api_as(None).post("/tokens", {"name": "x", "scope": "read"}).status_code == 401


def test_a_token_of_a_deactivated_person_stops_working(company, api_as):
    raw = make(api_as, company.alice)["token"]
    company.alice.is_active = False
    company.alice.save()
    assert bearer(raw).get("/me").status_code == 401


def test_issue_token_keeps_working_and_follows_the_rules(company):
    from django.core.exceptions import ValidationError

    from stretch.org.services import issue_token

    raw = issue_token(company.alice, name="cli", scope="read")
    assert ApiToken.objects.get(key_hash=ApiToken.hash(raw)).scope == "read"
    with pytest.raises(ValidationError) as error:
        issue_token(company.alice, scope="root")
    assert "scope" in error.value.message_dict


def test_revoke_is_refused_in_the_service_for_someone_else(company):
    from django.core.exceptions import PermissionDenied

    token, _raw = tokens.create_token(company.alice, "x", "read")
    with pytest.raises(PermissionDenied):
        tokens.revoke_token(company.dave, token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert tokens.revoke_token(company.alice, token).revoked_at <= timezone.now()


def test_the_list_runs_a_bounded_number_of_queries(company, api_as, django_assert_max_num_queries):
    for person in (company.alice, company.bob, company.dave):
        for n in range(3):
            token, _raw = tokens.create_token(person, f"t{n}", "read")
            tokens.revoke_token(company.admin, token)
    client = api_as(company.admin)
    with django_assert_max_num_queries(4):
        answer = client.get("/tokens?all=true")
    assert answer.json_body["count"] == 10
