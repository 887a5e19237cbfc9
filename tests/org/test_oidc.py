"""Sign-in with OpenID Connect against a real provider (panva's oidc-provider on 127.0.0.1).

Stretch is driven with Django's test client; the provider's login and consent pages with
`requests`, as a browser would, and the provider's answer is handed back to Stretch's
callback. Stretch itself talks to the provider over HTTP (discovery, token, JWKS, userinfo).
"""

import logging
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client

from stretch.org.models import Membership, SignInIdentity
from tests.oidc_provider.fixture import ACCOUNTS, running_provider

CALLBACK = "http://testserver/oidc/callback/"
OIDC = "stretch.org.oidc.OIDCBackend"
PASSWORDS = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    with running_provider(tmp_path_factory.mktemp("oidc"), [CALLBACK]) as provider:
        yield provider


@pytest.fixture
def provider(oidc_provider, settings, company):
    """Stretch configured for the provider, as the STRETCH_OIDC_* variables would."""
    oidc_provider.reset_accounts()
    cache.clear()
    settings.STRETCH_OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_RP_CLIENT_ID = oidc_provider.client_id
    settings.OIDC_RP_CLIENT_SECRET = oidc_provider.client_secret
    settings.STRETCH_OIDC_PROVIDER_NAME = "Testco Login"
    settings.STRETCH_OIDC_TEAM_CLAIM = "department"
    settings.AUTHENTICATION_BACKENDS = [OIDC, PASSWORDS]
    yield oidc_provider
    cache.clear()


def callback_of(provider, client, login, password, next_url=None):
    """Click "Sign in with …", sign in and allow at the provider; returns the callback URL."""
    start = client.get("/oidc/authenticate/", {"next": next_url} if next_url else {})
    assert start.status_code == 302, start.content
    authorization_url = start["Location"]
    assert authorization_url.startswith(provider.issuer + "/auth?")
    return provider.authorize(authorization_url, login, password)


def sign_in(provider, client, login, password, next_url=None):
    url = callback_of(provider, client, login, password, next_url)
    assert url.startswith(CALLBACK), url
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")


def signed_in_user(client):
    return client.get("/").wsgi_request.user


def test_first_sign_in_creates_the_person_with_name_email_and_team(provider, company):
    client = Client()
    response = sign_in(provider, client, "nora", "nora-pass", next_url="/explore/")

    assert response.status_code == 302
    assert response["Location"] == "/explore/"
    nora = get_user_model().objects.get(username="nora")
    assert signed_in_user(client) == nora
    assert nora.email == "nora@testco.example"
    assert nora.profile.display_name == "Nora Newcomer"
    assert not nora.has_usable_password()
    assert list(Membership.objects.filter(person=nora).values_list("team__name", "role")) == [
        ("Platform", "member")
    ]
    identity = SignInIdentity.objects.get(user=nora)
    assert (identity.issuer, identity.subject) == (provider.issuer, "sub-nora")
    assert identity.last_sign_in_at is not None
    # The home page greets them by the name the provider gave.
    assert "Nora Newcomer" in client.get("/").content.decode()


def test_a_later_sign_in_updates_the_same_person(provider, company):
    sign_in(provider, Client(), "nora", "nora-pass")
    first = SignInIdentity.objects.get(subject="sub-nora")
    first_time = first.last_sign_in_at

    provider.set_claims("sub-nora", name="Nora Married", email="nora.m@testco.example")
    client = Client()
    response = sign_in(provider, client, "nora", "nora-pass")

    assert response.status_code == 302
    people = get_user_model().objects.filter(username__startswith="nora")
    assert people.count() == 1
    nora = people.get()
    assert signed_in_user(client) == nora
    assert nora.profile.display_name == "Nora Married"
    assert nora.email == "nora.m@testco.example"
    assert SignInIdentity.objects.filter(subject="sub-nora").count() == 1
    assert SignInIdentity.objects.get(subject="sub-nora").last_sign_in_at > first_time
    assert Membership.objects.filter(person=nora).count() == 1


def test_an_existing_person_is_found_by_verified_email_and_keeps_their_role(provider, company):
    alice = get_user_model().objects.get(username="alice")
    alice.email = "Alice@Testco.example"
    alice.save()
    Membership.objects.filter(person=alice, team=company.platform).update(role="lead")

    client = Client()
    sign_in(provider, client, "alice.p", "alice-pass")

    assert signed_in_user(client) == alice
    assert not get_user_model().objects.filter(username="alice.p").exists()
    assert SignInIdentity.objects.get(subject="sub-alice").user == alice
    alice.refresh_from_db()
    assert alice.profile.display_name == "Alice Provider"
    assert Membership.objects.get(person=alice, team=company.platform).role == "lead"


def newcomer_with_the_address(provider, email):
    """A second account at the provider with `email`, verified (the provider handed a
    departed person's address to a newcomer): it signs in as "ava"."""
    provider.write_accounts(
        {
            **ACCOUNTS,
            "sub-ava": {
                "password": "ava-pass",
                "claims": {
                    "email": email,
                    "email_verified": True,
                    "name": "Ava Newcomer",
                    "preferred_username": "ava",
                    "department": "Sales",
                },
            },
        }
    )


def test_an_address_linked_to_another_subject_is_refused(provider, company, caplog):
    alice = get_user_model().objects.get(username="alice")
    alice.email = "alice@testco.example"
    alice.save()
    sign_in(provider, Client(), "alice.p", "alice-pass")
    assert SignInIdentity.objects.get(subject="sub-alice").user == alice

    newcomer_with_the_address(provider, "alice@testco.example")
    client = Client()
    with caplog.at_level(logging.WARNING, logger="stretch.org.oidc"):
        response = sign_in(provider, client, "ava", "ava-pass")

    assert response.status_code == 403
    page = response.content.decode()
    assert "already linked to another Testco Login account" in page
    assert "Sign in with Testco Login" in page  # the login page, not an error page
    assert not signed_in_user(client).is_authenticated
    assert "sub-ava" in caplog.text and "alice" in caplog.text
    assert list(SignInIdentity.objects.values_list("subject", flat=True)) == ["sub-alice"]
    assert not get_user_model().objects.filter(username="ava").exists()
    assert not Membership.objects.filter(person=alice, team=company.sales).exists()
    # Alice herself still signs in.
    sign_in(provider, client, "alice.p", "alice-pass")
    assert signed_in_user(client) == alice


def test_an_administrator_is_linked_by_verified_email_once(provider, company):
    """An administrator's account without an identity yet is linked by its verified email,
    as anyone's; a second subject with that address is then refused."""
    company.admin.email = "nora@testco.example"
    company.admin.save()
    client = Client()
    sign_in(provider, client, "nora", "nora-pass")
    assert signed_in_user(client) == company.admin
    assert SignInIdentity.objects.get(subject="sub-nora").user == company.admin

    newcomer_with_the_address(provider, "nora@testco.example")
    other = Client()
    response = sign_in(provider, other, "ava", "ava-pass")
    assert response.status_code == 403
    assert not signed_in_user(other).is_authenticated
    assert SignInIdentity.objects.filter(user=company.admin).count() == 1
    assert not SignInIdentity.objects.filter(subject="sub-ava").exists()


def test_an_unverified_email_links_no_one_and_a_taken_username_gets_a_suffix(provider, company):
    alice = get_user_model().objects.get(username="alice")
    alice.email = "alice@testco.example"
    alice.save()

    client = Client()
    sign_in(provider, client, "alice", "mallory-pass")

    mallory = signed_in_user(client)
    assert mallory != alice
    assert mallory.username == "alice2"
    assert mallory.email == ""  # an address the provider did not verify is not taken
    assert mallory.profile.display_name == "Mallory"
    assert not SignInIdentity.objects.filter(user=alice).exists()


def test_an_unknown_team_signs_the_person_in_without_a_team(provider, company):
    provider.set_claims("sub-nora", department="Marketing")
    client = Client()
    response = sign_in(provider, client, "nora", "nora-pass")

    assert response.status_code == 302
    nora = get_user_model().objects.get(username="nora")
    assert signed_in_user(client) == nora
    assert not Membership.objects.filter(person=nora).exists()
    assert not company.root.children.filter(name="Marketing").exists()


def test_a_deactivated_person_is_refused(provider, company):
    sign_in(provider, Client(), "nora", "nora-pass")
    get_user_model().objects.filter(username="nora").update(is_active=False)

    client = Client()
    response = sign_in(provider, client, "nora", "nora-pass")

    assert response.status_code == 403
    assert "deactivated" in response.content.decode()
    assert not signed_in_user(client).is_authenticated


def test_deactivating_a_person_ends_their_session(provider, company):
    client = Client()
    sign_in(provider, client, "nora", "nora-pass")
    assert signed_in_user(client).username == "nora"
    get_user_model().objects.filter(username="nora").update(is_active=False)
    assert not signed_in_user(client).is_authenticated


def test_without_a_provider_name_the_button_names_the_issuers_host(provider, settings, company):
    settings.STRETCH_OIDC_PROVIDER_NAME = ""
    assert "Sign in with 127.0.0.1" in Client().get("/login/").content.decode()


def test_the_login_page_offers_the_provider_next_to_the_password_form(provider, company):
    page = Client().get("/login/?next=/explore/").content.decode()
    assert "Sign in with Testco Login" in page
    assert 'name="password"' in page
    assert 'href="/oidc/authenticate/?next=%2Fexplore%2F"' in page


def test_passwords_off_hides_the_form_and_refuses_a_posted_password(provider, company, settings):
    settings.STRETCH_PASSWORD_LOGIN = False
    settings.AUTHENTICATION_BACKENDS = [OIDC]
    client = Client()

    page = client.get("/login/").content.decode()
    assert "Sign in with Testco Login" in page
    assert 'name="password"' not in page

    response = client.post("/login/", {"username": "alice", "password": "pw-alice-123"})
    assert response.status_code == 403
    assert "Signing in with a password is turned off" in response.content.decode()
    assert not signed_in_user(client).is_authenticated
    # Django admin's own login form takes no password either.
    client.post("/admin/login/", {"username": "admin", "password": "pw-admin-123"})
    assert not signed_in_user(client).is_authenticated
    # The provider still signs people in, administrators too (found by their address).
    sign_in(provider, client, "nora", "nora-pass")
    assert signed_in_user(client).username == "nora"


def test_an_unsafe_next_lands_on_my_okrs(provider, company):
    response = sign_in(provider, Client(), "nora", "nora-pass", next_url="https://evil.example/")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_tampered_state_is_a_clear_failure(provider, company):
    client = Client()
    url = callback_of(provider, client, "nora", "nora-pass")
    parts = urlsplit(url)
    query = parts.query.replace("state=", "state=x")
    response = client.get(f"{parts.path}?{query}")

    assert response.status_code == 400
    assert "did not work" in response.content.decode()
    assert not signed_in_user(client).is_authenticated
    assert not get_user_model().objects.filter(username="nora").exists()


def test_a_tampered_code_is_a_clear_failure(provider, company):
    client = Client()
    url = callback_of(provider, client, "nora", "nora-pass")
    parts = urlsplit(url)
    query = parts.query.replace("code=", "code=x")
    response = client.get(f"{parts.path}?{query}")

    assert response.status_code == 400
    page = response.content.decode()
    assert "Signing in with Testco Login did not work" in page
    assert "Sign in with Testco Login" in page  # and the button to try again
    assert not signed_in_user(client).is_authenticated


def test_a_callback_replayed_is_refused(provider, company):
    client = Client()
    url = callback_of(provider, client, "nora", "nora-pass")
    parts = urlsplit(url)
    assert client.get(f"{parts.path}?{parts.query}").status_code == 302
    other = Client()
    response = other.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 400
    assert not signed_in_user(other).is_authenticated


def test_declining_at_the_provider_says_so(provider, company):
    client = Client()
    start = client.get("/oidc/authenticate/")
    url = provider.authorize(start["Location"], "nora", "nora-pass", decline=True)
    assert url.startswith(CALLBACK) and "error=access_denied" in url
    parts = urlsplit(url)
    response = client.get(f"{parts.path}?{parts.query}")

    assert response.status_code == 403
    assert "Signing in with Testco Login was cancelled" in response.content.decode()
    assert not signed_in_user(client).is_authenticated
    assert not get_user_model().objects.filter(username="nora").exists()


def test_a_wrong_password_at_the_provider_signs_no_one_in(provider, company):
    client = Client()
    start = client.get("/oidc/authenticate/")
    with pytest.raises(AssertionError, match="Wrong username or password"):
        provider.authorize(start["Location"], "nora", "not-her-password")


def test_an_unreachable_provider_is_a_clear_page_and_startup_never_calls_it(settings, company):
    settings.STRETCH_OIDC_ISSUER = "http://127.0.0.1:9"  # nothing listens there
    settings.OIDC_RP_CLIENT_ID = "stretch"
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.STRETCH_OIDC_PROVIDER_NAME = "Testco Login"
    settings.AUTHENTICATION_BACKENDS = [OIDC, PASSWORDS]
    cache.clear()
    client = Client()

    assert "Sign in with Testco Login" in client.get("/login/").content.decode()
    # Passwords still work meanwhile, and the discovery document is not needed for them.
    client.post("/login/", {"username": "alice", "password": "pw-alice-123"})
    assert signed_in_user(client).username == "alice"

    response = Client().get("/oidc/authenticate/")
    assert response.status_code == 503
    assert "Testco Login cannot be reached" in response.content.decode()


def test_a_discovery_document_of_another_issuer_is_not_trusted(provider, settings, company):
    # The same provider reached under another name announces its own issuer, not this one.
    settings.STRETCH_OIDC_ISSUER = provider.issuer.replace("127.0.0.1", "localhost")
    response = Client().get("/oidc/authenticate/")
    assert response.status_code == 503
    assert "cannot be reached" in response.content.decode()


def test_without_configuration_there_is_no_button_and_the_callback_is_not_found(settings, company):
    settings.STRETCH_OIDC_ISSUER = ""
    settings.OIDC_RP_CLIENT_ID = ""
    settings.OIDC_RP_CLIENT_SECRET = ""
    settings.AUTHENTICATION_BACKENDS = [PASSWORDS]
    client = Client()

    page = client.get("/login/").content.decode()
    assert "Sign in with" not in page
    assert 'name="password"' in page
    assert client.get("/oidc/callback/?code=abc&state=def").status_code == 404
    assert client.get("/oidc/authenticate/").status_code == 404
