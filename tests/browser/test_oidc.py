"""A person signs in with the company's provider in a real browser and lands on My OKRs.

The provider is a real one (panva's oidc-provider on 127.0.0.1; see tests/oidc_provider).
"""

import os
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from playwright.sync_api import expect

from stretch.org.models import Membership
from tests.oidc_provider.fixture import running_provider

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser_oidc_provider(tmp_path_factory, live_server):
    callback = f"{live_server.url}/oidc/callback/"
    with running_provider(tmp_path_factory.mktemp("oidc-browser"), [callback]) as provider:
        yield provider


@pytest.fixture
def provider(browser_oidc_provider, settings):
    browser_oidc_provider.reset_accounts()
    cache.clear()
    settings.STRETCH_OIDC_ISSUER = browser_oidc_provider.issuer
    settings.OIDC_RP_CLIENT_ID = browser_oidc_provider.client_id
    settings.OIDC_RP_CLIENT_SECRET = browser_oidc_provider.client_secret
    settings.STRETCH_OIDC_PROVIDER_NAME = "Testco Login"
    settings.STRETCH_OIDC_TEAM_CLAIM = "department"
    settings.AUTHENTICATION_BACKENDS = [
        "stretch.org.oidc.OIDCBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    yield browser_oidc_provider
    cache.clear()


def test_sign_in_with_the_provider_lands_on_my_okrs(live_server, company, provider, page):
    page.goto(f"{live_server.url}/login/")
    button = page.get_by_role("link", name="Sign in with Testco Login")
    expect(button).to_be_visible()
    if shots := os.environ.get("STRETCH_SCREENSHOTS"):
        page.screenshot(path=f"{shots}/oidc-login.png", full_page=True)
    button.click()

    page.wait_for_url(re.compile(re.escape(provider.issuer) + "/interaction/"))
    page.get_by_label("Username").fill("nora")
    page.get_by_label("Password").fill("nora-pass")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Authorize")).to_be_visible()
    page.get_by_role("button", name="Allow").click()

    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name=re.compile("My OKRs"))).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    nora = get_user_model().objects.get(username="nora")
    assert nora.profile.display_name == "Nora Newcomer"
    assert Membership.objects.filter(person=nora, team=company.platform).exists()


def test_with_passwords_off_the_login_page_shows_only_the_provider(
    live_server, company, provider, page, settings
):
    settings.STRETCH_PASSWORD_LOGIN = False
    settings.AUTHENTICATION_BACKENDS = ["stretch.org.oidc.OIDCBackend"]
    page.goto(f"{live_server.url}/login/?next=/explore/")
    expect(page.get_by_role("link", name="Sign in with Testco Login")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_count(0)
    if shots := os.environ.get("STRETCH_SCREENSHOTS"):
        page.screenshot(path=f"{shots}/oidc-login-passwords-off.png", full_page=True)

    page.get_by_role("link", name="Sign in with Testco Login").click()
    page.get_by_label("Username").fill("nora")
    page.get_by_label("Password").fill("nora-pass")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(f"{live_server.url}/explore/")
