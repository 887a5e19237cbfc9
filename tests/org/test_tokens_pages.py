"""The tokens page (/settings/tokens/): a person's tokens, the form that shows a new token
once, Revoke (plain POST and HTMX), everyone's tokens for administrators; and `stretch token`."""

import re

import pytest

from stretch import cli
from stretch.org import tokens
from stretch.org.models import ApiToken
from tests.conftest import Api
from tests.helpers import client_for

PAGE = "/settings/tokens/"


def bearer(raw: str) -> Api:
    client = Api()
    client.headers["Authorization"] = f"Bearer {raw}"
    return client


def test_making_a_token_shows_it_once_and_it_works(company):
    client = client_for(company.alice)
    answer = client.post(PAGE, {"name": "  sheet sync ", "scope": "read"})
    assert answer.status_code == 200
    assert "no-store" in answer["Cache-Control"]
    page = answer.content.decode()
    raw = re.search(r'value="(stk_[^"]+)"', page).group(1)
    assert "you will not see it again" in page
    row = ApiToken.objects.get(user=company.alice)
    assert (row.name, row.scope, row.key_hash) == ("sheet sync", "read", ApiToken.hash(raw))
    assert bearer(raw).get("/me").json_body["id"] == company.alice.pk
    again = client.get(PAGE).content.decode()
    assert "sheet sync" in again and raw not in again


def test_the_form_offers_read_and_read_and_write_with_read_first(company):
    page = client_for(company.alice).get(PAGE).content.decode()
    assert re.search(r'type="radio" name="scope" value="read"[^>]*checked', page)
    assert 'value="write"' in page and "Read and write" in page
    assert "You have no token yet." in page


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "x", "scope": "admin"}, "scope", "Select a valid choice."),
        ({"name": "x" * 101, "scope": "read"}, "name", "at most 100 characters"),
    ],
)
def test_bad_input_is_refused_next_to_its_field(company, fields, field, message):
    answer = client_for(company.alice).post(PAGE, fields)
    assert answer.status_code == 400
    page = answer.content.decode()
    assert f'id="{field}-error"' in page and message in page
    assert 'value="stk_' not in page
    assert not ApiToken.objects.exists()


def test_the_page_shows_scope_last_used_and_never_the_hash(company):
    token, raw = tokens.create_token(company.alice, "reporter", "write")
    bearer(raw).get("/me")
    token.refresh_from_db()
    assert token.last_used_at is not None
    page = client_for(company.alice).get(PAGE).content.decode()
    row = re.search(rf'<tr id="token-{token.pk}".*?</tr>', page, re.S).group(0)
    assert "reporter" in row and "Read and write" in row
    assert token.last_used_at.isoformat(timespec="seconds")[:16] in row
    assert "never" not in row
    assert token.key_hash not in page and raw not in page


def test_a_member_never_sees_another_persons_tokens(company):
    tokens.create_token(company.dave, "daves secret script", "write")
    client = client_for(company.alice)
    assert "daves secret script" not in client.get(PAGE).content.decode()
    assert client.get(f"{PAGE}all/").status_code == 403
    assert "Everyone's tokens" not in client.get(PAGE).content.decode()


def test_revoke_without_javascript_redirects_back_and_the_token_stops(company):
    token, raw = tokens.create_token(company.alice, "old", "write")
    client = client_for(company.alice)
    answer = client.post(f"{PAGE}{token.pk}/revoke/", {"back": PAGE})
    assert answer.status_code == 302 and answer["Location"] == PAGE
    page = client.get(PAGE).content.decode()
    assert "The token “old” was revoked." in page
    row = re.search(rf'<tr id="token-{token.pk}".*?</tr>', page, re.S).group(0)
    assert "revoked" in row and "by Alice" in row and "Revoke" not in row
    assert bearer(raw).get("/me").status_code == 401


def test_revoke_with_htmx_answers_the_row(company):
    token, _raw = tokens.create_token(company.alice, "old", "write")
    answer = client_for(company.alice).post(
        f"{PAGE}{token.pk}/revoke/", {"back": PAGE}, headers={"HX-Request": "true"}
    )
    assert answer.status_code == 200
    html = answer.content.decode()
    assert html.startswith(f'<tr id="token-{token.pk}" class="inactive">')
    assert "revoked" in html and "<html" not in html


def test_revoke_needs_post_and_the_csrf_token(company):
    token, _raw = tokens.create_token(company.alice, "old", "write")
    assert client_for(company.alice).get(f"{PAGE}{token.pk}/revoke/").status_code == 405
    strict = client_for(company.alice, enforce_csrf_checks=True)
    assert strict.post(f"{PAGE}{token.pk}/revoke/").status_code == 403
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_someone_elses_token_is_404_for_a_member(company):
    token, _raw = tokens.create_token(company.dave, "daves", "write")
    assert client_for(company.alice).post(f"{PAGE}{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_an_admin_sees_everyones_active_tokens_and_revokes_one(company):
    keep, _ = tokens.create_token(company.alice, "alices", "read")
    gone, _ = tokens.create_token(company.dave, "daves", "write")
    tokens.revoke_token(company.dave, tokens.create_token(company.dave, "dead", "read")[0])
    client = client_for(company.admin)
    assert f'href="{PAGE}all/"' in client.get(PAGE).content.decode()
    page = client.get(f"{PAGE}all/").content.decode()
    assert "alices" in page and "daves" in page and "dead" not in page
    assert "Alice" in page and "Dave" in page
    answer = client.post(f"{PAGE}{gone.pk}/revoke/", {"back": f"{PAGE}all/"})
    assert answer["Location"] == f"{PAGE}all/"
    gone.refresh_from_db()
    assert gone.revoked_by == company.admin
    after = client.get(f"{PAGE}all/").content.decode()
    assert "The token “daves” was revoked." in after
    assert f'id="token-{gone.pk}"' not in after and f'id="token-{keep.pk}"' in after
    daves_page = client_for(company.dave).get(PAGE).content.decode()
    assert "by admin" in daves_page


def test_revoke_does_not_redirect_elsewhere(company):
    token, _raw = tokens.create_token(company.alice, "old", "write")
    answer = client_for(company.alice).post(
        f"{PAGE}{token.pk}/revoke/", {"back": "https://evil.example/"}
    )
    assert answer["Location"] == PAGE


def test_the_page_needs_a_sign_in(company, client):
    answer = client.get(PAGE)
    assert answer.status_code == 302 and "/login/" in answer["Location"]


def test_the_cli_makes_a_read_token(company, monkeypatch, capsys):
    monkeypatch.setattr(cli, "_migrate", lambda verbosity=1: None)
    assert cli.main(["token", "alice", "--scope", "read", "--name", "cron"]) == 0
    raw = capsys.readouterr().out.strip()
    row = ApiToken.objects.get(key_hash=ApiToken.hash(raw))
    assert (row.user, row.scope, row.name) == (company.alice, "read", "cron")
    assert bearer(raw).get("/me").status_code == 200
    assert bearer(raw).post("/tokens", {"name": "x", "scope": "write"}).status_code == 403


def test_the_cli_refuses_a_long_name_in_one_line(company, monkeypatch, capsys):
    monkeypatch.setattr(cli, "_migrate", lambda verbosity=1: None)
    assert cli.main(["token", "alice", "--name", "x" * 101]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "name: At most 100 characters." in err
    assert not ApiToken.objects.exists()


def test_the_pages_run_a_bounded_number_of_queries(company, django_assert_max_num_queries):
    for person in (company.admin, company.alice, company.dave):
        for n in range(4):
            token, _raw = tokens.create_token(person, f"t{n}", "read")
            if n % 2:
                tokens.revoke_token(company.admin, token)
    client = client_for(company.admin)
    with django_assert_max_num_queries(10):
        assert client.get(PAGE).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(f"{PAGE}all/").status_code == 200
