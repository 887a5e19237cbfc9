"""Language per person: a choice made in the header follows the person to every device;
without one, the browser's Accept-Language decides.

There is no Chinese catalogue yet, so the tests read the page's `<html lang>` and the
Content-Language header rather than Chinese text.
"""

import re

from django.test import Client

from stretch.org.models import Profile
from tests.helpers import client_for

CHINESE_BROWSER = {"Accept-Language": "zh-CN,zh;q=0.9"}
ENGLISH_BROWSER = {"Accept-Language": "en-GB,en;q=0.9"}


def language_of(client, path: str = "/", headers=None) -> str:
    """The language the page is in, after checking the header and the markup agree."""
    response = client.get(path, headers=headers or {})
    assert response.status_code == 200
    lang = re.search(r'<html lang="([^"]+)">', response.content.decode()).group(1)
    assert response["Content-Language"] == lang
    return lang


def choose(client, language: str, next_page: str = "/"):
    return client.post("/i18n/setlang/", {"language": language, "next": next_page})


def locale_of(user) -> str:
    return Profile.objects.get(user=user).locale


def test_the_header_offers_the_language_switch(company):
    page = client_for(company.alice).get("/").content.decode()
    form = re.search(r'<form class="language" method="post" action="([^"]+)">', page)
    assert form.group(1) == "/i18n/setlang/"
    assert '<select id="language" name="language"' in page
    assert '<option value="zh-hans"' in page


def test_without_a_choice_the_page_is_in_the_site_language(company):
    assert language_of(client_for(company.alice)) == "en"


def test_without_a_choice_the_browser_language_decides(company):
    assert language_of(client_for(company.alice), headers=CHINESE_BROWSER) == "zh-hans"


def test_choosing_a_language_switches_the_page_and_goes_back(company):
    client = client_for(company.alice)
    response = choose(client, "zh-hans", next_page="/explore/")
    assert response.status_code == 302
    assert response["Location"] == "/explore/"
    assert language_of(client, "/explore/") == "zh-hans"


def test_choosing_a_language_keeps_it_on_the_profile(company):
    choose(client_for(company.alice), "zh-hans")
    assert locale_of(company.alice) == "zh-hans"


def test_the_choice_follows_the_person_to_another_device(company):
    choose(client_for(company.alice), "zh-hans")
    other_device = client_for(company.alice)
    assert language_of(other_device, headers=ENGLISH_BROWSER) == "zh-hans"


def test_the_choice_follows_the_person_after_logging_in_again(company):
    client = Client()
    client.post("/login/", {"username": "alice", "password": "pw-alice-123"})
    choose(client, "zh-hans")
    client.post("/logout/")
    client.cookies.clear()  # as a fresh browser
    client.post("/login/", {"username": "alice", "password": "pw-alice-123"})
    assert language_of(client) == "zh-hans"


def test_the_choice_does_not_stay_behind_for_the_next_person_on_the_browser(company):
    client = Client()
    client.post("/login/", {"username": "alice", "password": "pw-alice-123"})
    choose(client, "zh-hans")
    client.post("/logout/")
    client.post("/login/", {"username": "admin", "password": "pw-admin-123"})
    assert language_of(client, headers=ENGLISH_BROWSER) == "en"


def test_the_choice_beats_the_browser_language(company):
    client = client_for(company.alice)
    choose(client, "en")
    assert language_of(client_for(company.alice), headers=CHINESE_BROWSER) == "en"


def test_one_persons_choice_does_not_change_anyone_elses(company):
    choose(client_for(company.alice), "zh-hans")
    assert language_of(client_for(company.bob)) == "en"
    assert locale_of(company.bob) == ""


def test_changing_the_choice_again_takes_effect_at_once(company):
    client = client_for(company.alice)
    choose(client, "zh-hans")
    assert language_of(client) == "zh-hans"
    choose(client, "en")
    assert language_of(client) == "en"
    assert locale_of(company.alice) == "en"


def test_going_back_to_the_browsers_language_lets_the_browser_decide_again(company):
    client = client_for(company.alice)
    choose(client, "zh-hans")
    choose(client, "")
    assert locale_of(company.alice) == ""
    assert language_of(client, headers=ENGLISH_BROWSER) == "en"
    assert language_of(client, headers=CHINESE_BROWSER) == "zh-hans"


def test_an_unknown_language_is_ignored(company):
    client = client_for(company.alice)
    choose(client, "zh-hans")
    choose(client, "klingon")
    assert locale_of(company.alice) == "zh-hans"
    assert language_of(client) == "zh-hans"


def test_a_visitor_switches_the_login_page_without_an_account(company):
    client = Client()
    response = choose(client, "zh-hans", next_page="/login/")
    assert response.status_code == 302
    assert language_of(client, "/login/") == "zh-hans"
    assert set(Profile.objects.values_list("locale", flat=True)) == {""}


def test_switching_needs_a_post(company):
    assert client_for(company.alice).get("/i18n/setlang/?language=zh-hans").status_code == 405
    assert locale_of(company.alice) == ""
